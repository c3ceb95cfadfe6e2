"""Benchmark wflow's engine against the peers of ../shared/bench/peers.py.

Usage: python bench/engine.py [N ...]   (default 1000 10000)
       python bench/engine.py --profile   (cProfile of the application path, top 25 cumulative)

Every row does the same work: N approval workflows (draft -> submitted -> reviewed ->
approved), each transition in its own transaction with an audit row, on a fresh SQLite file
in WAL mode with synchronous=NORMAL (the peers' settings and the application's).

The headline row is the path a view takes: per transition a new ORM session
(`expire_on_commit=False`, as `wflow.db.session()` opens one per request), the signed-in
user loaded as the login manager loads it (`accounts.service.user_by_id`), and
`wflow.core.workflow.fire`, the service function every view calls, which
computes the user's principals (the access check), fires through the engine (role check,
optimistic lock, chained audit event, task index), commits, and then tells the
notifications (the new task holders' inbox notices, in their own unit of work). The
database is the application's (`wflow.db.make_engine`, its migrations, its pragmas). The
bare `Engine.fire` over one long-lived connection, and with a session per transition, are
rows for information. The cost per transition among 100,000 instances against 1,000 is
measured on the same application path and settings. Exits 1 when the peer harness is
missing; 0 whether the targets are met or not.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import importlib.util
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wflow.engine import Actor, Engine  # noqa: E402
from wflow.engine.definition import Definition, Label, State, Transition  # noqa: E402
from wflow.engine.statements import EVT, INST, TASK  # noqa: E402

PEERS = ROOT.parent / "shared" / "bench" / "peers.py"
# the distributions each peer runs on, for the versions printed with the results
PEER_DISTS = {
    "raw": ("sqlite3",),
    "handwritten": ("transitions", "sqlmodel", "SQLAlchemy"),
    "spiff": ("SpiffWorkflow",),
    "statemachine": ("python-statemachine", "sqlmodel"),
    "viewflow": ("django-viewflow", "Django"),
}
STEPS = ("submit", "review", "approve")
UNITS = 50  # instances spread over the 50 member units of one block
SMALL, BIG = 1_000, 100_000  # instances loaded when comparing the cost per transition
ROUNDS, BATCH = 16, 50  # batches of instances timed (3 transitions each) at each size, in turns
WARM = 100  # instances fired before timing, and others under tracemalloc
PASSWORD = "bench-password-1"

_SCRATCH = tempfile.TemporaryDirectory(prefix="wflow-bench-")
os.environ.setdefault("WFLOW_INSTANCE_PATH", _SCRATCH.name)


def load_peers() -> ModuleType:
    """Import peers.py by path; exit with one clear line when it is absent."""
    if not PEERS.exists():
        sys.exit(
            f"bench: the peer harness {PEERS} is missing; clone the project with ../shared "
            "beside it (every peer row needs it)"
        )
    spec = importlib.util.spec_from_file_location("peers", PEERS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _version(dist: str) -> str:
    if dist == "sqlite3":
        import sqlite3

        return sqlite3.sqlite_version
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def peer_versions(names: list[str]) -> str:
    """Return the peers that ran with the versions of their libraries, for the report."""
    return "; ".join(
        f"{name} ({', '.join(f'{d} {_version(d)}' for d in PEER_DISTS.get(name, ()))})"
        for name in names
    )


def _label(text: str) -> Label:
    return Label(vi=text, en=text, fr=text, hu=text)


def approval() -> Definition:
    """Return the approval flow, with the application's own role names."""
    states = {n: State(n, _label(n), final=n == "approved")
              for n in ("draft", "submitted", "reviewed", "approved")}  # fmt: skip
    moves = [("submit", "draft", "submitted", "unit_head"),
             ("review", "submitted", "reviewed", "block_leader"),
             ("approve", "reviewed", "approved", "secretariat")]  # fmt: skip
    transitions = tuple(Transition(t, (s,), d, _label(t), roles=(r,)) for t, s, d, r in moves)
    return Definition("approval", 1, "draft", _label("approval"), states, transitions)


class AppDb:
    """A fresh application database (migrations, pragmas) with one block of UNITS units,
    their heads, the secretariat, and `total` approval instances in `draft`.

    A fresh SQLite file by default; `url` names an empty database instead (PostgreSQL).
    """

    def __init__(
        self, name: str, total: int, url: str | None = None, background: bool = True
    ) -> None:
        from wflow import db
        from wflow.core import workflow as wf
        from wflow.core.access import current_year
        from wflow.org import service as org
        from wflow.org.models import Role

        if url is None:
            path = Path(_SCRATCH.name) / f"{name}.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            url = f"sqlite:///{path}"
        self._open(url, background)
        db.upgrade(url)
        self.year = current_year()
        with self.app.app_context(), Session(self.bind, expire_on_commit=False) as s:
            wf.sync_versions(s, self.engine)
            units = [org.create_unit(s, code=f"DV{i:02d}", name=f"Đơn vị số {i}",
                                     kind="agency") for i in range(UNITS)]  # fmt: skip
            self.unit_ids = [u.id or 0 for u in units]
            block = org.create_block(s, name="Khối thi đua", code="KBENCH", year=self.year,
                                     member_ids=self.unit_ids, leader_id=self.unit_ids[0],
                                     deputy_id=self.unit_ids[1])  # fmt: skip
            self.block_id, self.council_id = block.id or 0, block.council_id
            heads = [org.create_user(s, login=f"head{i:02d}", display_name=f"Thủ trưởng {i}",
                                     password=PASSWORD, unit_id=uid,
                                     roles=[Role.UNIT_HEAD.value])
                     for i, uid in enumerate(self.unit_ids)]  # fmt: skip
            sec = org.create_user(s, login="secretariat", display_name="Ban Thi đua",
                                  password=PASSWORD, unit_id=None,
                                  roles=[Role.SECRETARIAT.value])  # fmt: skip
        self.head_ids = [h.id or 0 for h in heads]
        # who fires each step of instance i: its unit's head, the block leader's head, the
        # secretariat
        self.who = {"submit": self.head_ids, "review": [self.head_ids[0]] * UNITS,
                    "approve": [sec.id or 0] * UNITS}  # fmt: skip
        self.preload(total)

    def _open(self, url: str, background: bool = True) -> None:
        """Create the app on `url` (its own engine and pool) and the engine with `approval`.

        `background`: notifications told by the courier's thread, as on a production server
        (`wflow.wsgi`); else after each change, before `fire` returns.
        """
        from wflow import create_app
        from wflow.core import installation

        self.url = url
        # Argon2 only hashes the users' passwords here, never on the path measured
        config = {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench",
                  "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024,
                  "NOTIFY_IN_BACKGROUND": background}  # fmt: skip
        self.app: Flask = create_app(config)
        self.bind: sa.Engine = self.app.extensions["wflow.db"]
        base: Engine = self.app.extensions["wflow.engine"]
        self.engine = Engine({**base.definitions, "approval": approval()}, base.registry,
                             base.zone)  # fmt: skip
        # the installation's engine tells the news: it must know `approval` too
        found = dataclasses.replace(self.app.extensions["wflow.installation"],
                                    workflows=self.engine)  # fmt: skip
        self.app.extensions["wflow.engine"] = self.engine
        installation.attach(self.bind, found)
        self.courier = found.courier

    @classmethod
    def attach(cls, url: str, who: dict[str, list[int]]) -> AppDb:
        """Open a database an AppDb built (e.g. in another process), with who fires what."""
        bench = cls.__new__(cls)
        bench._open(url)
        bench.who = who
        return bench

    def unit_of(self, i: int) -> int:
        """Return the position of instance i's unit among the block's units."""
        return i % UNITS

    def preload(self, n: int) -> None:
        """Bulk-insert n instances in `draft` with their task rows (what `start` leaves)."""
        now = datetime(self.year, 1, 2, 9, 0)
        with self.bind.begin() as conn:
            for lo in range(0, n, 10_000):
                ids = range(lo + 1, min(n, lo + 10_000) + 1)
                conn.execute(
                    sa.insert(INST),
                    [{"id": i, "workflow": "approval", "version": 1, "state": "draft",
                      "subject_type": "doc", "subject_id": i,
                      "unit_id": self.unit_ids[self.unit_of(i)], "block_id": self.block_id,
                      "year": self.year, "council_id": self.council_id, "data": {},
                      "lock_version": 1, "entry": 1,
                      "last_seq": 0, "last_hash": "", "due_at": None, "created_at": now,
                      "updated_at": now} for i in ids],
                )  # fmt: skip
                conn.execute(
                    sa.insert(TASK),
                    [{"instance_id": i, "trigger": "submit",
                      "principal": f"unit:{self.unit_ids[self.unit_of(i)]}:head",
                      "due_at": None, "work": True, "block_id": self.block_id} for i in ids],
                )  # fmt: skip
            if conn.dialect.name == "postgresql":  # explicit ids: move the sequence past them
                conn.exec_driver_sql(
                    "SELECT setval(pg_get_serial_sequence('wf_instance', 'id'), "
                    "(SELECT MAX(id) FROM wf_instance))"
                )

    def fire_app(self, ids: list[int]) -> float:
        """Fire the three steps of every id on the application path; return seconds.

        Step by step over all ids, as work waits for people, and each step's new work told
        (the courier drained) before the next step: every person is told of every task, as
        when notifications are written before `fire` returns.
        """
        from wflow.accounts.service import user_by_id
        from wflow.core import workflow as wf

        engine, bind, who, fire = self.engine, self.bind, self.who, wf.fire
        with self.app.app_context():
            t0 = time.perf_counter()
            for trigger in STEPS:
                for i in ids:
                    with Session(bind, expire_on_commit=False) as session:
                        user = user_by_id(session, who[trigger][self.unit_of(i)])
                        fire(session, engine, user, i, trigger)
                if not self.courier.wait(600):
                    raise RuntimeError("the courier did not drain in 10 minutes")
            return time.perf_counter() - t0

    def actors(self) -> dict[str, list[Actor]]:
        """Return, per trigger, the engine actor of the person who fires it for each unit."""
        from wflow.core import workflow as wf
        from wflow.org.models import User

        with Session(self.bind) as s:
            return {t: [wf.actor_for(s, s.get(User, uid)) for uid in users]  # type: ignore[arg-type]
                    for t, users in self.who.items()}  # fmt: skip

    def fire_engine(self, ids: list[int], orm: bool) -> float:
        """Fire through `Engine.fire` only: one connection, or a Session per transition."""
        who, fire = self.actors(), self.engine.fire
        t0 = time.perf_counter()
        if orm:
            for i in ids:
                for trigger in STEPS:
                    with Session(self.bind) as session:
                        fire(session, i, trigger, who[trigger][self.unit_of(i)])
                        session.commit()
            return time.perf_counter() - t0
        with self.bind.connect() as conn:
            for i in ids:
                for trigger in STEPS:
                    with conn.begin():
                        fire(conn, i, trigger, who[trigger][self.unit_of(i)])
        return time.perf_counter() - t0

    def check(self, ids: list[int]) -> None:
        """Assert the run did the work: every fired instance approved, with its three events.

        (The preloaded instances have no start event, so the chains are not verified here.)
        """
        with Session(self.bind) as session:
            states = session.execute(
                sa.select(INST.c.state).where(INST.c.id.in_(ids)).distinct()
            ).scalars().all()  # fmt: skip
            assert list(states) == ["approved"], states
            events = session.execute(
                sa.select(sa.func.count()).select_from(EVT).where(EVT.c.instance_id.in_(ids))
            ).scalar_one()  # fmt: skip
            assert events == 3 * len(ids), (events, len(ids))
            untold = session.execute(
                sa.select(sa.func.count()).select_from(TASK).where(TASK.c.announced == sa.false())
            ).scalar_one()  # fmt: skip
            assert untold == 0, f"{untold} task rows never told"

    def notes(self) -> int:
        """Return how many notifications the run wrote."""
        from wflow.notifications.models import Notification

        with Session(self.bind) as session:
            return int(
                session.execute(sa.select(sa.func.count()).select_from(Notification)).scalar_one()
            )

    def close(self) -> None:
        """Release the database."""
        self.bind.dispose()


def run(n: int, how: str) -> float:
    """Return transitions/s of n workflows fired `how`: app (notifications told by the
    courier's thread), app-inline (told before `fire` returns), engine-conn or
    engine-session."""
    bench = AppDb(f"{how}-{n}", n, background=how != "app-inline")
    ids = list(range(1, n + 1))
    if how.startswith("app"):
        seconds = bench.fire_app(ids)
        # the leader is told of every review but those of its own unit, the secretariat of
        # every approval
        expected = 2 * n - sum(1 for i in ids if bench.unit_of(i) == 0)
        told = bench.notes()
        assert told == expected, f"{told} notifications, {expected} expected"
    else:
        seconds = bench.fire_engine(ids, orm=how == "engine-session")
    bench.check(ids)
    bench.close()
    return 3 * n / seconds


def scaling(rounds: int = ROUNDS) -> tuple[float, float, float, int]:
    """Return (µs per transition among SMALL, among BIG, tracemalloc peak KiB, peak RSS KiB).

    The same work at both sizes on the application path and settings: instances picked at
    random among each database's (after WARM others), three transitions each, fired in
    batches that alternate between the two databases, so that a change in the machine's
    load falls on both alike; each size's figure is the median of its batches.
    """
    small, big = AppDb(f"scale-{SMALL}", SMALL), AppDb(f"scale-{BIG}", BIG)
    need = WARM + rounds * BATCH
    picks = {db: random.Random(7).sample(range(1, n + 1), need)
             for db, n in ((small, SMALL), (big, BIG))}  # fmt: skip
    for db in (small, big):
        db.fire_app(picks[db][:WARM])
    times: dict[AppDb, list[float]] = {small: [], big: []}
    for r in range(rounds):
        order = (small, big) if r % 2 == 0 else (big, small)
        for db in order:
            batch = picks[db][WARM + r * BATCH : WARM + (r + 1) * BATCH]
            times[db].append(db.fire_app(batch) / (3 * len(batch)) * 1e6)
    extra = random.Random(8).sample(sorted(set(range(1, BIG + 1)) - set(picks[big])), WARM)
    tracemalloc.start()
    big.fire_app(extra)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    for db, ids in ((small, picks[small]), (big, picks[big] + extra)):
        db.check(ids)
        db.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return statistics.median(times[small]), statistics.median(times[big]), peak / 1024, rss


def run_peers(peers: ModuleType, n: int) -> dict[str, float]:
    """Run every installed peer at n workflows, each in a fresh interpreter; transitions/s.

    A process per peer: the SQLModel peers declare their tables once per process (a second
    size in the same process would collide), and no peer inherits another's warm caches.
    """
    rates: dict[str, float] = {}
    for name, (_fn, needs) in peers.VARIANTS.items():
        if not all(importlib.util.find_spec(m) for m in needs):
            print(f"  {name}: skipped (not installed)", flush=True)
            continue
        done = subprocess.run([sys.executable, str(PEERS), str(n), name], capture_output=True,
                              text=True, check=False)  # fmt: skip
        found = re.search(rf"^{name}: ([\d,.]+) transitions/s", done.stdout, re.M)
        if done.returncode != 0 or found is None:
            sys.exit(f"bench: peer {name} failed:\n{done.stdout}{done.stderr}")
        rates[name] = float(found.group(1).replace(",", ""))
        print(f"  {name}: {rates[name]:,.0f} transitions/s", flush=True)
    return rates


def _best_peer(rates: dict[str, float]) -> tuple[str, float]:
    found = [(rate, name) for name, rate in rates.items() if name != "raw"]
    rate, name = max(found) if found else (0.0, "")
    return name, rate


def profile(n: int = 1_000, top: int = 25) -> None:
    """Print the cProfile (top `top` by cumulative time) of n workflows on the application path."""
    import cProfile
    import pstats

    bench = AppDb("profile", n + WARM)
    bench.fire_app(list(range(1, WARM + 1)))
    profiler = cProfile.Profile()
    profiler.enable()
    bench.fire_app(list(range(WARM + 1, WARM + n + 1)))
    profiler.disable()
    print(f"application path, {3 * n:,} transitions (divide by {3 * n:,} for one fire):")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)
    bench.close()


def main() -> None:
    """Run the peers and wflow at each N, then the scaling and memory runs; save the rows."""
    from bench.table import row, write_results

    if "--profile" in sys.argv:
        profile()
        return
    sizes = [int(a) for a in sys.argv[1:]] or [1_000, 10_000]
    peers = load_peers()
    tps = "transitions/s"
    rows: list[dict[str, Any]] = []
    ran: set[str] = set()
    for n in sizes:
        print(f"N={n:,}: peers", flush=True)
        rates = run_peers(peers, n)
        ran |= set(rates)
        app = run(n, "app")
        print(f"  wflow, application path: {app:,.0f} {tps}", flush=True)
        name, best = _best_peer(rates)
        if best:
            rows.append(row(f"wflow application path (N={n:,}) vs best peer ({name})", app, tps,
                            baseline=best, target=">= 5x", passed=app / best >= 5))  # fmt: skip
        if "raw" in rates:
            rows.append(row(f"wflow application path (N={n:,}) vs raw SQL (info)", app, tps,
                            baseline=rates["raw"]))  # fmt: skip
        if n == sizes[0]:  # the bare engine, for information, at the first size only
            extra = {"application path, notifications told before fire returns":
                     "app-inline",
                     "Engine.fire, one connection": "engine-conn",
                     "Engine.fire, a Session per transition": "engine-session"}  # fmt: skip
            for label, how in extra.items():
                rate = run(n, how)
                print(f"  wflow, {label}: {rate:,.0f} {tps}", flush=True)
                rows.append(row(f"{label} (N={n:,}) vs best peer ({name})", rate, tps,
                                baseline=best or None))  # fmt: skip
    print(f"scaling: {ROUNDS} batches of {BATCH} instances (3 transitions each) picked at "
          f"random among {SMALL:,} and among {BIG:,}, alternating, application path and "
          f"settings, medians", flush=True)  # fmt: skip
    us_small, us_big, peak_kib, rss_kib = scaling()
    drift = us_big / us_small - 1
    print(f"  {us_small:,.0f} µs per transition among {SMALL:,}, {us_big:,.0f} among {BIG:,} "
          f"({drift:+.1%})", flush=True)  # fmt: skip
    rows.append(row(f"µs/transition among {BIG:,} vs {SMALL:,} instances (app settings)",
                    us_big, "µs", baseline=us_small, target="within 20 %",
                    passed=abs(drift) <= 0.20))  # fmt: skip
    rows.append(row(f"tracemalloc peak while firing ({BIG:,} loaded)", peak_kib, "KiB"))
    rows.append(row(f"process peak RSS ({BIG:,} loaded)", rss_kib / 1024, "MiB"))
    versions = peer_versions(sorted(ran))
    print(f"peers ran: {versions}", flush=True)
    write_results("engine", rows, notes=[f"peers ran: {versions}"])


if __name__ == "__main__":
    main()

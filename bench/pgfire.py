"""Benchmark wflow's application path against a bare psycopg loop on PostgreSQL (issue 19).

Usage: python bench/pgfire.py [N] [--quick]   (N instances per run: 2,000; 400 with --quick)
       python bench/pgfire.py --profile [N]   (cProfile of one worker's fires, top 15 cumulative)

Needs PostgreSQL: WFLOW_BENCH_DATABASE_URL (else WFLOW_TEST_DATABASE_URL) names a server and a
database; `<that database>_fire` is built once (migrations, bench/engine.py's `AppDb`: one block
of 50 units, their heads, the secretariat, N approval instances in `draft` plus a few to warm
up), and every run gets its own copy of it (`CREATE DATABASE ... TEMPLATE`), dropped after.

Runs, in transitions/s (submit, review, approve: 3 per instance), each worker a process started
with `spawn` that opens its own connections, warms up on instances of its own, then waits on a
barrier; the rate is every transition over the time from the barrier to the last worker's end:

1. the bare psycopg loop: per transition one transaction of three statements on wflow's tables
   (the version-checked UPDATE of wf_instance ... RETURNING, the INSERT of the wf_event audit
   row, the wf_task row rewritten in place for the next step, deleted at the last), one
   connection per worker, psycopg's default prepared statements;
2. wflow's application path, as bench/engine.py's `fire_app`: a Session per transition, the
   user loaded, `wflow.core.workflow.fire`, on the app's own engine (`create_app`);
3. for information, `Engine.fire` alone over one long-lived connection (1 worker): the
   engine's own statements and bookkeeping, without the request's session, user and notices;
4. for information, the bare loop that also reads the signed-in user's row first in each
   transaction, with the statement the application's user loader sends (`select(User)`): the
   work a view cannot skip, one round trip more, so the gap left is the client's own;
5. each with 1 worker and with 4 workers on distinct instances; then 4 workers on the same
   instances (contention): refusals are expected, and afterwards every instance must be
   approved with exactly its three chained events, no task left and no notice doubled (nor
   more than one worker leaves: a task done before a delivery claims it is never told).

Every run also reports the client's CPU per transition (every thread of the worker
processes over the timed window, the courier's included): with as many round trips per
transition, the gap between the rows is the client's own work. Also counts the statements
per transition each sends the server (libpq's trace, which sees BEGIN and COMMIT too;
SQLAlchemy's cursor events see the rest, the engine's own statements on the DBAPI cursor
included). Writes
bench/results/pgfire.json; exits 0 whether the targets are met or not.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import re
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import psycopg
import sqlalchemy as sa
from psycopg.types.json import Json
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.engine import STEPS, UNITS, AppDb  # noqa: E402
from bench.table import row, write_results  # noqa: E402
from tests.load.cluster import fresh_database  # noqa: E402

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
QUICK = "--quick" in sys.argv[1:]
PROFILE = "--profile" in sys.argv[1:]
N = int(ARGS[0]) if ARGS else 400 if QUICK else 2_000
WORKERS = 4
WARM = 10  # instances each worker fires before the barrier (not timed)
SAMPLE = 50  # instances fired with the statements counted
TIMEOUT = 900.0  # seconds a worker may take before the run is called failed
TARGET = 0.7
MOVES = {"submit": ("draft", "submitted"), "review": ("submitted", "reviewed"),
         "approve": ("reviewed", "approved")}  # fmt: skip
BARE_STATEMENTS = 3 + 2  # the three statements, BEGIN and COMMIT
UPDATE_INSTANCE = (
    "UPDATE wf_instance SET state = %s, lock_version = lock_version + 1, entry = entry + 1, "
    "last_seq = last_seq + 1, last_hash = %s, updated_at = %s "
    "WHERE id = %s AND lock_version = %s RETURNING lock_version, last_seq"
)
INSERT_EVENT = (
    "INSERT INTO wf_event (instance_id, seq, version, at, actor_user_id, actor_unit_id, "
    "actor_name, trigger, source, dest, data, prev_hash, hash, hash_v, data_after) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 2, NULL)"
)
MOVE_TASK = (
    "UPDATE wf_task SET trigger = %s, principal = %s "
    "WHERE instance_id = %s AND trigger = %s AND principal = %s"
)
LABELS = {"app": "wflow application path",
          "engine": "Engine.fire on one connection (for information)"}  # fmt: skip
DROP_TASK = "DELETE FROM wf_task WHERE instance_id = %s AND trigger = %s AND principal = %s"
BARE = {"bare": "bare psycopg loop",
        "bare-user": "bare psycopg loop reading the user (for information)"}  # fmt: skip


UserRead = tuple[str, dict[str, Any]]  # a statement and its fixed parameters


def user_sql() -> UserRead:
    """Return the statement the application's user loader sends, compiled for psycopg, with
    the parameters it fixes (the access epoch's row); the user's id is `id`."""
    from sqlalchemy.dialects import postgresql
    from sqlmodel import col, select

    from wflow.org.models import User

    query = select(User).where(col(User.id) == sa.bindparam("id"))
    compiled = query.compile(dialect=postgresql.psycopg.dialect())
    return str(compiled), dict(compiled.params)


@dataclass(frozen=True)
class World:
    """What the built database holds that the workers need: who fires what, and where."""

    who: dict[str, list[int]]  # trigger -> user id per unit position
    names: dict[int, str]  # user id -> display name
    user_units: dict[int, int | None]  # user id -> unit id
    unit_ids: list[int]
    block_id: int
    council_id: int
    year: int

    def principal(self, trigger: str, i: int) -> str:
        """Return the principal of instance i's task for `trigger` (as the app writes it)."""
        if trigger == "submit":
            return f"unit:{self.unit_ids[i % UNITS]}:head"
        if trigger == "review":
            return f"block:{self.block_id}:{self.year}:leader"
        return f"secretariat:{self.council_id}"


@dataclass
class Outcome:
    """What one worker did: its timed window, transitions applied, refusals and errors."""

    start: float = 0.0
    end: float = 0.0
    cpu: float = 0.0  # seconds of the process's CPU (every thread) in the timed window
    applied: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


def unreachable(reason: str) -> NoReturn:
    """Stop the bench with one line when its PostgreSQL server cannot be used."""
    raise SystemExit(f"pgfire: {reason.splitlines()[0]}")


def libpq_url(url: str) -> str:
    """Return the SQLAlchemy URL `url` as a libpq connection string for psycopg."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# ------------------------------------------------------------------ the bare psycopg loop


def bare_fire(
    conn: psycopg.Connection[Any], world: World, i: int, step: int, prev: str,
    read_user: UserRead | None = None,
) -> str:  # fmt: skip
    """Fire step `step` of instance i in one transaction of three statements (after reading
    the user's row with `read_user`, when given); its hash."""
    trigger = STEPS[step]
    source, dest = MOVES[trigger]
    uid = world.who[trigger][i % UNITS]
    unit, name = world.user_units[uid], world.names[uid]
    seq, expected = step + 1, step + 1  # preloaded with lock_version 1, last_seq 0
    now = datetime.now(UTC).replace(tzinfo=None)
    text = "|".join(map(str, (prev, i, seq, expected + 1, now.isoformat(), uid, unit, name,
                              trigger, source, dest, "{}")))  # fmt: skip
    digest = hashlib.sha256(text.encode()).hexdigest()
    with conn.transaction(), conn.cursor() as cur:
        if read_user is not None:
            cur.execute(read_user[0], {**read_user[1], "id": uid})
            if cur.fetchone() is None:
                raise RuntimeError(f"user {uid} is missing")
        cur.execute(UPDATE_INSTANCE, (dest, digest, now, i, expected))
        if cur.fetchone() is None:
            raise RuntimeError(f"instance {i}: stale version at {trigger}")
        cur.execute(INSERT_EVENT, (i, seq, expected + 1, now, uid, unit, name, trigger, source,
                                   dest, Json({}), prev, digest))  # fmt: skip
        here = (i, trigger, world.principal(trigger, i))
        if step + 1 < len(STEPS):
            after = STEPS[step + 1]
            cur.execute(MOVE_TASK, (after, world.principal(after, i), *here))
        else:
            cur.execute(DROP_TASK, here)
    return digest


def bare_run(
    conn: psycopg.Connection[Any], world: World, ids: list[int], read_user: UserRead | None = None
) -> int:
    """Fire the three steps of every id on the bare loop; return the transitions applied."""
    for i in ids:
        prev = ""
        for step in range(len(STEPS)):
            prev = bare_fire(conn, world, i, step, prev, read_user)
    return len(STEPS) * len(ids)


# ------------------------------------------------------------------ the application path


def app_contended(bench: AppDb, ids: list[int], outcome: Outcome) -> None:
    """Fire every step of every id as `fire_app` does, counting refusals instead of failing."""
    from sqlmodel import Session

    from wflow.accounts.service import user_by_id
    from wflow.core import workflow as wf
    from wflow.engine import WorkflowError

    engine, bind, who, fire = bench.engine, bench.bind, bench.who, wf.fire
    with bench.app.app_context():
        for i in ids:
            for trigger in STEPS:
                with Session(bind, expire_on_commit=False) as session:
                    user = user_by_id(session, who[trigger][bench.unit_of(i)])
                    try:
                        fire(session, engine, user, i, trigger)
                        outcome.applied += 1
                    except WorkflowError as exc:
                        outcome.refused[type(exc).__name__] += 1
                    except sa.exc.DBAPIError as exc:  # a deadlock or the like: not expected
                        outcome.errors.append(f"{i} {trigger}: {str(exc).splitlines()[0]}")


def worker(
    kind: str, url: str, world: World, ids: list[int], warm: list[int], barrier: Any, out: Any
) -> None:
    """Run in a process: connect, warm up on `warm`, wait at the barrier, fire `ids`."""
    outcome = Outcome()
    try:
        if kind in BARE:
            conn = psycopg.connect(libpq_url(url))
            read_user = user_sql() if kind == "bare-user" else None
            bare_run(conn, world, warm, read_user)
            barrier.wait(TIMEOUT)
            outcome.start, cpu = time.monotonic(), time.process_time()
            outcome.applied = bare_run(conn, world, ids, read_user)
            outcome.end, outcome.cpu = time.monotonic(), time.process_time() - cpu
            conn.close()
        else:
            bench = AppDb.attach(url, world.who)
            if kind == "engine":
                bench.fire_engine(warm, orm=False)
            else:
                bench.fire_app(warm)
            barrier.wait(TIMEOUT)
            outcome.start, cpu = time.monotonic(), time.process_time()
            if kind == "app":
                bench.fire_app(ids)
                outcome.applied = len(STEPS) * len(ids)
            elif kind == "engine":
                bench.fire_engine(ids, orm=False)
                outcome.applied = len(STEPS) * len(ids)
            else:
                app_contended(bench, ids, outcome)
            outcome.end, outcome.cpu = time.monotonic(), time.process_time() - cpu
            bench.close()
    except BaseException as exc:
        barrier.abort()
        outcome.errors.append(f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}")
    out.put(outcome)


def fire_in_processes(
    kind: str, url: str, world: World, parts: list[list[int]], warm: list[list[int]]
) -> tuple[float, Outcome]:
    """Fire each part of ids in a process of its own; (barrier to last end in s, outcomes)."""
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(len(parts)), ctx.Queue()
    procs = [ctx.Process(target=worker, args=(kind, url, world, ids, w, barrier, out))
             for ids, w in zip(parts, warm, strict=True)]  # fmt: skip
    for p in procs:
        p.start()
    outcomes = [out.get(timeout=TIMEOUT + 120) for _ in procs]
    for p in procs:
        p.join()
    total = Outcome()
    for o in outcomes:
        total.applied += o.applied
        total.cpu += o.cpu
        total.refused.update(o.refused)
        total.errors += o.errors
    if total.errors:
        return 0.0, total
    return max(o.end for o in outcomes) - min(o.start for o in outcomes), total


# ------------------------------------------------------------------ databases


class Server:
    """The PostgreSQL server: the built database and the copies each run gets of it."""

    def __init__(self, server_url: str, template_url: str) -> None:
        self.template_url = template_url
        self.template = make_url(template_url).database or ""
        # beside the built database, as tests.load.cluster.fresh_database does it
        self.admin = sa.create_engine(make_url(server_url), isolation_level="AUTOCOMMIT")

    @contextmanager
    def copy(self, label: str) -> Iterator[str]:
        """Create `<template>_<label>` from the built database; yield its URL; drop it after."""
        name = f"{self.template}_{label}"
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for attempt in range(10):  # autovacuum may be visiting the template
                try:
                    conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
                    break
                except sa.exc.OperationalError:
                    if attempt == 9:
                        raise
                    time.sleep(1)
        try:
            yield make_url(self.template_url).set(database=name).render_as_string(False)
        finally:
            with self.admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def version(self) -> str:
        """Return the server's version."""
        with self.admin.connect() as conn:
            return str(conn.exec_driver_sql("SHOW server_version").scalar())

    def close(self) -> None:
        """Release the admin connections."""
        self.admin.dispose()


def build(url: str, total: int) -> World:
    """Build the application database at `url` with `total` instances; what workers need."""
    from sqlmodel import Session, select

    from wflow.org.models import User

    bench = AppDb("pgfire", total, url=url)
    with Session(bench.bind) as s:
        users = {u.id or 0: u for u in s.exec(select(User)).all()}
    world = World(who=bench.who, names={i: u.display_name for i, u in users.items()},
                  user_units={i: u.unit_id for i, u in users.items()}, unit_ids=bench.unit_ids,
                  block_id=bench.block_id, council_id=bench.council_id or 0,
                  year=bench.year)  # fmt: skip
    with bench.bind.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    bench.close()
    return world


# ------------------------------------------------------------------ checks and counts


def check_fired(url: str, ids: list[int]) -> list[str]:
    """Return what is wrong after `ids` were fired: states, events, chains, tasks (none: [])."""
    eng = sa.create_engine(url)
    problems: list[str] = []
    with eng.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT id, state, lock_version, last_seq, last_hash FROM wf_instance "
                    "WHERE id = ANY(:ids)"), {"ids": ids}
        ).all()  # fmt: skip
        events: dict[int, list[Any]] = {}
        for ev in conn.execute(
            sa.text("SELECT instance_id, seq, trigger, prev_hash, hash FROM wf_event "
                    "WHERE instance_id = ANY(:ids) ORDER BY instance_id, seq"), {"ids": ids}
        ):  # fmt: skip
            events.setdefault(ev.instance_id, []).append(ev)
        tasks = conn.execute(
            sa.text("SELECT count(*) FROM wf_task WHERE instance_id = ANY(:ids)"), {"ids": ids}
        ).scalar_one()
    eng.dispose()
    if len(rows) != len(ids):
        problems.append(f"{len(ids) - len(rows)} instances missing")
    for r in rows:
        evs = events.get(r.id, [])
        hashes = [""] + [e.hash for e in evs]
        if r.state != "approved" or (r.lock_version, r.last_seq) != (4, 3):
            problems.append(f"instance {r.id}: {r.state}, version {r.lock_version}")
        elif [e.seq for e in evs] != [1, 2, 3] or [e.trigger for e in evs] != list(STEPS):
            problems.append(f"instance {r.id}: events {[(e.seq, e.trigger) for e in evs]}")
        elif [e.prev_hash for e in evs] != hashes[:-1] or r.last_hash != hashes[-1]:
            problems.append(f"instance {r.id}: its events are not one chain")
    if tasks:
        problems.append(f"{tasks} task rows left on approved instances")
    return problems


def notices(url: str, ids: list[int]) -> tuple[int, int]:
    """Return how many notifications name one of `ids`, and how many of them repeat another
    (the same person, subject and title)."""
    eng = sa.create_engine(url)
    with eng.connect() as conn:
        found = conn.execute(
            sa.text("SELECT count(*), count(DISTINCT (user_id, instance_id, title)) "
                    "FROM notification WHERE instance_id = ANY(:ids)"),
            {"ids": ids},
        ).one()  # fmt: skip
    eng.dispose()
    return int(found[0]), int(found[0]) - int(found[1])


MARK = b"SELECT 'pgfire: the sample starts'"


class Trace:
    """libpq's trace of connections (every message they send), a file each, read from a mark."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.pgconns: list[Any] = []
        self.whole: list[bool] = []  # opened after the mark: counted from its start
        self.marked = False

    def attach(self, conn: Any) -> None:
        """Trace a psycopg connection into a file of its own."""
        fd = os.open(self.folder / f"{len(self.pgconns)}.trace", os.O_WRONLY | os.O_CREAT, 0o600)
        conn.pgconn.trace(fd)
        conn.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
        self.pgconns.append(conn.pgconn)
        self.whole.append(self.marked)

    def mark(self) -> None:
        """Send the mark on every connection traced (straight through libpq: no transaction
        starts); each must be idle, e.g. back in its pool."""
        for pgconn in self.pgconns:
            pgconn.exec_(MARK)
        self.marked = True

    def statements(self) -> Counter[str]:
        """Stop tracing; return the statements sent after the mark, by shape."""
        for pgconn in self.pgconns:
            pgconn.untrace()
        seen: Counter[str] = Counter()
        for k, whole in enumerate(self.whole):
            text = (self.folder / f"{k}.trace").read_text(encoding="utf-8", errors="replace")
            seen.update(sent(text, whole))
        return seen


def shape(sql: str) -> str:
    """Return a statement's verb and table ("SELECT wf_task"), or the command itself."""
    words = sql.split()
    verb = words[0].upper() if words else "(empty: the pool's pre-ping)"
    outer = sql
    while (inner := re.sub(r"\([^()]*\)", "", outer)) != outer:  # subqueries name no table
        outer = inner
    table = re.search(r'\b(?:FROM|INTO|UPDATE)\s+"?(\w+)', outer)
    if verb == "WITH":  # a statement with data-modifying CTEs: each of them, then itself
        parts = re.findall(r'\bAS\s*\(\s*(UPDATE|INSERT INTO|DELETE FROM)\s+"?(\w+)', sql)
        main = re.search(r'\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)', outer)
        steps = [*parts, *([main.groups()] if main else [])]
        return "WITH " + ", ".join(f"{v.split()[0]} {t}" for v, t in steps)
    if verb in {"SELECT", "INSERT", "UPDATE", "DELETE"} and table:
        verb += f" {table.group(1)}" + (" FOR UPDATE" if "FOR UPDATE" in sql else "")
    return verb if verb != ";" else "; (the pool's pre-ping)"


def sent(trace: str, whole: bool) -> Counter[str]:
    """Return the statements a libpq trace shows sent (Query, or Execute of what was bound)."""
    records: list[str] = []
    for line in trace.splitlines():  # a statement's own line breaks continue its record
        if line.startswith(("F\t", "B\t")):
            records.append(line)
        elif records:
            records[-1] += "\n" + line
    seen: Counter[str] = Counter()
    parsed: dict[str, str] = {}
    bound, counting = "", whole
    for record in records:
        direction, _size, kind, rest = [*record.split("\t", 3), "", "", ""][:4]
        if direction != "F":
            continue
        if kind == "Query":
            sql = rest.strip()[1:-1]
            if sql == MARK.decode():
                counting = True
            elif counting:
                seen[shape(sql)] += 1
        elif kind == "Parse":
            found = re.match(r' "([^"]*)" "(.*)"(?: \d+)*$', rest, re.S)
            if found:
                parsed[found.group(1)] = found.group(2)
        elif kind == "Bind":
            named = re.match(r' "[^"]*" "([^"]*)"', rest)
            bound = named.group(1) if named else ""
        elif kind == "Execute" and counting:
            seen[shape(parsed.get(bound, "?"))] += 1
    return seen


@dataclass(frozen=True)
class Counts:
    """Statements counted over a number of transitions, by shape."""

    transitions: int
    seen: Counter[str]

    def per(self) -> float:
        """Return the statements per transition."""
        return sum(self.seen.values()) / self.transitions

    def line(self) -> str:
        """Return the count per transition of each shape, most frequent first."""
        return ", ".join(f"{k} {v / self.transitions:.2f}" for k, v in self.seen.most_common())


def count_statements(url: str, world: World, ids: list[int]) -> dict[str, Counts]:
    """Fire `ids` on the bare loop and on the application path here; statements by shape.

    Each half starts with one instance of every unit, not counted: every person has fired
    once, as on a server that has run a while (a person's principals are then kept by the
    process, see `wflow.core.access.principals`), so the count is the steady state's.
    """
    half = len(ids) // 2
    bare_ids, app_ids = ids[UNITS:half], ids[half + UNITS :]
    found: dict[str, Counter[str]] = {}
    with tempfile.TemporaryDirectory(prefix="pgbench-trace-") as folder:
        trace = Trace(Path(folder) / "bare")
        trace.folder.mkdir()
        conn = psycopg.connect(libpq_url(url))
        trace.attach(conn)
        bare_run(conn, world, ids[:UNITS])
        trace.mark()
        bare_run(conn, world, bare_ids)
        found["bare"] = trace.statements()
        conn.close()

        bench = AppDb.attach(url, world.who)
        trace = Trace(Path(folder) / "app")
        trace.folder.mkdir()
        sa.event.listen(bench.bind, "connect", lambda dbapi, _rec: trace.attach(dbapi))
        bench.fire_app(ids[half : half + UNITS])
        # every pooled connection, the courier's too (the pool hands them out in turn)
        trace.mark()
        cursor: Counter[str] = Counter()  # what SQLAlchemy's cursor events see, for comparison

        def executed(*args: Any) -> None:
            cursor[shape(str(args[2]))] += 1

        sa.event.listen(bench.bind, "before_cursor_execute", executed)
        bench.fire_app(app_ids)
        sa.event.remove(bench.bind, "before_cursor_execute", executed)
        found["app"] = trace.statements()
        found["app, cursor events"] = cursor
        bench.close()
    return {name: Counts(len(STEPS) * len(bare_ids if name == "bare" else app_ids), seen)
            for name, seen in found.items()}  # fmt: skip


def profile(url: str, world: World, ids: list[int], top: int = 15) -> None:
    """Print the cProfile (top `top`, cumulative) of one worker's fires of `ids`."""
    import cProfile
    import pstats

    bench = AppDb.attach(url, world.who)
    bench.fire_app(ids[:WARM])
    profiler = cProfile.Profile()
    profiler.enable()
    bench.fire_app(ids[WARM:])
    profiler.disable()
    bench.close()
    print(f"application path on PostgreSQL, {len(STEPS) * len(ids[WARM:]):,} transitions:")
    pstats.Stats(profiler).sort_stats(os.environ.get("PGFIRE_SORT", "cumulative")).print_stats(top)


# ------------------------------------------------------------------ the runs


def split(ids: list[int], parts: int) -> list[list[int]]:
    """Return `ids` cut into `parts` contiguous runs of (nearly) equal length."""
    n = len(ids)
    return [ids[k * n // parts : (k + 1) * n // parts] for k in range(parts)]


@dataclass(frozen=True)
class Rate:
    """A run's transitions/s, and the client's CPU per transition (every worker's threads)."""

    per_second: float
    cpu_us: float


def measure(server: Server, world: World, kind: str, workers: int) -> Rate:
    """Fire N instances with `workers` processes on a fresh copy; its rate (checked)."""
    ids = list(range(1, N + 1))
    warm = split(list(range(N + 1, N + 1 + WORKERS * WARM)), WORKERS)[:workers]
    with server.copy(f"{kind}{workers}") as url:
        seconds, outcome = fire_in_processes(kind, url, world, split(ids, workers), warm)
        if outcome.errors:
            raise SystemExit(f"pgfire: {kind} x{workers} failed: {outcome.errors[0]}")
        problems = check_fired(url, ids)
        if problems:
            raise SystemExit(f"pgfire: {kind} x{workers} left {problems[0]}")
    return Rate(outcome.applied / seconds, outcome.cpu / outcome.applied * 1e6)


def contend(server: Server, world: World, count: int) -> tuple[bool, str, float, Outcome]:
    """Fire the same `count` instances from WORKERS processes; (passed, why, rate, outcome)."""
    # passed: nothing errs, exactly 3 transitions per instance applied, every instance approved
    # with its three chained events, no task left, no notice twice, and no more notices than
    # one worker leaves (fewer when a task is done before a delivery claims it: nobody is
    # told of work already done)
    ids = list(range(1, count + 1))
    warm = split(list(range(N + 1, N + 1 + WORKERS * WARM)), WORKERS)
    with server.copy("alone") as url:  # the notices one worker leaves for these instances
        fire_in_processes("app", url, world, [ids], warm[:1])
        alone, _ = notices(url, ids)
    with server.copy("contend") as url:
        seconds, outcome = fire_in_processes("contend", url, world, [ids] * WORKERS, warm)
        problems = [f"error: {e}" for e in outcome.errors[:3]]
        if outcome.applied != len(STEPS) * count:
            problems.append(f"{outcome.applied:,} transitions applied, not {3 * count:,}")
        problems += check_fired(url, ids)
        found, twice = notices(url, ids)
        if twice or found > alone:
            problems.append(f"{found} notices ({twice} twice), {alone} when fired alone")
    rate = outcome.applied / seconds if seconds else 0.0
    return not problems, "; ".join(problems[:3]), rate, outcome


def main() -> None:
    """Build the database, run every measurement on its own copy, save the rows."""
    server_url = os.environ.get("WFLOW_BENCH_DATABASE_URL") or os.environ.get(
        "WFLOW_TEST_DATABASE_URL", ""
    )
    print(f"wflow PostgreSQL fire bench{' (--quick)' if QUICK else ''}: N={N:,} instances per "
          f"run, {datetime.now():%Y-%m-%d %H:%M}", flush=True)  # fmt: skip
    if not server_url.startswith("postgresql"):
        print("pgfire: skipped: set WFLOW_BENCH_DATABASE_URL to a PostgreSQL database")
        write_results("pgfire", [], ["skipped: WFLOW_BENCH_DATABASE_URL (PostgreSQL) is not set"])
        return
    tps = "transitions/s"
    with fresh_database("fire", server_url, on_missing=unreachable) as template_url:
        server = Server(server_url, template_url)
        try:
            started, total = time.perf_counter(), N + WORKERS * WARM + 2 * (SAMPLE + UNITS)
            world = build(template_url, total)
            print(
                f"built {server.template}: {total:,} instances in "
                f"{time.perf_counter() - started:.1f} s; a copy for each run",
                flush=True,
            )
            if PROFILE:
                with server.copy("profile") as url:
                    profile(url, world, list(range(1, N + WARM + 1)))
                return
            rows: list[dict[str, Any]] = []
            cpu: dict[str, float] = {}  # client CPU per transition, 1 worker
            for workers in (1, WORKERS):
                plural = "worker" if workers == 1 else "workers"
                bare, user = (measure(server, world, k, workers) for k in BARE)
                for name, got in zip(BARE, (bare, user), strict=True):
                    print(f"  {workers} {plural}, {BARE[name]}: {got.per_second:,.0f} {tps}, "
                          f"client CPU {got.cpu_us:,.0f} µs per transition",
                          flush=True)  # fmt: skip
                kinds = ("engine", "app") if workers == 1 else ("app",)
                for kind in kinds:
                    got = measure(server, world, kind, workers)
                    ratio = got.per_second / bare.per_second
                    print(f"  {workers} {plural}, {LABELS[kind]}: {got.per_second:,.0f} {tps} "
                          f"({ratio:.2f}x), client CPU {got.cpu_us:,.0f} µs per transition",
                          flush=True)  # fmt: skip
                    if workers == 1:
                        cpu |= {"bare": bare.cpu_us, "bare reading the user": user.cpu_us,
                                kind: got.cpu_us}  # fmt: skip
                    target = (f">= {TARGET}x", ratio >= TARGET) if kind == "app" else ("", None)
                    rows.append(row(f"{LABELS[kind]}, PostgreSQL, {workers} {plural} vs bare "
                                    f"psycopg loop", got.per_second, tps,
                                    baseline=bare.per_second, target=target[0] or None,
                                    passed=target[1]))  # fmt: skip
                    if kind == "app":
                        print(f"  {workers} {plural}, {LABELS[kind]} vs the bare loop reading "
                              f"the user: {got.per_second / user.per_second:.2f}x",
                              flush=True)  # fmt: skip
                        rows.append(row(f"{LABELS[kind]}, PostgreSQL, {workers} {plural} vs "
                                        f"{BARE['bare-user']}", got.per_second, tps,
                                        baseline=user.per_second))  # fmt: skip
            count = N // 4
            passed, why, rate, outcome = contend(server, world, count)
            refused = ", ".join(f"{k} {v:,}" for k, v in sorted(outcome.refused.items()))
            print(f"  contention: {WORKERS} workers on the same {count:,} instances: "
                  f"{outcome.applied:,} applied ({rate:,.0f} {tps}), refused: {refused or 'none'}; "
                  f"{'nothing lost or doubled' if passed else why}", flush=True)  # fmt: skip
            rows.append(row(f"contention: {WORKERS} workers on the same {count:,} instances, "
                            f"transitions applied vs 3 per instance", outcome.applied,
                            "transitions", baseline=3 * count,
                            target="loses and doubles nothing", passed=passed))  # fmt: skip
            with server.copy("count") as url:
                counts = count_statements(url, world, list(range(1, 2 * (SAMPLE + UNITS) + 1)))
            app_n, bare_n, seen_sa = counts["app"], counts["bare"], counts["app, cursor events"]
            print(f"  statements per transition (libpq trace): application path {app_n.per():.2f}"
                  f", bare loop {bare_n.per():.2f}; SQLAlchemy's cursor events see "
                  f"{seen_sa.per():.2f} on the application path", flush=True)  # fmt: skip
            for name, c in counts.items():
                print(f"    {name}: {c.line()}", flush=True)
            rows.append(row("statements per transition sent to the server, application path vs "
                            "bare loop", app_n.per(), "statements",
                            baseline=bare_n.per()))  # fmt: skip
            lib = psycopg.pq.version()
            libpq = f"libpq {lib // 10000}.{lib % 10000}"
            versions = (f"PostgreSQL {server.version()}, psycopg {psycopg.__version__} ({libpq}), "
                        f"SQLAlchemy {sa.__version__}")  # fmt: skip
        finally:
            server.close()
    print(f"peers: {versions}", flush=True)
    notes = [f"peers: {versions}",
             f"N={N:,} instances per run (3 transitions each); statements per transition on the "
             f"application path: {app_n.line()}; the bare loop: {bare_n.line()}; SQLAlchemy's "
             f"cursor events see {seen_sa.per():.2f} (all but BEGIN and COMMIT)",
             "client CPU per transition, 1 worker (the process's every thread, the courier's "
             "too): " + ", ".join(f"{k} {v:,.0f} µs" for k, v in cpu.items()),
             f"contention: {outcome.applied:,} applied, refused: {refused or 'none'}"
             + ("" if passed else f"; {why}")]  # fmt: skip
    write_results("pgfire", rows, notes)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # drop the databases on a kill
    main()
    sys.exit(0)

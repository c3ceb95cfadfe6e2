"""Benchmark wflow's engine against the peers of ../shared/bench/peers.py.

Usage: python bench/engine.py [N]   (default 1000)

Every row does the same work: N approval workflows (draft -> submitted -> reviewed ->
approved), each transition in its own transaction with an audit row, on a fresh SQLite file
in WAL mode with synchronous=NORMAL. The wflow row fires through `Engine.fire` with a real
role check, the optimistic lock, the chained audit event and the task index.
Prints transitions/s, the ratios with their targets, the per-transition cost at 1,000 and
at 100,000 instances, and memory. Exits 0 whether targets are met or not.
"""

from __future__ import annotations

import importlib.util
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wflow.engine import Actor, Engine, Registry, Scope  # noqa: E402
from wflow.engine.definition import Definition, Label, State, Transition  # noqa: E402
from wflow.engine.statements import INST, TASK  # noqa: E402
from wflow.engine.tables import TABLES  # noqa: E402

PEERS = Path(__file__).resolve().parents[2] / "shared" / "bench" / "peers.py"
STEPS = ("submit", "review", "approve")
UNITS = 50  # instances spread over 50 units of one block
SMALL, BIG = 1_000, 100_000  # instances loaded when comparing the cost per transition
SAMPLE = 800  # instances timed (3 transitions each) at each size
CACHE_MIB = 64  # SQLite page cache of the size comparison (the 100k database is ~40 MiB)
WARM = 100  # instances fired before timing, and others under tracemalloc


_SCRATCH = tempfile.TemporaryDirectory(prefix="wflow-bench-")


def _scratch(name: str) -> str:
    """Return a fresh path in the bench's scratch directory (removed at exit)."""
    path = Path(_SCRATCH.name) / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return str(path)


def load_peers() -> ModuleType | None:
    """Import peers.py by path; None (with a message) when it is absent."""
    if not PEERS.exists():
        print(f"peers: {PEERS} not found; peer rows skipped", flush=True)
        return None
    spec = importlib.util.spec_from_file_location("peers", PEERS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _label(text: str) -> Label:
    return Label(vi=text, en=text, fr=text, hu=text)


def approval() -> tuple[Definition, Registry]:
    """Return the approval flow and a registry whose roles are scoped to the instance."""
    reg = Registry()

    @reg.role("unit_head")
    def unit_head(scope: Scope) -> Iterable[str]:
        return (f"unit:{scope.unit_id}:head",)

    @reg.role("block_leader")
    def block_leader(scope: Scope) -> Iterable[str]:
        return (f"block:{scope.block_id}:leader",)

    @reg.role("secretariat")
    def secretariat(scope: Scope) -> Iterable[str]:
        return ("secretariat",)

    states = {n: State(n, _label(n), final=n == "approved")
              for n in ("draft", "submitted", "reviewed", "approved")}  # fmt: skip
    moves = [("submit", "draft", "submitted", "unit_head"),
             ("review", "submitted", "reviewed", "block_leader"),
             ("approve", "reviewed", "approved", "secretariat")]  # fmt: skip
    transitions = tuple(Transition(t, (s,), d, _label(t), roles=(r,)) for t, s, d, r in moves)
    return Definition("approval", 1, "draft", _label("approval"), states, transitions), reg


def sqlite_engine(path: str, cache_mib: int = 0, checkpoint: bool = True) -> sa.Engine:
    """Return an engine on a SQLite file in WAL mode with synchronous=NORMAL, like the peers.

    For the runs that compare sizes: `cache_mib` sets SQLite's page cache (default 2 MiB);
    `checkpoint=False` defers WAL checkpoints past the run (they write scattered pages back to
    the database file and sync it, a cost of the disk that grows with the file, not the engine).
    """
    db = sa.create_engine(f"sqlite:///{path}")

    @sa.event.listens_for(db, "connect")
    def _pragmas(dbapi_conn: Any, _: Any) -> None:
        dbapi_conn.execute("pragma journal_mode=wal")
        dbapi_conn.execute("pragma synchronous=normal")
        if cache_mib:
            dbapi_conn.execute(f"pragma cache_size=-{cache_mib * 1024}")
        if not checkpoint:
            dbapi_conn.execute("pragma wal_autocheckpoint=1000000")

    from sqlmodel import SQLModel

    SQLModel.metadata.create_all(db, tables=list(TABLES))
    return db


def preload(db: sa.Engine, n: int) -> None:
    """Bulk-insert n instances in `draft` with their task rows (what `start` would leave)."""
    with db.begin() as conn:
        for lo in range(0, n, 10_000):
            ids = range(lo + 1, min(n, lo + 10_000) + 1)
            conn.execute(
                sa.insert(INST),
                [{"id": i, "workflow": "approval", "version": 1, "state": "draft",
                  "subject_type": "doc", "subject_id": i, "unit_id": i % UNITS, "block_id": 3,
                  "year": 2025, "data": {}, "lock_version": 1, "entry": 1, "last_seq": 0,
                  "last_hash": ""} for i in ids],
            )  # fmt: skip
            conn.execute(
                sa.insert(TASK),
                [{"instance_id": i, "trigger": "submit", "principal": f"unit:{i % UNITS}:head"}
                 for i in ids],
            )  # fmt: skip


def actors() -> dict[str, list[Actor]]:
    """Return, per trigger, the actor allowed to fire it for each unit."""
    heads = [Actor(u + 1000, u, frozenset({f"unit:{u}:head", f"unit:{u}:member"}), f"Head {u}")
             for u in range(UNITS)]  # fmt: skip
    leader = Actor(1, 0, frozenset({"block:3:leader", "unit:0:head"}), "Leader")
    sec = Actor(2, None, frozenset({"secretariat"}), "Secretariat")
    return {"submit": heads, "review": [leader] * UNITS, "approve": [sec] * UNITS}


def fire_all(engine: Engine, db: sa.Engine, ids: list[int], orm: bool = False) -> float:
    """Fire the three steps of every id, one transaction each; return seconds.

    Like the raw and SpiffWorkflow peers, one connection serves the run and every transition
    is its own BEGIN ... COMMIT. With `orm`, each transition gets its own ORM Session instead
    (what a Flask request does), as the hand-written peer does.
    """
    who = actors()
    fire = engine.fire
    t0 = time.perf_counter()
    if orm:
        for i in ids:
            for trigger in STEPS:
                with Session(db) as session:
                    fire(session, i, trigger, who[trigger][i % UNITS])
                    session.commit()
        return time.perf_counter() - t0
    with db.connect() as conn:
        for i in ids:
            for trigger in STEPS:
                with conn.begin():
                    fire(conn, i, trigger, who[trigger][i % UNITS])
    return time.perf_counter() - t0


def check(engine: Engine, db: sa.Engine, ids: list[int]) -> None:
    """Assert the run did the work: every fired instance approved, chains intact."""
    with Session(db) as session:
        conn = session.connection()
        states = (
            conn.execute(sa.select(INST.c.state).where(INST.c.id.in_(ids[:500])).distinct())
            .scalars()
            .all()
        )
        assert list(states) == ["approved"], states
        assert engine.verify_chains(session) == []


def wflow_run(n: int, orm: bool = False) -> tuple[float, float]:
    """Return (transitions/s, µs per transition) of wflow with n instances."""
    definition, registry = approval()
    engine = Engine({"approval": definition}, registry)
    db = sqlite_engine(_scratch("wflow.sqlite3"))
    preload(db, n)
    ids = list(range(1, n + 1))
    seconds = fire_all(engine, db, ids, orm)
    check(engine, db, ids)
    db.dispose()
    return 3 * n / seconds, seconds / (3 * n) * 1e6


def wflow_scale(total: int, checkpoint: bool = False) -> tuple[float, float, int]:
    """Return (µs per transition, tracemalloc peak KiB, peak RSS KiB) with `total` instances.

    The same work at every size: SAMPLE instances picked at random among `total` (after
    WARM others), three transitions each, so only the size of the tables differs.
    """
    definition, registry = approval()
    engine = Engine({"approval": definition}, registry)
    db = sqlite_engine(_scratch(f"wflow_{total}.sqlite3"), CACHE_MIB, checkpoint)
    preload(db, total)
    with db.connect() as conn:
        conn.exec_driver_sql("pragma wal_checkpoint(TRUNCATE)")  # start from an empty WAL
    ids = random.Random(7).sample(range(1, total + 1), min(total, SAMPLE + 2 * WARM))
    fire_all(engine, db, ids[:WARM])
    timed = ids[WARM : WARM + SAMPLE]
    seconds = fire_all(engine, db, timed)
    tracemalloc.start()
    fire_all(engine, db, ids[WARM + SAMPLE :])
    with Session(db) as session:
        engine.inbox(session, actors()["submit"][1])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    check(engine, db, ids)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    db.dispose()
    return seconds / (3 * len(timed)) * 1e6, peak / 1024, rss


def main() -> None:
    """Run the peers and wflow, print the table of targets."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    peers = load_peers()
    rates: dict[str, float] = {}
    if peers is not None:
        peers.N = n
        for name in ("raw", "handwritten", "spiff"):
            fn, needs = peers.VARIANTS[name]
            if not all(importlib.util.find_spec(m) for m in needs):
                print(f"{name}: skipped (not installed)", flush=True)
                continue
            rates[name] = fn()
            print(f"{name}: {rates[name]:,.0f} transitions/s (N={n})", flush=True)
    rate, _ = wflow_run(n)
    rates["wflow"] = rate
    print(f"wflow: {rate:,.0f} transitions/s (N={n})", flush=True)
    rates["wflow (Session per transition)"], _ = wflow_run(n, orm=True)
    print(
        f"wflow, an ORM Session per transition: "
        f"{rates['wflow (Session per transition)']:,.0f} transitions/s (N={n})",
        flush=True,
    )
    # the same work at both sizes, twice in turn; the best of each (other load only slows)
    small, big = [], []
    for _ in range(2):
        small.append(wflow_scale(SMALL))
        big.append(wflow_scale(BIG))
    us_small = min(r[0] for r in small)
    us_big, peak_kib, rss_kib = min(big)
    with_checkpoints = (wflow_scale(SMALL, True)[0], wflow_scale(BIG, True)[0])
    print(
        f"wflow, {3 * SAMPLE:,} transitions on random instances: {us_small:,.1f} µs each "
        f"among {SMALL:,}, {us_big:,.1f} µs among {BIG:,}; with WAL checkpoints "
        f"{with_checkpoints[0]:,.1f} and {with_checkpoints[1]:,.1f} µs",
        flush=True,
    )
    report(rates, us_small, us_big, with_checkpoints, peak_kib, rss_kib)


def report(
    rates: dict[str, float],
    us_small: float,
    us_big: float,
    with_checkpoints: tuple[float, float],
    peak_kib: float,
    rss_kib: int,
) -> None:
    """Print the results table with each target and PASS/MISS."""
    rows: list[tuple[str, str, str, str]] = []
    for name in ("raw", "handwritten", "spiff", "wflow", "wflow (Session per transition)"):
        if name in rates:
            rows.append((f"{name} transitions/s", f"{rates[name]:,.0f}", "", ""))
    peer = max((rates[k] for k in ("handwritten", "spiff") if k in rates), default=0.0)
    if peer:
        ratio = rates["wflow"] / peer
        rows.append(("wflow / max(handwritten, spiff)", f"{ratio:.2f}x", ">= 5x",
                     "PASS" if ratio >= 5 else "MISS"))  # fmt: skip
    if "raw" in rates:
        ratio = rates["wflow"] / rates["raw"]
        rows.append(("wflow / raw", f"{ratio:.2f}x", ">= 0.2x",
                     "PASS" if ratio >= 0.2 else "MISS"))  # fmt: skip
    if peer:
        ratio = rates["wflow (Session per transition)"] / peer
        rows.append(("wflow (Session per transition) / max(handwritten, spiff)",
                     f"{ratio:.2f}x", "(info)", ""))  # fmt: skip
    drift = us_big / us_small - 1
    rows.append((f"wflow µs/transition at {SMALL:,}", f"{us_small:.1f}", "", ""))
    rows.append((f"wflow µs/transition at {BIG:,}", f"{us_big:.1f}", "", ""))
    rows.append(("cost at 100k vs 1k (checkpoints deferred)", f"{drift:+.1%}", "within 20 %",
                 "PASS" if abs(drift) <= 0.20 else "MISS"))  # fmt: skip
    small_c, big_c = with_checkpoints
    rows.append(
        (
            "same with WAL checkpoints (µs at 1k / 100k)",
            f"{small_c:.0f} / {big_c:.0f} ({big_c / small_c - 1:+.0%})",
            "(info)",
            "",
        )
    )
    rows.append(("tracemalloc peak while firing (100k)", f"{peak_kib:,.0f} KiB", "", ""))
    rows.append(("process peak RSS (100k loaded)", f"{rss_kib / 1024:,.1f} MiB", "", ""))
    width = [max(len(r[i]) for r in rows) for i in range(4)]
    line = "+".join("-" * (w + 2) for w in width)
    print(line)
    print(" | ".join(h.ljust(w) for h, w in zip(("measure", "value", "target", "result"),
                                                width, strict=True)))  # fmt: skip
    print(line)
    for r in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(r, width, strict=True)))
    print(line)
    save(rates, us_small, us_big, with_checkpoints, peak_kib, rss_kib)


def save(
    rates: dict[str, float],
    us_small: float,
    us_big: float,
    with_checkpoints: tuple[float, float],
    peak_kib: float,
    rss_kib: int,
) -> None:
    """Write the same measurements to bench/results/engine.json for bench/table.py."""
    from bench.table import row, write_results

    tps = "transitions/s"
    rows = []
    peer = max((rates[k] for k in ("handwritten", "spiff") if k in rates), default=0.0)
    if peer:
        ratio = rates["wflow"] / peer
        rows.append(row("wflow vs max(handwritten, spiff)", rates["wflow"], tps, baseline=peer,
                        target=">= 5x", passed=ratio >= 5))  # fmt: skip
    if "raw" in rates:
        ratio = rates["wflow"] / rates["raw"]
        rows.append(row("wflow vs raw SQL", rates["wflow"], tps, baseline=rates["raw"],
                        target=">= 0.2x", passed=ratio >= 0.2))  # fmt: skip
    if peer:
        rows.append(row("wflow, Session per transition, vs max(handwritten, spiff)",
                        rates["wflow (Session per transition)"], tps, baseline=peer))  # fmt: skip
    drift = us_big / us_small - 1
    rows.append(row(f"µs/transition at {BIG:,} vs {SMALL:,} (checkpoints deferred)", us_big,
                    "µs", baseline=us_small, target="within 20 %",
                    passed=abs(drift) <= 0.20))  # fmt: skip
    small_c, big_c = with_checkpoints
    rows.append(row(f"same with WAL checkpoints, {BIG:,} vs {SMALL:,}", big_c, "µs",
                    baseline=small_c))  # fmt: skip
    rows.append(row(f"tracemalloc peak while firing ({BIG:,})", peak_kib, "KiB"))
    rows.append(row(f"process peak RSS ({BIG:,} loaded)", rss_kib / 1024, "MiB"))
    write_results("engine", rows)


if __name__ == "__main__":
    main()

"""Concurrency on PostgreSQL: racing fires, racing signatures, racing tick processes."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.engine.conftest import Clock
from tests.engine.flows import LEADER, head
from wflow.engine import Engine, Scope, StaleVersion, WorkflowError, WrongState
from wflow.engine.statements import EVT, TASK

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """Run this module on PostgreSQL only."""
    return str(request.param)


def _race(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` in n threads released together; return results or exceptions."""
    barrier = threading.Barrier(n)
    out: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            out[i] = work(i)
        except Exception as exc:  # collected and asserted by the caller
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def _count(db: sa.Engine, iid: int, trigger: str) -> int:
    with db.connect() as conn:
        return int(conn.execute(
            sa.select(sa.func.count()).select_from(EVT)
            .where((EVT.c.instance_id == iid) & (EVT.c.trigger == trigger))
        ).scalar_one())  # fmt: skip


def _pact(engine: Engine, db: sa.Engine, members: list[int], opened: bool = False) -> int:
    with Session(db) as s:
        scope = Scope("pact", 1, unit_id=1, block_id=3, data={"title": "P", "members": members})
        iid = engine.start(s, "pact", scope, head(1))
        if opened:
            engine.fire(s, iid, "submit", head(1))
            engine.fire(s, iid, "open_signing", LEADER)
        s.commit()
    return iid


def _fire(engine: Engine, db: sa.Engine, iid: int, trigger: str, actor: Any, **kw: Any) -> Any:
    with Session(db) as s:
        result = engine.fire(s, iid, trigger, actor, **kw)
        s.commit()
        return result


def test_eight_racing_fires__exactly_one_wins(engine: Engine, db: sa.Engine) -> None:
    iid = _pact(engine, db, [1, 2])
    results = _race(8, lambda i: _fire(engine, db, iid, "submit", head(1), expected_version=1))
    wins = [r for r in results if not isinstance(r, Exception)]
    losses = [r for r in results if isinstance(r, Exception)]
    assert len(wins) == 1 and wins[0].version == 2
    assert losses and all(isinstance(e, StaleVersion | WrongState) for e in losses), losses
    assert _count(db, iid, "submit") == 1


def test_last_two_signatures_at_once__completion_fires_once(engine: Engine, db: sa.Engine) -> None:
    iid = _pact(engine, db, [1, 2, 3], opened=True)
    _fire(engine, db, iid, "sign", head(1))
    results = _race(2, lambda i: _fire(engine, db, iid, "sign", head(2 + i)))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(len(r.completed) for r in results) == 1
    assert _count(db, iid, "all_signed") == 1
    assert _count(db, iid, "sign") == 3


def _due_instances(engine: Engine, db: sa.Engine, n: int) -> list[int]:
    return [_pact(engine, db, [1, 2], opened=True) for _ in range(n)]


def _each_expired_once(db: sa.Engine, ids: list[int]) -> None:
    assert [_count(db, iid, "expire") for iid in ids] == [1] * len(ids)
    assert [_count(db, iid, "remind") for iid in ids] == [2] * len(ids)


def test_two_tick_threads__each_timer_once(engine: Engine, db: sa.Engine, clock: Clock) -> None:
    ids = _due_instances(engine, db, 15)
    later = clock.now + timedelta(days=30)
    reports = _race(2, lambda i: engine.tick(lambda: Session(db), later))
    assert not [r for r in reports if isinstance(r, Exception)], reports
    assert sum(r.fired for r in reports) == 15 and sum(r.reminded for r in reports) == 30
    _each_expired_once(db, ids)


TICK_SCRIPT = """
import json, sys, time
from datetime import datetime
sys.path.insert(0, {root!r})
import sqlalchemy as sa
from sqlalchemy.orm import Session
from tests.engine.flows import Journal, approval, make_registry, pact
from wflow.engine import Engine
db = sa.create_engine({url!r})
engine = Engine({{"pact": pact(), "approval": approval()}}, make_registry(Journal()))
time.sleep(max(0.0, {start} - time.time()))
report = engine.tick(lambda: Session(db), datetime.fromisoformat({now!r}))
print(json.dumps([report.fired, report.reminded, report.failed]))
"""


def test_two_tick_processes__each_timer_once(
    engine: Engine, db: sa.Engine, db_url: str, clock: Clock, tmp_path: Path
) -> None:
    ids = _due_instances(engine, db, 30)
    later = (clock.now + timedelta(days=30)).isoformat()
    script = tmp_path / "tick.py"
    script.write_text(TICK_SCRIPT.format(root=str(ROOT), url=db_url, now=later,
                                         start=time.time() + 4))  # fmt: skip
    procs = [
        subprocess.Popen(
            [sys.executable, str(script)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    reports = [json.loads(out) for out, _ in outputs]
    assert sum(r[0] for r in reports) == 30 and sum(r[1] for r in reports) == 60
    assert all(r[2] == 0 for r in reports)
    _each_expired_once(db, ids)


def test_a_tick_after_a_tick_does_nothing(engine: Engine, db: sa.Engine, clock: Clock) -> None:
    _due_instances(engine, db, 3)
    later = clock.now + timedelta(days=30)
    first = engine.tick(lambda: Session(db), later)
    second = engine.tick(lambda: Session(db), later + timedelta(seconds=1))
    assert (first.fired, second.fired, second.reminded) == (3, 0, 0)
    with pytest.raises(WorkflowError):
        _fire(engine, db, 10**6, "sign", head(1))


def _tasks(db: sa.Engine, iid: int) -> set[tuple[str, str, bool]]:
    with db.connect() as conn:
        rows = conn.execute(
            sa.select(TASK.c.trigger, TASK.c.principal, TASK.c.work).where(
                TASK.c.instance_id == iid
            )
        ).all()
    return {(t, p, bool(w)) for t, p, w in rows}


def test_a_fire_that_waited_for_the_lock__rewrites_the_task_index_as_it_stands_after_the_other(
    engine: Engine, db: sa.Engine
) -> None:
    # the fire reads the task rows with the locked instance, as of its start: after waiting
    # for another fire's commit it must not rewrite the rows from before that fire
    alone, raced = _pact(engine, db, [1, 2]), _pact(engine, db, [1, 2])
    _fire(engine, db, alone, "submit", head(1))
    _fire(engine, db, alone, "open_signing", LEADER)
    first = Session(db)
    engine.fire(first, raced, "submit", head(1))
    failed: list[Exception] = []

    def second() -> None:
        try:
            _fire(engine, db, raced, "open_signing", LEADER)
        except Exception as exc:  # asserted below
            failed.append(exc)

    waiting = threading.Thread(target=second, daemon=True)
    waiting.start()
    with db.connect() as conn:
        for _ in range(200):  # until the second fire waits for the first's lock
            blocked = conn.execute(
                sa.text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND datname = current_database()")
            ).scalar_one()  # fmt: skip
            conn.rollback()  # the statistics are a snapshot per transaction
            if blocked:
                break
            time.sleep(0.05)
    assert blocked, f"the second fire never waited for the first: {failed}"
    first.commit()
    first.close()
    waiting.join(30)
    assert not failed
    assert _count(db, raced, "open_signing") == 1
    assert _tasks(db, raced) == _tasks(db, alone) != set()

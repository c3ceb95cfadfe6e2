"""Deadlines and reminders: set on entering a state, cancelled on leaving it, run by tick."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.engine.conftest import Clock
from tests.engine.flows import LEADER, Journal, head
from wflow.engine import Deadline, Engine, Scope, TickReport
from wflow.engine.statements import INST, TMR
from wflow.engine.timers import deadline_due

SessionFactory = Callable[[], Session]


def _signing(engine: Engine, session: Session, **data: object) -> int:
    scope = Scope("pact", 1, unit_id=1, block_id=3,
                  data={"title": "Pact", "members": [1, 2, 3], **data})  # fmt: skip
    iid = engine.start(session, "pact", scope, head(1))
    engine.fire(session, iid, "submit", head(1))
    engine.fire(session, iid, "open_signing", LEADER)
    session.commit()
    return iid


def _timers(session: Session, iid: int) -> list[tuple[str, datetime, bool, bool]]:
    rows = session.connection().execute(
        sa.select(TMR.c.kind, TMR.c.due_at, TMR.c.fired_at.is_not(None), TMR.c.cancelled)
        .where(TMR.c.instance_id == iid)
        .order_by(TMR.c.due_at)
    )
    return [tuple(r) for r in rows]


def _state(session: Session, iid: int) -> tuple[str, int]:
    row = (
        session.connection()
        .execute(sa.select(INST.c.state, INST.c.lock_version).where(INST.c.id == iid))
        .one()
    )
    return row.state, row.lock_version


def test_entering_signing_sets_a_deadline_and_reminders(
    engine: Engine, session: Session, clock: Clock
) -> None:
    iid = _signing(engine, session)
    due = clock.now + timedelta(days=21)
    assert _timers(session, iid) == [
        ("reminder", due - timedelta(days=3), False, False),
        ("reminder", due - timedelta(days=1), False, False),
        ("deadline", due, False, False),
    ]
    tasks = engine.inbox(session, head(2))
    assert {t.due_at for t in tasks} == {due}


def test_tick_reminds_then_expires_once(
    engine: Engine,
    session: Session,
    session_factory: SessionFactory,
    clock: Clock,
    journal: Journal,
) -> None:
    iid = _signing(engine, session)
    engine.fire(session, iid, "sign", head(1))
    session.commit()
    start = clock.now
    assert engine.tick(session_factory, start + timedelta(days=17)) == TickReport(0, 0)
    state_before = _state(session, iid)
    report = engine.tick(session_factory, start + timedelta(days=18, hours=1))
    assert report == TickReport(fired=0, reminded=1)
    due = start + timedelta(days=21)
    assert journal.reminders == [(iid, due, ("unit:2:head", "unit:3:head"))]
    session.expire_all()
    assert _state(session, iid) == state_before  # a reminder changes neither state nor version
    remind = engine.history(session, iid)[-1]
    assert (remind.trigger, remind.version) == ("remind", state_before[1])
    assert engine.verify_chains(session) == []
    report = engine.tick(session_factory, start + timedelta(days=30))
    assert report == TickReport(fired=1, reminded=1)
    session.commit()
    assert _state(session, iid)[0] == "draft"
    assert [e.trigger for e in engine.history(session, iid)][-1] == "expire"
    assert engine.tick(session_factory, start + timedelta(days=60)) == TickReport(0, 0)
    assert engine.inbox(session, head(2)) == []


def test_leaving_the_state_cancels_its_timers(
    engine: Engine, session: Session, session_factory: SessionFactory, clock: Clock
) -> None:
    iid = _signing(engine, session, report_due="2025-12-31")
    for unit in (1, 2, 3):
        engine.fire(session, iid, "sign", head(unit))
    session.commit()
    kinds = [(k, fired, cancelled) for k, _, fired, cancelled in _timers(session, iid)]
    assert kinds[:3] == [("reminder", False, True), ("reminder", False, True),
                         ("deadline", False, True)]  # fmt: skip
    assert engine.tick(session_factory, clock.now + timedelta(days=30)) == TickReport(0, 0)
    assert _state(session, iid)[0] == "in_force"


def test_a_date_deadline_is_due_at_the_end_of_that_day(
    engine: Engine, session: Session, session_factory: SessionFactory, clock: Clock
) -> None:
    iid = _signing(engine, session, report_due="2025-06-30")
    for unit in (1, 2, 3):
        engine.fire(session, iid, "sign", head(unit))
    session.commit()
    _, version = _state(session, iid)
    assert engine.tick(session_factory, datetime(2025, 6, 30, 23, 0)) == TickReport(0, 0)
    assert engine.tick(session_factory, datetime(2025, 7, 1, 0, 0)) == TickReport(1, 0)
    session.expire_all()
    assert _state(session, iid) == ("in_force", version + 1)  # mark_late is a self-loop
    assert engine.tick(session_factory, datetime(2025, 8, 1)) == TickReport(0, 0)


def test_deadline_due_forms() -> None:
    entered = datetime(2025, 3, 1, 8, 0)
    after = Deadline(fire="x", after=timedelta(days=2))
    at = Deadline(fire="x", at="due")
    assert deadline_due(after, entered, {}) == datetime(2025, 3, 3, 8, 0)
    assert deadline_due(at, entered, {"due": "2025-04-01"}) == datetime(
        2025, 4, 1, 23, 59, 59, 999999
    )
    plus7 = timezone(timedelta(hours=7))
    assert deadline_due(at, entered, {"due": "2025-04-01T07:00:00+07:00"}) == datetime(2025, 4, 1)
    assert deadline_due(at, entered, {"due": datetime(2025, 4, 1, 9, tzinfo=plus7)}) == datetime(
        2025, 4, 1, 2
    )
    assert deadline_due(at, entered, {"due": datetime(2025, 4, 1, tzinfo=UTC)}) == datetime(
        2025, 4, 1
    )
    assert deadline_due(at, entered, {}) is None
    assert deadline_due(at, entered, {"due": "soon"}) is None
    # in an installation's time zone, a date ends at its local midnight (stored as naive UTC)
    hanoi = ZoneInfo("Asia/Ho_Chi_Minh")
    assert deadline_due(at, entered, {"due": "2025-04-01"}, hanoi) == datetime(
        2025, 4, 1, 16, 59, 59, 999999
    )
    assert deadline_due(at, entered, {"due": date(2025, 4, 1)}, hanoi) == datetime(
        2025, 4, 1, 16, 59, 59, 999999
    )
    assert deadline_due(after, entered, {}, hanoi) == datetime(2025, 3, 3, 8, 0)  # unchanged


def test_a_refused_timer_is_cancelled_not_retried(
    engine: Engine, session: Session, session_factory: SessionFactory, clock: Clock
) -> None:
    iid = _signing(engine, session)
    # the instance is moved behind the engine's back: the expire trigger no longer applies
    session.connection().execute(sa.update(INST).where(INST.c.id == iid).values(state="submitted"))
    session.commit()
    report = engine.tick(session_factory, clock.now + timedelta(days=30))
    assert report.failed == 1 and report.fired == 0
    assert engine.tick(session_factory, clock.now + timedelta(days=31)).failed == 0

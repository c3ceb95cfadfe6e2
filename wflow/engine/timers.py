"""Deadlines and reminders: set when a state is entered, cancelled when it is left, run by tick.

Each due timer runs in its own transaction. It is claimed with `SELECT … FOR UPDATE SKIP
LOCKED` (PostgreSQL; SQLite ignores it) and a conditional `UPDATE … WHERE fired_at IS NULL`
whose row count must be 1, so several `tick` processes fire each timer exactly once.
A timer whose state entry is over is cancelled and never fires.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from wflow.clock import utcnow
from wflow.engine.definition import Deadline
from wflow.engine.fastsql import Db
from wflow.engine.runtime_errors import WorkflowError
from wflow.engine.statements import CANCEL_TIMERS, INSERT_TIMER, TMR

if TYPE_CHECKING:
    from wflow.engine.runtime import Engine

log = logging.getLogger(__name__)
_b = sa.bindparam

DUE_TIMERS = (
    sa.select(TMR.c.id)
    .where(TMR.c.fired_at.is_(None) & TMR.c.cancelled.is_(False) & (TMR.c.due_at <= _b("now")))
    .order_by(TMR.c.due_at, TMR.c.id)
    .limit(500)
)
CLAIM_TIMER = (
    sa.select(TMR.c.id, TMR.c.instance_id, TMR.c.entry, TMR.c.kind, TMR.c.trigger, TMR.c.due_at)
    .where(
        (TMR.c.id == _b("id"))
        & TMR.c.fired_at.is_(None)
        & TMR.c.cancelled.is_(False)
        & (TMR.c.due_at <= _b("now"))
    )
    .with_for_update(skip_locked=True)
)
MARK_FIRED = (
    sa.update(TMR)
    .where((TMR.c.id == _b("b_id")) & TMR.c.fired_at.is_(None))
    .values(fired_at=_b("fired_at"), cancelled=_b("cancelled"))
)
CANCEL_TIMER = sa.update(TMR).where(TMR.c.id == _b("b_id")).values(fired_at=None, cancelled=True)


@dataclass(frozen=True, slots=True)
class TickReport:
    """What one tick did: deadlines fired, reminders sent, timers that failed, jobs' work."""

    fired: int
    reminded: int
    failed: int = 0
    done: int = 0  # what the registry's tick jobs did (e.g. reviews opened)


def deadline_due(
    deadline: Deadline, entered: datetime, data: Mapping[str, Any], zone: tzinfo = UTC
) -> datetime | None:
    """Return when a deadline is due: `after` from entering, or the date/datetime in data.

    A date means the end of that day in the installation's time zone `zone` (as naive UTC);
    an aware datetime is converted to naive UTC; a missing or unreadable value sets none.
    """
    if deadline.after is not None:
        return entered + deadline.after
    if deadline.at is None:
        return None
    raw = data.get(deadline.at)
    if isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, date):
        return _end_of_day(raw, zone)
    elif isinstance(raw, str):
        try:
            if len(raw) == 10:
                return _end_of_day(date.fromisoformat(raw), zone)
            value = datetime.fromisoformat(raw)
        except ValueError:
            log.warning("deadline %r: %r is not an ISO date", deadline.at, raw)
            return None
    else:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _end_of_day(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time.max, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def schedule(
    db: Db,
    deadline: Deadline,
    instance_id: int,
    entry: int,
    entered: datetime,
    due: datetime,
) -> None:
    """Insert the deadline timer of a state entry and its reminders still ahead."""
    rows = [
        {
            "instance_id": instance_id,
            "entry": entry,
            "kind": "deadline",
            "trigger": deadline.fire,
            "due_at": due,
            "fired_at": None,
            "cancelled": False,
        }
    ]
    for before in deadline.remind_before:
        at = due - before
        if at > entered:
            rows.append(
                {
                    "instance_id": instance_id,
                    "entry": entry,
                    "kind": "reminder",
                    "trigger": deadline.fire,
                    "due_at": at,
                    "fired_at": None,
                    "cancelled": False,
                }
            )
    INSERT_TIMER.many(db, rows)


def cancel(db: Db, instance_id: int, entry: int) -> None:
    """Cancel the timers of a state entry that is being left."""
    CANCEL_TIMERS.run(db, {"b_instance_id": instance_id, "b_entry": entry, "cancelled": True})


def tick(
    engine: Engine, session_factory: Callable[[], Session], now: datetime | None = None
) -> TickReport:
    """Fire every due deadline and send every due reminder, one transaction per timer."""
    now = now or utcnow()
    fired = reminded = failed = done = 0
    for job in engine.registry.tick_jobs:  # jobs first: what they open may set timers
        with session_factory() as session:
            try:
                done += job(session, now)
                session.commit()
            except Exception:
                session.rollback()
                log.exception("tick job %s failed; it runs again at the next tick", job)
                failed += 1
    seen: set[int] = set()
    for _ in range(100):  # firing may set timers already due; stop on a cycle
        with session_factory() as session:
            ids = [i for (i,) in session.connection().execute(DUE_TIMERS, {"now": now})]
        ids = [i for i in ids if i not in seen]
        if not ids:
            break
        for timer_id in ids:
            seen.add(timer_id)
            outcome = _run_one(engine, session_factory, timer_id, now)
            fired += outcome == "fired"
            reminded += outcome == "reminded"
            failed += outcome == "failed"
    return TickReport(fired=fired, reminded=reminded, failed=failed, done=done)


def _run_one(
    engine: Engine, session_factory: Callable[[], Session], timer_id: int, now: datetime
) -> str:
    with session_factory() as session:
        conn = session.connection()
        timer = conn.execute(CLAIM_TIMER, {"id": timer_id, "now": now}).first()
        if timer is None:
            return "skipped"  # fired, cancelled or being fired by another process
        claimed = conn.execute(MARK_FIRED, {"b_id": timer_id, "fired_at": now, "cancelled": False})
        if claimed.rowcount != 1:
            session.rollback()
            return "skipped"
        try:
            outcome = engine.run_timer(session, timer.instance_id, timer.entry, timer.kind,
                                       timer.trigger, timer.due_at)  # fmt: skip
            if outcome == "stale":
                conn.execute(CANCEL_TIMER, {"b_id": timer_id})
            session.commit()
            return outcome
        except WorkflowError as exc:
            session.rollback()
            log.warning("timer %s (%s) refused: %s; cancelling it", timer_id, timer.trigger, exc)
        except Exception:
            session.rollback()
            log.exception("timer %s (%s) failed; it will be retried", timer_id, timer.trigger)
            return "failed"
    with session_factory() as session:
        session.connection().execute(
            MARK_FIRED, {"b_id": timer_id, "fired_at": now, "cancelled": True}
        )
        session.commit()
    return "failed"

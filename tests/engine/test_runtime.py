"""Starting and firing: the happy path, every refusal (which changes nothing), rollbacks."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.engine.conftest import Clock
from tests.engine.flows import (
    LEADER,
    SCOPE,
    SECRETARIAT,
    STRANGER,
    Journal,
    head,
    snapshot,
)  # fmt: skip
from wflow.engine import (
    Actor,
    Engine,
    GuardFailed,
    InstanceNotFound,
    MissingFields,
    NotAllowed,
    Scope,
    StaleVersion,
    UnknownTrigger,
    UnknownWorkflow,
    WorkflowError,
    WrongState,
)
from wflow.engine.statements import INST, TMR

HEAD1 = head(1)


def _started(engine: Engine, session: Session, scope: Scope = SCOPE) -> int:
    iid = engine.start(session, "pact", scope, HEAD1)
    session.commit()
    return iid


def _row(session: Session, iid: int) -> Any:
    return session.connection().execute(sa.select(INST).where(INST.c.id == iid)).one()


def test_start__creates_the_instance_in_its_initial_state(engine: Engine, session: Session) -> None:
    iid = _started(engine, session)
    row = _row(session, iid)
    assert (row.workflow, row.version, row.state, row.lock_version) == ("pact", 1, "draft", 1)
    assert (row.subject_type, row.subject_id, row.unit_id, row.block_id, row.year) == (
        "pact", 1, 1, 3, 2025,
    )  # fmt: skip
    events = engine.history(session, iid)
    assert [(e.seq, e.trigger, e.source, e.dest) for e in events] == [(1, "start", "", "draft")]
    assert engine.available(session, iid, HEAD1) == ["submit"]


def test_start__unknown_workflow_is_refused(engine: Engine, session: Session) -> None:
    with pytest.raises(UnknownWorkflow):
        engine.start(session, "nope", SCOPE, HEAD1)


def test_fire__moves_writes_an_event_and_runs_effects(
    engine: Engine, session: Session, journal: Journal, clock: Clock
) -> None:
    iid = _started(engine, session)
    result = engine.fire(session, iid, "submit", HEAD1, expected_version=1)
    session.commit()
    assert (result.source, result.dest, result.version, result.completed) == (
        "draft", "submitted", 2, (),
    )  # fmt: skip
    assert journal.effects == [("submit", "draft", iid)]
    last = engine.history(session, iid)[-1]
    assert last.id == result.event_id
    assert (last.trigger, last.actor_user_id, last.actor_unit_id, last.at) == (
        "submit", HEAD1.user_id, 1, clock.now,
    )  # fmt: skip
    assert set(engine.available(session, iid, LEADER)) == {"reject", "open_signing"}
    assert engine.available(session, iid, HEAD1) == []


def _refused(
    engine: Engine, session: Session, iid: int, error: type[WorkflowError], status: int,
    *args: Any, **kw: Any,
) -> WorkflowError:  # fmt: skip
    before = snapshot(session)
    with pytest.raises(error) as caught:
        engine.fire(session, iid, *args, **kw)
    session.rollback()
    assert caught.value.status == status
    assert snapshot(session) == before
    return caught.value


def test_fire__refusals_change_nothing(engine: Engine, session: Session) -> None:
    iid = _started(engine, session)
    _refused(engine, session, iid + 1000, InstanceNotFound, 404, "submit", HEAD1)
    _refused(engine, session, iid, UnknownTrigger, 404, "fly", HEAD1)
    _refused(engine, session, iid, WrongState, 409, "close", SECRETARIAT)
    _refused(engine, session, iid, NotAllowed, 403, "submit", STRANGER)
    _refused(engine, session, iid, StaleVersion, 409, "submit", HEAD1, expected_version=7)
    engine.fire(session, iid, "submit", HEAD1)
    session.commit()
    _refused(engine, session, iid, MissingFields, 422, "reject", LEADER)
    err = _refused(engine, session, iid, MissingFields, 422, "reject", LEADER, {"reason": "  "})
    assert "reason" in err.message
    engine.fire(session, iid, "open_signing", LEADER)
    session.commit()
    err = _refused(engine, session, iid, NotAllowed, 403, "expire", LEADER)
    assert "system" in err.message


def test_fire__a_failing_guard_gives_its_reason(engine: Engine, session: Session) -> None:
    iid = _started(engine, session, Scope("pact", 2, unit_id=1, block_id=3, data={}))
    engine.fire(session, iid, "submit", HEAD1)
    session.commit()
    err = _refused(engine, session, iid, GuardFailed, 422, "open_signing", LEADER)
    assert err.message == "The pact has no title yet."


def test_fire__a_failing_effect_leaves_nothing_after_rollback(
    engine: Engine, session: Session, journal: Journal
) -> None:
    iid = _started(engine, session)
    before = snapshot(session)
    journal.fail_effect = True
    with pytest.raises(RuntimeError):
        engine.fire(session, iid, "submit", HEAD1)
    session.rollback()
    assert snapshot(session) == before
    journal.fail_effect = False
    assert engine.fire(session, iid, "submit", HEAD1).version == 2


def test_fire__a_change_between_read_and_write_is_stale(
    engine: Engine, session: Session, db: sa.Engine, backend: str, journal: Journal
) -> None:
    if backend != "sqlite":
        pytest.skip("PostgreSQL locks the row: the other writer would wait (see concurrency)")
    iid = _started(engine, session)
    journal.fail_effect = False
    other = db.connect()

    def meddle(ctx: Any) -> bool:  # runs after the engine read the row, before it writes
        other.execute(sa.update(INST).where(INST.c.id == iid).values(lock_version=5))
        other.commit()
        return True

    engine.registry.guards["has_title"] = meddle
    engine2 = Engine(engine.definitions, engine.registry)
    engine.fire(session, iid, "submit", HEAD1)
    session.commit()
    before = snapshot(session)
    with pytest.raises(StaleVersion):
        engine2.fire(session, iid, "open_signing", LEADER)
    session.rollback()
    other.close()
    after = snapshot(session)
    assert after == {**before, "wf_instance": after["wf_instance"]}
    assert _row(session, iid).state == "submitted"


def test_fire__a_self_loop_does_not_reenter(engine: Engine, session: Session, clock: Clock) -> None:
    scope = Scope(
        "pact",
        3,
        unit_id=1,
        block_id=3,
        data={"title": "T", "members": [], "report_due": "2025-12-31"},
    )
    iid = _started(engine, session, scope)
    engine.fire(session, iid, "submit", HEAD1)
    result = engine.fire(session, iid, "open_signing", LEADER)  # no members: signed at once
    assert result.completed == ("all_signed",) and result.state == "in_force"
    row = _row(session, iid)
    timers = session.connection().execute(sa.select(TMR).order_by(TMR.c.id)).all()
    looped = engine.fire(session, iid, "mark_late", Actor.system())
    assert (looped.source, looped.dest, looped.version) == (
        "in_force",
        "in_force",
        row.lock_version + 1,
    )
    assert _row(session, iid).entry == row.entry
    assert session.connection().execute(sa.select(TMR).order_by(TMR.c.id)).all() == timers


def test_history_and_as_of(engine: Engine, session: Session, clock: Clock) -> None:
    start = clock.now
    iid = _started(engine, session)
    clock.advance(hours=1)
    engine.fire(session, iid, "submit", HEAD1)
    clock.advance(hours=1)
    engine.fire(session, iid, "reject", LEADER, {"reason": "incomplete"})
    session.commit()
    assert [e.trigger for e in engine.history(session, iid)] == ["start", "submit", "reject"]
    assert engine.history(session, iid)[-1].data == {"reason": "incomplete"}
    assert engine.as_of(session, iid, start.replace(year=2024)) is None
    assert engine.as_of(session, iid, start) == ("draft", 1)
    assert engine.as_of(session, iid, start.replace(hour=9, minute=30)) == ("submitted", 2)
    assert engine.as_of(session, iid, clock.now) == ("draft", 3)


def test_definition_lookup(engine: Engine) -> None:
    assert engine.definition("pact").version == 1
    assert engine.definition("pact", 1).initial == "draft"
    with pytest.raises(UnknownWorkflow):
        engine.definition("pact", 9)

"""The inbox: what each person may do now, across instances, in one query."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.engine.flows import LEADER, SECRETARIAT, STRANGER, head
from wflow.engine import Actor, Engine, Scope, Task


def _pact(engine: Engine, session: Session, subject: int, block: int = 3, unit: int = 1) -> int:
    scope = Scope("pact", subject, unit_id=unit, block_id=block, year=2025,
                  data={"title": "P", "members": [1, 2]})  # fmt: skip
    return engine.start(session, "pact", scope, head(unit))


def test_tasks_follow_the_state(engine: Engine, session: Session) -> None:
    iid = _pact(engine, session, 10)
    assert engine.inbox(session, head(1)) == [
        Task(iid, "pact", "draft", "submit", None, "pact", 10, 3, 1, 2025)
    ]
    assert engine.inbox(session, LEADER) == [
        Task(iid, "pact", "draft", "submit", None, "pact", 10, 3, 1, 2025)
    ]  # the leader's unit is unit 1: it heads it too
    engine.fire(session, iid, "submit", head(1))
    assert [t.trigger for t in engine.inbox(session, LEADER)] == ["open_signing", "reject"]
    assert engine.inbox(session, head(2)) == []
    engine.fire(session, iid, "open_signing", LEADER)
    assert {t.trigger for t in engine.inbox(session, head(2))} == {"sign", "decline", "abstain"}
    assert engine.inbox_count(session, head(2)) == 3
    engine.fire(session, iid, "sign", head(2))
    assert engine.inbox(session, head(2)) == []
    engine.fire(session, iid, "sign", head(1))
    assert [t.trigger for t in engine.inbox(session, SECRETARIAT)] == ["close"]
    assert engine.inbox(session, STRANGER) == []


def test_scoped_to_the_block_across_many_instances(engine: Engine, session: Session) -> None:
    mine = [_pact(engine, session, i, block=3) for i in range(20)]
    other = [_pact(engine, session, 100 + i, block=4) for i in range(5)]
    for iid in mine + other:
        engine.fire(session, iid, "submit", head(1))
    leader4 = Actor(8, 7, frozenset({"block:4:leader"}), "Leader 4")
    assert {t.instance_id for t in engine.inbox(session, LEADER)} == set(mine)
    assert {t.instance_id for t in engine.inbox(session, leader4)} == set(other)
    assert engine.inbox_count(session, LEADER) == 40  # reject and open_signing each
    assert engine.inbox_count(session, Actor(1, 1, frozenset())) == 0


def test_one_query(engine: Engine, session: Session, db: sa.Engine) -> None:
    for i in range(10):
        engine.fire(session, _pact(engine, session, i), "submit", head(1))
    session.commit()
    statements: list[str] = []

    @sa.event.listens_for(db, "before_cursor_execute")
    def _count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    session.connection()  # the session's transaction is not part of the count
    statements.clear()
    assert len(engine.inbox(session, LEADER)) == 20
    assert len(statements) == 1 and "wf_task" in statements[0]
    sa.event.remove(db, "before_cursor_execute", _count)

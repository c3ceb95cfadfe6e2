"""The audit chain: every event chained by hash, tampering named, the log append-only."""

from __future__ import annotations

import json
from datetime import datetime
from itertools import pairwise
from typing import Any

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from tests.engine.flows import LEADER, SCOPE, head
from wflow.engine import Engine
from wflow.engine.audit import canonical_json, event_json
from wflow.engine.statements import EVT


def _run(engine: Engine, session: Session) -> tuple[int, int]:
    a = engine.start(session, "pact", SCOPE, head(1))
    engine.fire(session, a, "submit", head(1))
    engine.fire(session, a, "reject", LEADER, {"reason": "Thiếu chỉ tiêu"})
    b = engine.start(session, "pact", SCOPE, head(1))
    engine.fire(session, b, "submit", head(1))
    session.commit()
    return a, b


def _tamper(session: Session, iid: int, seq: int, **values: Any) -> None:
    session.connection().execute(
        sa.update(EVT).where((EVT.c.instance_id == iid) & (EVT.c.seq == seq)).values(**values)
    )
    session.commit()


def test_an_untouched_log_verifies(engine: Engine, session: Session) -> None:
    a, _ = _run(engine, session)
    assert engine.verify_chains(session) == []
    events = engine.history(session, a)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == "" and all(e.prev_hash == p.hash for p, e in pairwise(events))


def test_an_altered_event_is_named(engine: Engine, session: Session) -> None:
    a, _ = _run(engine, session)
    _tamper(session, a, 3, data={"reason": "changed later"})
    broken = engine.verify_chains(session)
    assert [(x.instance_id, x.seq) for x in broken] == [(a, 3)]
    assert "altered" in broken[0].reason


def test_a_rewritten_actor_or_time_is_named(engine: Engine, session: Session) -> None:
    a, b = _run(engine, session)
    _tamper(session, b, 2, actor_user_id=999)
    _tamper(session, a, 1, at=datetime(2020, 1, 1))
    assert [(x.instance_id, x.seq) for x in engine.verify_chains(session)] == [(a, 1), (b, 2)]


def test_a_deleted_event_is_named(engine: Engine, session: Session) -> None:
    a, b = _run(engine, session)
    session.connection().execute(sa.delete(EVT).where((EVT.c.instance_id == a) & (EVT.c.seq == 2)))
    session.connection().execute(sa.delete(EVT).where((EVT.c.instance_id == b) & (EVT.c.seq == 2)))
    session.commit()
    broken = {x.instance_id: x for x in engine.verify_chains(session)}
    assert broken[a].seq == 3 and "missing" in broken[a].reason
    assert broken[b].seq == 2 and "ends" in broken[b].reason  # the last one was cut off


def test_the_engine_never_updates_or_deletes_events(
    engine: Engine, session: Session, db: sa.Engine, backend: str
) -> None:
    seen: list[str] = []
    if backend == "sqlite":
        raw = session.connection().connection.dbapi_connection
        assert raw is not None
        raw.set_trace_callback(seen.append)  # type: ignore[attr-defined]
    else:

        @sa.event.listens_for(db, "before_cursor_execute")
        def _log(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            seen.append(statement)

        # the hot path runs on the DBAPI cursor: watch it through psycopg's own hook
        raw = session.connection().connection.dbapi_connection
        original = raw.cursor  # type: ignore[union-attr]

        class Spy:
            def __init__(self, cur: Any) -> None:
                self.cur = cur

            def execute(self, sql: str, params: Any = None) -> Any:
                seen.append(sql)
                return self.cur.execute(sql, params)

            def executemany(self, sql: str, rows: Any) -> Any:
                seen.append(sql)
                return self.cur.executemany(sql, rows)

            def __getattr__(self, name: str) -> Any:
                return getattr(self.cur, name)

        raw.cursor = lambda *a, **k: Spy(original(*a, **k))  # type: ignore[union-attr, method-assign]
    iid = engine.start(session, "pact", SCOPE, head(1))
    engine.fire(session, iid, "submit", head(1))
    engine.fire(session, iid, "open_signing", LEADER)
    for unit in (1, 2, 3):
        engine.fire(session, iid, "sign", head(unit))
    engine.fire(session, iid, "close", LEADER.__class__(9, None, frozenset({"secretariat"})))
    writes = [s for s in seen if "wf_event" in s.lower()]
    assert any(s.lstrip().upper().startswith("INSERT") for s in writes)
    assert not [s for s in writes if s.lstrip().upper().startswith(("UPDATE", "DELETE"))]
    session.rollback()


_text = st.text(max_size=12)
_ids = st.none() | st.integers(-(2**40), 2**40)


@given(
    instance_id=st.integers(1, 2**40), seq=st.integers(1, 10**6), version=st.integers(0, 10**6),
    at=st.datetimes(), user=_ids, unit=_ids, name=_text, trigger=_text, source=_text,
    dest=_text,
    data=st.dictionaries(_text, st.none() | st.booleans() | st.integers() | _text, max_size=4),
)  # fmt: skip
def test_event_json_is_the_canonical_json_of_the_event(
    instance_id: int, seq: int, version: int, at: datetime, user: int | None,
    unit: int | None, name: str, trigger: str, source: str, dest: str, data: dict[str, Any],
) -> None:  # fmt: skip
    fields = {"instance_id": instance_id, "seq": seq, "version": version, "at": at.isoformat(),
              "actor_user_id": user, "actor_unit_id": unit, "actor_name": name,
              "trigger": trigger, "source": source, "dest": dest, "data": data}  # fmt: skip
    got = event_json(instance_id, seq, version, at, user, unit, name, trigger, source, dest, data)
    assert got == canonical_json(fields)
    assert json.loads(got) == fields


def test_canonical_json_is_compact_sorted_and_unescaped() -> None:
    assert canonical_json({"b": 1, "a": "Đã ký", "c": [1, None]}) == (
        '{"a":"Đã ký","b":1,"c":[1,null]}'
    )

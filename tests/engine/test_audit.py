"""The audit chain: every event chained by hash, tampering named, the log append-only."""

from __future__ import annotations

import json
import re
from datetime import datetime
from itertools import pairwise
from typing import Any

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from tests.engine.flows import LEADER, SCOPE, head
from wflow.engine import Drift, Engine
from wflow.engine.audit import (
    canonical_json,
    event_hash_v1,
    event_json,
    event_json_v2,
    verify_instances,
)
from wflow.engine.statements import EVT, INST


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


_WRITES_TO_EVENTS = re.compile(r'\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?wf_event\b', re.I)


def test_the_engine_never_updates_or_deletes_events(
    engine: Engine, session: Session, db: sa.Engine, backend: str
) -> None:
    seen: list[str] = []
    if backend == "sqlite":
        raw = session.connection().connection.dbapi_connection
        assert raw is not None
        raw.set_trace_callback(seen.append)
    else:

        @sa.event.listens_for(db, "before_cursor_execute")
        def _log(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            seen.append(statement)

        # the hot path runs on the DBAPI cursor: watch it through psycopg's own hook
        raw = session.connection().connection.dbapi_connection
        assert raw is not None
        original = raw.cursor

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

        raw.cursor = lambda *a, **k: Spy(original(*a, **k))  # type: ignore[method-assign]
    iid = engine.start(session, "pact", SCOPE, head(1))
    engine.fire(session, iid, "submit", head(1))
    engine.fire(session, iid, "open_signing", LEADER)
    for unit in (1, 2, 3):
        engine.fire(session, iid, "sign", head(unit))
    engine.fire(session, iid, "close", LEADER.__class__(9, None, frozenset({"secretariat"})))
    # what each statement does to wf_event, wherever in it (PostgreSQL's moves the instance
    # and appends its event in one statement)
    writes = {" ".join(m.group(1).upper().split()) for s in seen
              for m in _WRITES_TO_EVENTS.finditer(s)}  # fmt: skip
    assert writes == {"INSERT INTO"}
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


# --- the present: each event's hash covers the row it leaves ------------------------------


def _set_row(session: Session, iid: int, **values: Any) -> None:
    session.connection().execute(sa.update(INST).where(INST.c.id == iid).values(**values))
    session.commit()


def test_every_instance_row_matches_its_chain(engine: Engine, session: Session) -> None:
    a, _ = _run(engine, session)
    assert engine.verify_instances(session) == []
    events = engine.history(session, a)
    assert [e.hash_v for e in events] == [2, 2, 2]
    # the data is kept where it changed: the start (the scope's data) and the reason
    assert events[0].data_after == {"title": "Pact 2025", "members": [1, 2, 3]}
    assert events[1].data_after is None
    assert events[2].data_after == {**SCOPE.data, "reason": "Thiếu chỉ tiêu"}


def test_a_state_set_behind_the_engine_is_named(engine: Engine, session: Session) -> None:
    _, b = _run(engine, session)
    _set_row(session, b, state="in_force")
    assert engine.verify_instances(session) == [Drift(b, "state", '"submitted"', '"in_force"')]
    assert engine.verify_chains(session) == []  # the chain itself is intact
    line = engine.verify_instances(session)[0].line
    assert line == (
        f'instance {b}: state: expected "submitted", found "in_force" (changed outside the engine)'
    )


def test_edited_data_is_named_by_its_key(engine: Engine, session: Session) -> None:
    a, b = _run(engine, session)
    _set_row(session, a, data={**SCOPE.data, "reason": "Đã sửa"})
    _set_row(session, b, data={**SCOPE.data, "extra": 1})
    assert engine.verify_instances(session) == [
        Drift(a, "data.reason", '"Thiếu chỉ tiêu"', '"Đã sửa"'),
        Drift(b, "data.extra", "(absent)", "1"),
    ]


def test_a_bumped_lock_version_is_named(engine: Engine, session: Session) -> None:
    a, _ = _run(engine, session)
    _set_row(session, a, lock_version=9)
    assert engine.verify_instances(session) == [Drift(a, "lock_version", "3", "9")]


def test_an_altered_data_snapshot_breaks_the_chain(engine: Engine, session: Session) -> None:
    a, _ = _run(engine, session)
    _tamper(session, a, 1, data_after={"title": "Another"})
    broken = engine.verify_instances(session)
    assert [(x.instance_id, getattr(x, "seq", None)) for x in broken] == [(a, 1)]


def test_reminders_and_participation_keep_the_row_covered(
    engine: Engine, session: Session, session_factory: Any, clock: Any
) -> None:
    from datetime import timedelta

    iid = engine.start(session, "pact", SCOPE, head(1))
    engine.fire(session, iid, "submit", head(1))
    engine.fire(session, iid, "open_signing", LEADER)
    engine.fire(session, iid, "sign", head(1))
    session.commit()
    engine.tick(session_factory, clock.now + timedelta(days=18, hours=1))  # a reminder
    assert engine.history(session, iid)[-1].trigger == "remind"
    engine.fire(session, iid, "sign", head(2))
    engine.fire(session, iid, "sign", head(3))  # completes: all_signed fires
    session.commit()
    assert verify_instances(session) == []


def test_format_1_chains_still_verify(engine: Engine, session: Session) -> None:
    """Events written before the present was covered (hash_v 1) verify as they were."""
    a, _ = _run(engine, session)
    prev = ""
    for ev in engine.history(session, a):
        h = event_hash_v1(prev, a, ev.seq, ev.version, ev.at, ev.actor_user_id,
                          ev.actor_unit_id, ev.actor_name, ev.trigger, ev.source, ev.dest,
                          ev.data)  # fmt: skip
        session.connection().execute(
            sa.update(EVT).where(EVT.c.id == ev.id)
            .values(hash_v=1, data_after=None, prev_hash=prev, hash=h)
        )  # fmt: skip
        prev = h
    _set_row(session, a, last_hash=prev)
    assert verify_instances(session) == []
    _set_row(session, a, data={"anything": True})  # format 1 did not cover the data
    assert verify_instances(session) == []
    _set_row(session, a, state="closed")  # but its dest and version name the state
    assert verify_instances(session) == [Drift(a, "state", '"draft"', '"closed"')]


@given(
    instance_id=st.integers(1, 2**40), seq=st.integers(1, 10**6), version=st.integers(0, 10**6),
    at=st.datetimes(), user=_ids, unit=_ids, name=_text, trigger=_text, source=_text,
    dest=_text,
    data=st.dictionaries(_text, st.none() | st.booleans() | st.integers() | _text, max_size=4),
    after=st.dictionaries(_text, st.none() | st.integers() | _text | st.lists(st.integers()),
                          max_size=4),
)  # fmt: skip
def test_event_json_v2_is_the_canonical_json_of_the_event_and_the_row(
    instance_id: int, seq: int, version: int, at: datetime, user: int | None,
    unit: int | None, name: str, trigger: str, source: str, dest: str, data: dict[str, Any],
    after: dict[str, Any],
) -> None:  # fmt: skip
    fields = {"instance_id": instance_id, "seq": seq, "version": version, "at": at.isoformat(),
              "actor_user_id": user, "actor_unit_id": unit, "actor_name": name,
              "trigger": trigger, "source": source, "dest": dest, "data": data, "hash_v": 2,
              "after": {"data": after, "lock_version": version, "state": dest}}  # fmt: skip
    got = event_json_v2(instance_id, seq, version, at, user, unit, name, trigger, source, dest,
                        data, after)  # fmt: skip
    assert got == canonical_json(fields)

"""The audit chain: each event's hash covers the previous hash, the event and the present.

`hash = sha256(prev_hash + canonical_json(event))` per instance, the first event with
prev_hash "". Two formats, named by the event's `hash_v`:

- 1 (events written before migration 0020): the hashed fields are instance_id, seq,
  version, at (ISO format), the actor's user id, unit id and name, trigger, source, dest
  and data.
- 2 (every event since): the same fields, `"hash_v": 2`, and `after`, what the instance
  row holds once the event is written: `{"data", "lock_version", "state"}`. The event
  stores that data in `data_after` when it changed it (None: as after the event before),
  so `verify_instances` can replay the data along the chain and check the row against it.

`wf_event` is append-only: nothing in the engine updates or deletes it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from wflow.engine.statements import BALLOT, EVT, INST, PART

_dumps = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
).encode
_sha256 = hashlib.sha256
_encode_str: Callable[[str], str] = getattr(json.encoder, "c_encode_basestring", None) or (
    json.encoder.py_encode_basestring
)


def canonical_json(obj: Any) -> str:
    """Return the canonical JSON text of `obj` (sorted keys, no spaces, UTF-8, str fallback)."""
    return _dumps(obj)


HASH_V = 2  # the format the engine writes


def event_hash_v1(
    prev_hash: str,
    instance_id: int,
    seq: int,
    version: int,
    at: datetime,
    actor_user_id: int | None,
    actor_unit_id: int | None,
    actor_name: str,
    trigger: str,
    source: str,
    dest: str,
    data: Mapping[str, Any],
) -> str:
    """Return the chained hash of one event in format 1 (events before migration 0020)."""
    body = event_json(instance_id, seq, version, at, actor_user_id, actor_unit_id, actor_name,
                      trigger, source, dest, data)  # fmt: skip
    return _sha256((prev_hash + body).encode()).hexdigest()


def event_json(
    instance_id: int,
    seq: int,
    version: int,
    at: datetime,
    actor_user_id: int | None,
    actor_unit_id: int | None,
    actor_name: str,
    trigger: str,
    source: str,
    dest: str,
    data: Mapping[str, Any],
) -> str:
    """Return `canonical_json` of the event's fields, written out key by key (hot path).

    Equal to canonical_json({"instance_id": ..., "seq": ..., ...}) (a test holds it to that);
    spelled out because the generic encoder costs more than the rest of the hash.
    """
    s, v = _str, _val
    return (
        f'{{"actor_name":{s(actor_name)},"actor_unit_id":{v(actor_unit_id)},'
        f'"actor_user_id":{v(actor_user_id)},"at":{s(at.isoformat())},'
        f'"data":{_dumps(data) if data else "{}"},"dest":{s(dest)},'
        f'"instance_id":{v(instance_id)},"seq":{v(seq)},"source":{s(source)},'
        f'"trigger":{s(trigger)},"version":{v(version)}}}'
    )


def event_hash(
    prev_hash: str,
    instance_id: int,
    seq: int,
    version: int,
    at: datetime,
    actor_user_id: int | None,
    actor_unit_id: int | None,
    actor_name: str,
    trigger: str,
    source: str,
    dest: str,
    data: Mapping[str, Any],
    data_after: Mapping[str, Any],
) -> str:
    """Return the chained hash of one event in the current format (2: the present included)."""
    body = event_json_v2(instance_id, seq, version, at, actor_user_id, actor_unit_id,
                         actor_name, trigger, source, dest, data, data_after)  # fmt: skip
    return _sha256((prev_hash + body).encode()).hexdigest()


def event_json_v2(
    instance_id: int,
    seq: int,
    version: int,
    at: datetime,
    actor_user_id: int | None,
    actor_unit_id: int | None,
    actor_name: str,
    trigger: str,
    source: str,
    dest: str,
    data: Mapping[str, Any],
    data_after: Mapping[str, Any],
) -> str:
    """Return `canonical_json` of a format-2 event: its fields, `hash_v` and `after` (hot path).

    `after` is the instance row once the event is written: state `dest`, lock_version
    `version` and `data_after`. Equal to the generic encoding (a test holds it to that).
    """
    s, v = _str, _val
    return (
        f'{{"actor_name":{s(actor_name)},"actor_unit_id":{v(actor_unit_id)},'
        f'"actor_user_id":{v(actor_user_id)},'
        f'"after":{{"data":{_dumps(data_after) if data_after else "{}"},'
        f'"lock_version":{v(version)},"state":{s(dest)}}},"at":{s(at.isoformat())},'
        f'"data":{_dumps(data) if data else "{}"},"dest":{s(dest)},"hash_v":2,'
        f'"instance_id":{v(instance_id)},"seq":{v(seq)},"source":{s(source)},'
        f'"trigger":{s(trigger)},"version":{v(version)}}}'
    )


def _str(value: Any) -> str:
    return _encode_str(value) if type(value) is str else _dumps(value)


def _val(value: Any) -> str:
    if value is None:
        return "null"
    return int.__repr__(value) if type(value) is int else _dumps(value)


def json_safe(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return `data` as plain JSON values (dates become ISO strings), so its hash round-trips."""
    if not data:
        return {}
    out: dict[str, Any] = json.loads(_dumps(dict(data)))
    return out


@dataclass(frozen=True, slots=True)
class Broken:
    """The first broken link of one instance's chain."""

    instance_id: int
    seq: int
    reason: str

    @property
    def line(self) -> str:
        """Return the finding as one line for people."""
        return f"instance {self.instance_id}: event {self.seq}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Drift:
    """The first difference between an instance row and the head of its (intact) chain."""

    instance_id: int
    field: str  # state, lock_version, last_seq, last_hash or data.<key>
    expected: str  # as the chain has it (JSON), or "(absent)"
    found: str  # as the row has it (JSON), or "(absent)"

    @property
    def line(self) -> str:
        """Return the finding as one line for people."""
        return (
            f"instance {self.instance_id}: {self.field}: expected {self.expected}, "
            f"found {self.found} (changed outside the engine)"
        )


_EVENT_FIELDS = (
    "instance_id", "seq", "version", "at", "actor_user_id", "actor_unit_id", "actor_name",
    "trigger", "source", "dest", "data", "prev_hash", "hash", "hash_v", "data_after",
)  # fmt: skip
_EVENTS = sa.select(*(EVT.c[n] for n in _EVENT_FIELDS)).order_by(EVT.c.instance_id, EVT.c.seq)
_ROWS = sa.select(
    INST.c.id, INST.c.state, INST.c.lock_version, INST.c.data, INST.c.last_seq, INST.c.last_hash
)
ABSENT = "(absent)"


@dataclass(slots=True)
class _Head:
    """What an intact chain says so far: its last event and the data replayed along it."""

    seq: int = 0
    hash: str = ""
    state: str | None = None
    lock_version: int | None = None
    data: dict[str, Any] | None = None  # None: not covered (a format-1 head)


def verify_chains(session: Session, instance_id: int | None = None) -> list[Broken]:
    """Recompute every chain (or one instance's) and name the first broken link of each."""
    return [f for f in verify_instances(session, instance_id) if isinstance(f, Broken)]


def verify_instances(session: Session, instance_id: int | None = None) -> list[Broken | Drift]:
    """Recompute every chain, then check each instance row against its chain's head.

    One finding per instance at most: its first broken link, else the first field of its row
    (state, lock_version, data key by key) that differs from what the chain ends with.
    """
    conn = session.connection()
    events = _EVENTS if instance_id is None else _EVENTS.where(EVT.c.instance_id == instance_id)
    rows_q = _ROWS if instance_id is None else _ROWS.where(INST.c.id == instance_id)
    rows = {r.id: r for r in conn.execute(rows_q)}
    found: dict[int, Broken | Drift] = {}
    heads: dict[int, _Head] = {}
    for ev in conn.execute(events):
        iid = ev.instance_id
        if iid in found:
            continue
        head = heads.setdefault(iid, _Head())
        reason = _link_problem(head, ev)
        if reason:
            found[iid] = Broken(iid, ev.seq, reason)
    for iid, row in rows.items():
        if iid not in found:
            problem = _row_problem(row, heads.get(iid, _Head()))
            if problem is not None:
                found[iid] = problem
    for iid, drift in _ballot_drifts(session, instance_id).items():
        if iid in rows:
            found.setdefault(iid, drift)
    return sorted(found.values(), key=lambda f: f.instance_id)


def _per_instance(session: Session, query: sa.Select[Any]) -> dict[int, int]:
    return {int(i): int(n) for i, n in session.connection().execute(query)}


def _ballot_drifts(session: Session, instance_id: int | None) -> dict[int, Drift]:
    """Check each instance's secret ballots against its chain: one per "participate" event.

    A ballot names no voter, so a changed choice cannot be told from the chain; a ballot
    added or removed can, as can a participant row set to "cast" without its event.
    """
    counted: dict[str, sa.Select[Any]] = {
        "ballots": sa.select(BALLOT.c.instance_id, sa.func.count()).group_by(BALLOT.c.instance_id),
        "cast": sa.select(PART.c.instance_id, sa.func.count())
        .where(PART.c.choice == "cast")
        .group_by(PART.c.instance_id),
    }
    events = sa.select(EVT.c.instance_id, sa.func.count()).where(EVT.c.trigger == "participate")
    if instance_id is not None:
        events = events.where(EVT.c.instance_id == instance_id)
        counted = {k: q.where(q.selected_columns[0] == instance_id) for k, q in counted.items()}
    chained = _per_instance(session, events.group_by(EVT.c.instance_id))
    out: dict[int, Drift] = {}
    for what, query in counted.items():
        stored = _per_instance(session, query)
        for iid in sorted(stored.keys() | chained.keys()):
            want, got = chained.get(iid, 0), stored.get(iid, 0)
            if want != got:
                out.setdefault(iid, Drift(iid, what, str(want), str(got)))
    return out


def _link_problem(head: _Head, ev: Any) -> str | None:
    """Check one event against the chain so far; advance `head` when it holds."""
    if ev.seq != head.seq + 1:
        return f"sequence jumps from {head.seq} to {ev.seq} (an event is missing)"
    if ev.prev_hash != head.hash:
        return "prev_hash does not match the previous event's hash"
    fields = (head.hash, ev.instance_id, ev.seq, ev.version, ev.at, ev.actor_user_id,
              ev.actor_unit_id, ev.actor_name, ev.trigger, ev.source, ev.dest, ev.data)  # fmt: skip
    data = head.data
    if ev.hash_v == 1:
        expect = event_hash_v1(*fields)
    elif ev.hash_v == 2:
        data = ev.data_after if ev.data_after is not None else head.data
        if data is None:
            return "the event does not say the instance's data (data_after is empty)"
        expect = event_hash(*fields, data)
    else:
        return f"unknown hash format {ev.hash_v!r}"
    if expect != ev.hash:
        return "hash does not match the event's content (the event was altered)"
    head.seq, head.hash, head.state, head.lock_version = ev.seq, ev.hash, ev.dest, ev.version
    head.data = data
    return None


def _row_problem(row: Any, head: _Head) -> Broken | Drift | None:
    """Return how the instance row differs from the head of its intact chain, if it does."""
    if (row.last_seq, row.last_hash) != (head.seq, head.hash):
        if row.last_seq != head.seq:
            reason = f"the chain ends at event {head.seq} but the instance expects {row.last_seq}"
        else:
            reason = "the instance's last_hash is not the hash of its last event"
        return Broken(row.id, head.seq + 1, reason)
    if head.seq == 0:
        return None  # no event and nothing expected: an instance being created
    if row.state != head.state:
        return Drift(row.id, "state", _json(head.state), _json(row.state))
    if row.lock_version != head.lock_version:
        return Drift(row.id, "lock_version", _json(head.lock_version), _json(row.lock_version))
    if head.data is None:
        return None  # a format-1 head (an instance untouched since before migration 0020)
    data = row.data
    if not isinstance(data, dict):
        return Drift(row.id, "data", _json(head.data), _json(data))
    for key in sorted(set(head.data) | set(data)):
        want = _json(head.data[key]) if key in head.data else ABSENT
        got = _json(data[key]) if key in data else ABSENT
        if want != got:
            return Drift(row.id, f"data.{key}", want, got)
    return None


def _json(value: Any) -> str:
    return canonical_json(value)

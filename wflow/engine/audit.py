"""The audit chain: each event's hash covers the previous hash and the event's canonical JSON.

`hash = sha256(prev_hash + canonical_json(event))` per instance, the first event with
prev_hash "". The hashed fields are instance_id, seq, version, at (ISO format), the actor's
user id, unit id and name, trigger, source, dest and data. `wf_event` is append-only:
nothing in the engine updates or deletes it.
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

from wflow.engine.statements import EVT, INST

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
) -> str:
    """Return the chained hash of one event: sha256(prev_hash + canonical JSON of it)."""
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


_EVENT_FIELDS = (
    "instance_id", "seq", "version", "at", "actor_user_id", "actor_unit_id", "actor_name",
    "trigger", "source", "dest", "data", "prev_hash", "hash",
)  # fmt: skip
_EVENTS = sa.select(*(EVT.c[n] for n in _EVENT_FIELDS)).order_by(EVT.c.instance_id, EVT.c.seq)
_HEADS = sa.select(INST.c.id, INST.c.last_seq, INST.c.last_hash)


def verify_chains(session: Session, instance_id: int | None = None) -> list[Broken]:
    """Recompute every chain (or one instance's) and name the first broken link of each."""
    conn = session.connection()
    events = _EVENTS if instance_id is None else _EVENTS.where(EVT.c.instance_id == instance_id)
    heads_q = _HEADS if instance_id is None else _HEADS.where(INST.c.id == instance_id)
    heads = {r.id: (r.last_seq, r.last_hash) for r in conn.execute(heads_q)}
    broken: dict[int, Broken] = {}
    last: dict[int, tuple[int, str]] = {}
    for ev in conn.execute(events):
        iid = ev.instance_id
        if iid in broken:
            continue
        prev_seq, prev_hash = last.get(iid, (0, ""))
        reason = None
        if ev.seq != prev_seq + 1:
            reason = f"sequence jumps from {prev_seq} to {ev.seq} (an event is missing)"
        elif ev.prev_hash != prev_hash:
            reason = "prev_hash does not match the previous event's hash"
        else:
            expect = event_hash(
                prev_hash, iid, ev.seq, ev.version, ev.at, ev.actor_user_id, ev.actor_unit_id,
                ev.actor_name, ev.trigger, ev.source, ev.dest, ev.data,
            )  # fmt: skip
            if expect != ev.hash:
                reason = "hash does not match the event's content (the event was altered)"
        if reason:
            broken[iid] = Broken(iid, ev.seq, reason)
        else:
            last[iid] = (ev.seq, ev.hash)
    for iid, (head_seq, head_hash) in heads.items():
        if iid in broken:
            continue
        seq, h = last.get(iid, (0, ""))
        if (seq, h) != (head_seq, head_hash):
            broken[iid] = Broken(
                iid, seq + 1, f"the chain ends at event {seq} but the instance expects {head_seq}"
            )
    return sorted(broken.values(), key=lambda b: b.instance_id)

"""The access epoch: whether what was read from the organisation still holds, per process.

A user's principals, the council tree and the blocks' names are read from the tables `unit`
(a unit's council, the council tree), `block`, `blockmembership` and `signing_delegation`.
Triggers on those four tables (migration 0109) raise `access_epoch.value` in the transaction
that changes them; the user's row loads that value with it (`User.access_epoch`, a scalar
subquery). So what was computed from those tables under an epoch still holds while the epoch
is the same: it was computed from data at least as new as the epoch it is kept under.

The epoch loaded with a user is current only in the transaction that loaded it (a session
keeps objects across commits) and only while that transaction has written nothing (its own
changes are not the epoch's yet, and may roll back): otherwise it is read again (one small
statement), or, after a write, nothing is kept. Writes are seen through the ORM (flushes, DML
through `Session.execute`); nothing writes those four tables on `session.connection()`
directly, and nothing must.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import ORMExecuteState, QueryContext, SessionTransaction
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import col

from wflow.org.models import AccessEpoch, User

KEPT = 8192  # entries kept per database, kind and epoch (the oldest go first)
_KEPT: weakref.WeakKeyDictionary[sa.Engine, dict[str, dict[int, dict[Hashable, Any]]]]
_KEPT = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
_EPOCH_TX = "wflow.epoch.tx"  # InstanceState.info: the transaction that loaded the user's epoch
_SESSION_EPOCH = "wflow.epoch.loaded"  # Session.info: (transaction, epoch) a user loaded
_WROTE = "wflow.epoch.wrote"  # Session.info: the last transaction that wrote
_EPOCH = sa.select(col(AccessEpoch.value)).where(col(AccessEpoch.id) == 1)
T = TypeVar("T")


def of_user(session: OrmSession, user: User) -> int:
    """Return the access epoch: as loaded with `user` in this transaction, else read."""
    state = sa.inspect(user)
    loaded_in = state.info.get(_EPOCH_TX)
    current = session.get_transaction()
    if current is not None and loaded_in is not None and loaded_in() is current:
        found = state.dict.get("access_epoch")
        if found is not None:
            return int(found)
    return int(session.connection().execute(_EPOCH).scalar() or 0)


def loaded(session: OrmSession) -> int | None:
    """Return the epoch a user loaded in this transaction carried, if any (no statement)."""
    held: tuple[weakref.ref[SessionTransaction], int] | None = session.info.get(_SESSION_EPOCH)
    current = session.get_transaction()
    if held is None or current is None or held[0]() is not current:
        return None
    return held[1]


def clean(session: OrmSession) -> bool:
    """Tell whether the session holds no change of its own in this transaction: nothing
    pending and nothing written, so what it reads is the database's, as of its epoch."""
    return not (session.new or session.dirty or session.deleted or wrote(session))


def wrote(session: OrmSession) -> bool:
    """Tell whether the session has written in its current transaction."""
    current = session.get_transaction()
    held: weakref.ref[SessionTransaction] | None = session.info.get(_WROTE)
    return current is not None and held is not None and held() is current


def kept(
    session: OrmSession, kind: str, key: Hashable, read: Callable[[], T], user: User | None = None
) -> T:
    """Return what `read` returns, kept per process under `kind` and `key` by the epoch: the
    one `user` loaded in this transaction, else read (one statement); without `user`, the one
    any user loaded in it, else nothing is kept. Read afresh, and not kept, while the session
    holds changes of its own; an answer of None is never kept."""
    if not clean(session):
        return read()
    at = of_user(session, user) if user is not None else loaded(session)
    if at is None:
        return read()
    found = _entries(session, kind, at)
    value: T | None = found.get(key)
    if value is None:
        value = read()
        if value is not None:
            _keep(session, found, key, value)
    return value


def _entries(session: OrmSession, kind: str, at: int) -> dict[Hashable, Any]:
    """Return this process's entries of `kind` kept under epoch `at` for the session's
    database; those of older epochs are let go (nobody reads under them any more)."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, sa.Engine) else bind.engine
    with _LOCK:
        epochs = _KEPT.setdefault(engine, {}).setdefault(kind, {})
        found = epochs.get(at)
        if found is None:
            found = epochs[at] = {}
            for older in [e for e in epochs if e < at]:
                del epochs[older]
        return found


def _keep(session: OrmSession, kept: dict[Hashable, Any], key: Hashable, value: Any) -> None:
    """Keep `value` under `key` unless the session wrote meanwhile (it would be its own)."""
    if wrote(session):
        return
    with _LOCK:
        if len(kept) >= KEPT:
            del kept[next(iter(kept))]  # the oldest
        kept[key] = value


def _mark_written(session: OrmSession) -> None:
    current = session.get_transaction()
    if current is not None:
        session.info[_WROTE] = weakref.ref(current)


def user_loaded(session: OrmSession, user: User) -> None:
    """Record that `user` was read, with the epoch their row carried, in this transaction
    (the ORM's load and refresh of a user do it; so must any other way of reading one)."""
    current = session.get_transaction()
    if current is not None:
        sa.inspect(user).info[_EPOCH_TX] = weakref.ref(current)
        value = sa.inspect(user).dict.get("access_epoch")
        if value is not None:
            session.info[_SESSION_EPOCH] = (weakref.ref(current), int(value))


@sa.event.listens_for(User, "load")
def _epoch_loaded(user: User, context: QueryContext) -> None:
    user_loaded(context.session, user)


@sa.event.listens_for(User, "refresh")
def _epoch_refreshed(user: User, context: QueryContext, attrs: Any) -> None:
    if attrs is None or "access_epoch" in attrs:
        _epoch_loaded(user, context)


@sa.event.listens_for(OrmSession, "after_flush")
def _flushed(session: OrmSession, _context: Any) -> None:
    _mark_written(session)


@sa.event.listens_for(OrmSession, "do_orm_execute")
def _executing(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _mark_written(state.session)

"""Who may do what: the one place that decides access to units and blocks.

Every view asks `may(...)` (or the web layer's `ensure(...)`); the workflow engine asks the
same facts through `principals(...)`.
"""

from __future__ import annotations

import threading
import weakref
from datetime import date
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import ORMExecuteState, QueryContext, SessionTransaction
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from wflow.clock import utcnow
from wflow.councils import service as councils
from wflow.org import signers
from wflow.org.models import AccessEpoch, BlockMembership, Position, Role, User

# Roles that look at every unit and block (the committee) without acting for them.
COMMITTEE_ROLES = frozenset({Role.SECRETARIAT.value, Role.COUNCIL_MEMBER.value, Role.ADMIN.value})


class Action(StrEnum):
    """What a user wants to do with a unit or block."""

    VIEW = "view"  # read its pages and documents
    ACT = "act"  # act on its behalf (unit: head or staff; block: the leading unit)
    ADMIN = "admin"  # change organisations and accounts


def current_year() -> int:
    """Return the emulation year of today."""
    return utcnow().year


def is_committee(user: User) -> bool:
    """Tell whether the user sees every block (secretariat, council, admin)."""
    return bool(COMMITTEE_ROLES & set(user.roles))


def oversees(session: Session, user: User, council_id: int | None) -> bool:
    """Tell whether `user` is on the committee of the council or of one above it (reads it)."""
    return (
        council_id is not None
        and is_committee(user)
        and council_id in councils.seen_by(session, user)
    )


def acts_in(session: Session, user: User, council_id: int | None) -> bool:
    """Tell whether `user` is on the committee of exactly this council (acts for it)."""
    return (
        council_id is not None
        and is_committee(user)
        and council_id == councils.of_user(session, user)
    )


def oversees_scope(session: Session, user: User, unit_id: int | None, block_id: int | None) -> bool:
    """Tell whether `user` is on the committee over what a block or unit's work belongs to."""
    return is_committee(user) and oversees(session, user, councils.of_scope(session, unit_id,
                                                                            block_id))  # fmt: skip


def may(
    session: Session,
    user: User | None,
    action: Action,
    *,
    unit_id: int | None = None,
    block_id: int | None = None,
    year: int | None = None,
) -> bool:
    """Decide whether `user` may do `action` on the unit or block (in `year`)."""
    if user is None or not user.is_active:
        return False
    if action is Action.ADMIN:
        return user.has_role(Role.ADMIN)
    if unit_id is not None:
        if action is Action.VIEW and oversees(session, user, councils.of_unit(session, unit_id)):
            return True
        return user.unit_id == unit_id and _acts_for_unit(user)
    if block_id is not None:
        if action is Action.VIEW:
            return oversees(session, user, councils.of_block(session, block_id)) or _member(
                session, user, block_id, year
            )
        return _acts_for_unit(user) and _leads(session, user, block_id, year or current_year())
    return False


def _acts_for_unit(user: User) -> bool:
    return user.unit_id is not None and (
        user.has_role(Role.UNIT_HEAD) or user.has_role(Role.UNIT_STAFF)
    )


def _member(session: Session, user: User, block_id: int, year: int | None) -> bool:
    if user.unit_id is None:
        return False
    query = select(BlockMembership.id).where(
        BlockMembership.block_id == block_id, BlockMembership.unit_id == user.unit_id
    )
    if year is not None:
        query = query.where(BlockMembership.year == year)
    return session.exec(query).first() is not None


def _leads(session: Session, user: User, block_id: int, year: int) -> bool:
    query = select(BlockMembership.id).where(
        BlockMembership.block_id == block_id,
        BlockMembership.unit_id == user.unit_id,
        BlockMembership.year == year,
        BlockMembership.position == Position.LEADER.value,
    )
    return session.exec(query).first() is not None


_SEATS_OF_UNIT = select(
    BlockMembership.block_id, BlockMembership.year, BlockMembership.position
).where(BlockMembership.unit_id == sa.bindparam("unit"))


def committee_principals(user: User, council_id: int) -> set[str]:
    """Return the principals a committee role gives in its council ("secretariat:3")."""
    out = {f"{role.value}:{council_id}" for role in (Role.SECRETARIAT, Role.ADMIN)
           if user.has_role(role)}  # fmt: skip
    if user.has_role(Role.COUNCIL_MEMBER):
        out |= {f"council:{council_id}", f"council:user:{user.id}"}
    return out


def principals(session: Session, user: User) -> frozenset[str]:
    """Return the principal strings the workflow engine matches roles against.

    Block principals carry the year ("block:3:2026:leader"), so last year's leader still
    closes last year's pact after the leadership rotates; the committee's carry its council
    ("secretariat:1"), so a council's secretariat never acts on another council's work.

    Kept per process and database, by the user's row and the access epoch (see `_key`): a
    user seen again sends no SQL for them until something they are read from changes.
    """
    if not user.is_active:
        return frozenset()
    key = _key(session, user)
    if key is None:
        return _principals(session, user)
    cache = _cache_of(session)
    found = cache.get(key)
    if found is None:
        found = _principals(session, user)
        if not _wrote(session):
            with _LOCK:
                if len(cache) >= CACHE_SIZE:
                    del cache[next(iter(cache))]  # the oldest: most likely of a past epoch
                cache[key] = found
    return found


def _principals(session: Session, user: User) -> frozenset[str]:
    """Compute the user's principals from the database (see `principals`)."""
    out: set[str] = set()
    if is_committee(user):  # the committee acts within its own council only
        out |= committee_principals(user, councils.of_user(session, user))
    if _acts_for_unit(user):
        unit = user.unit_id
        head = user.has_role(Role.UNIT_HEAD) or signers.delegation_of(session, user) is not None
        out.add(f"unit:{unit}:member")
        if head:
            out.add(f"unit:{unit}:head")
        if session.new or session.dirty:
            session.flush()  # as autoflush would: a membership added in this unit counts
        seats = session.connection().execute(_SEATS_OF_UNIT, {"unit": unit})
        for block_id, year, position in seats.all():
            out.add(f"block:{block_id}:{year}:member")
            if position == Position.LEADER.value:
                out.add(f"block:{block_id}:{year}:leader")
                if head:
                    out.add(f"block:{block_id}:{year}:leader_head")
    return frozenset(out)


# --- the per-process copy of principals ---------------------------------------------------
#
# `_principals` reads the user's row (id, roles, unit, active), today's date in the
# installation's zone (delegations are by day) and the tables `unit` (a unit's council, the
# council tree), `block`, `blockmembership` and `signing_delegation`. Triggers on those four
# tables (migration 0109) raise `access_epoch.value` in the transaction that changes them;
# the user's row loads that value with it (`User.access_epoch`, a scalar subquery). So
# (user, epoch, today) says whether principals computed earlier still hold; they were
# computed from data at least as new as the epoch they are kept under.
#
# The epoch loaded with the user is current only in the transaction that loaded it (a
# session keeps objects across commits) and only while that transaction has written nothing
# (its own changes are not the epoch's yet, and may roll back): otherwise it is read again
# (one small statement), or, after a write, the principals are computed and not kept.
# Writes are seen through the ORM (flushes, DML through `Session.execute`); nothing writes
# those four tables on `session.connection()` directly, and nothing must.

CACHE_SIZE = 8192  # principals kept per database (a few hundred bytes each)
_CACHES: weakref.WeakKeyDictionary[sa.Engine, dict[tuple[Any, ...], frozenset[str]]]
_CACHES = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
_EPOCH_TX = "wflow.access.epoch_tx"  # InstanceState.info: the transaction that loaded the epoch
_WROTE = "wflow.access.wrote"  # Session.info: the last transaction that wrote
_EPOCH = sa.select(col(AccessEpoch.value)).where(col(AccessEpoch.id) == 1)


def _key(session: Session, user: User) -> tuple[int, int, tuple[str, ...], int | None, date] | None:
    """Return what the user's principals depend on, None when they must be computed afresh
    (the session holds changes not flushed, or has written in this transaction)."""
    if user.id is None or session.new or session.dirty or session.deleted or _wrote(session):
        return None
    return (user.id, _epoch(session, user), tuple(user.roles), user.unit_id,
            signers.today(session))  # fmt: skip


def _epoch(session: Session, user: User) -> int:
    """Return the access epoch: as loaded with the user in this transaction, else read."""
    state = sa.inspect(user)
    loaded_in = state.info.get(_EPOCH_TX)
    current = session.get_transaction()
    if current is not None and loaded_in is not None and loaded_in() is current:
        found = state.dict.get("access_epoch")
        if found is not None:
            return int(found)
    return int(session.connection().execute(_EPOCH).scalar() or 0)


def _cache_of(session: Session) -> dict[tuple[Any, ...], frozenset[str]]:
    bind = session.get_bind()
    engine = bind if isinstance(bind, sa.Engine) else bind.engine
    found = _CACHES.get(engine)
    if found is None:
        with _LOCK:
            found = _CACHES.setdefault(engine, {})
    return found


def _wrote(session: OrmSession) -> bool:
    """Tell whether the session has written in its current transaction."""
    current = session.get_transaction()
    wrote: weakref.ref[SessionTransaction] | None = session.info.get(_WROTE)
    return current is not None and wrote is not None and wrote() is current


def _mark_written(session: OrmSession) -> None:
    current = session.get_transaction()
    if current is not None:
        session.info[_WROTE] = weakref.ref(current)


@sa.event.listens_for(User, "load")
def _epoch_loaded(user: User, context: QueryContext) -> None:
    current = context.session.get_transaction()
    if current is not None:
        sa.inspect(user).info[_EPOCH_TX] = weakref.ref(current)


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

"""Who may do what: the one place that decides access to units and blocks.

Every view asks `may(...)` (or the web layer's `ensure(...)`); the workflow engine asks the
same facts through `principals(...)`.
"""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, select

from wflow.clock import utcnow
from wflow.councils import service as councils
from wflow.org import epoch, signers
from wflow.org.models import BlockMembership, Position, Role, User

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
    return any(b == block_id and year in (None, y) for b, y, _p in unit_seats(session, user))


def _leads(session: Session, user: User, block_id: int, year: int) -> bool:
    return (block_id, year, Position.LEADER.value) in unit_seats(session, user)


_SEATS_OF_UNIT = select(
    BlockMembership.block_id, BlockMembership.year, BlockMembership.position
).where(BlockMembership.unit_id == sa.bindparam("unit"))


_SEATS = "unit seats"  # their kind among what is kept per process under the access epoch


def unit_seats(session: Session, user: User) -> frozenset[tuple[int, int, str]]:
    """Return the block seats (block, year, position) of the unit `user` belongs to, kept per
    process under the access epoch (`wflow.org.epoch`): a list that checks them for each of
    its rows sends no statement for them."""

    def read() -> frozenset[tuple[int, int, str]]:
        if session.new or session.dirty:
            session.flush()  # as autoflush would: a membership added in this unit counts
        found = session.connection().execute(_SEATS_OF_UNIT, {"unit": user.unit_id}).all()
        return frozenset((int(b), int(y), str(p)) for b, y, p in found)

    if user.id is None:
        return read()
    return epoch.kept(session, _SEATS, user.unit_id, read, user)


def committee_principals(user: User, council_id: int) -> set[str]:
    """Return the principals a committee role gives in its council ("secretariat:3")."""
    out = {f"{role.value}:{council_id}" for role in (Role.SECRETARIAT, Role.ADMIN)
           if user.has_role(role)}  # fmt: skip
    if user.has_role(Role.COUNCIL_MEMBER):
        out |= {f"council:{council_id}", f"council:user:{user.id}"}
    return out


# --- the per-process copy of principals ---------------------------------------------------
#
# `_principals` reads the user's row (id, roles, unit, active), today's date in the
# installation's zone (delegations are by day) and the tables the access epoch watches
# (`wflow.org.epoch`): (user, roles, unit, today) under the epoch says whether principals
# computed earlier still hold.

_PRINCIPALS = "principals"  # their kind among what is kept per process


def principals(session: Session, user: User) -> frozenset[str]:
    """Return the principal strings the workflow engine matches roles against.

    Block principals carry the year ("block:3:2026:leader"), so last year's leader still
    closes last year's pact after the leadership rotates; the committee's carry its council
    ("secretariat:1"), so a council's secretariat never acts on another council's work.

    Kept per process and database, by the user's row and the access epoch
    (`wflow.org.epoch`): a user seen again sends no SQL for them until something they are
    read from changes.
    """
    if not user.is_active:
        return frozenset()
    if user.id is None:
        return _principals(session, user)
    key = (user.id, tuple(user.roles), user.unit_id, signers.today(session))
    return epoch.kept(session, _PRINCIPALS, key, lambda: _principals(session, user), user)


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
        for block_id, year, position in unit_seats(session, user):
            out.add(f"block:{block_id}:{year}:member")
            if position == Position.LEADER.value:
                out.add(f"block:{block_id}:{year}:leader")
                if head:
                    out.add(f"block:{block_id}:{year}:leader_head")
    return frozenset(out)

"""Who signs for a unit: its head, or a colleague the head delegated signing to for a period.

Decree 30/2020/NĐ-CP, art. 8: a deputy signs "KT." (ký thay) for the head; someone the head
authorised in writing for a limited time signs "TUQ." (thừa ủy quyền); the chief of office
signs "TL." (thừa lệnh) the documents the head orders them to. During the period the
delegate acts as the head — the head's tasks reach them and they sign the unit's documents with
the unit's key, after proving who they are — and every signature says in which capacity.
Delegations are never deleted: a revoked one keeps who revoked it and when.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from wflow.clock import utcnow
from wflow.core import installation
from wflow.core.errors import Conflict, Forbidden, NotFound, ServiceError
from wflow.core.uow import transactional
from wflow.org.models import Capacity, Role, SigningDelegation, User
from wflow.org.service import clean_text
from wflow.people.models import Person

log = logging.getLogger(__name__)

MAX_DAYS = 366  # a delegation is limited in time (Decree 30, art. 8(4)): a year at most
HEAD_TITLE = "Thủ trưởng"  # when the head's position is not in the unit's directory
CAPACITY_WORDS = {
    Capacity.FOR_HEAD.value: _l("KT. — signs for the head (a deputy)"),
    Capacity.BY_DELEGATION.value: _l("TUQ. — signs by the head's written delegation"),
    Capacity.BY_ORDER.value: _l("TL. — signs by the head's order (the chief of office)"),
}


def heads_of(session: Session, unit_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """Return each unit's head as (position, full name): the first active head account, named
    and titled by the person it is linked to in the unit's directory (else its display name)."""
    query = (
        select(User, Person)
        .outerjoin(Person, col(Person.user_id) == User.id)
        .where(col(User.unit_id).in_(unit_ids), col(User.active).is_(True))
        .order_by(col(User.id))
    )
    found: dict[int, tuple[str, str]] = {}
    for user, person in session.exec(query).all():
        if user.unit_id is None or user.unit_id in found or not user.has_role(Role.UNIT_HEAD):
            continue
        linked = person if person is not None and person.active else None
        found[user.unit_id] = (
            linked.position if linked else "",
            linked.full_name if linked else user.display_name,
        )
    return found


def person_of(session: Session, user: User) -> tuple[str, str]:
    """Return the user's (position, full name): from the person their account is linked to in
    the unit's directory, else ("", the account's display name)."""
    query = select(Person).where(Person.user_id == user.id, col(Person.active).is_(True))
    person = session.exec(query).first()
    return (person.position, person.full_name) if person else ("", user.display_name)


def today(session: OrmSession) -> date:
    """Return today's date in the installation's time zone."""
    return installation.local_date(session, utcnow())


def _in_force(day: date | sa.BindParameter[date]) -> tuple[sa.ColumnElement[bool], ...]:
    """Return the conditions of a delegation in force on `day` (not revoked, within its dates)."""
    return (
        col(SigningDelegation.revoked_at).is_(None),
        col(SigningDelegation.starts_on) <= day,
        col(SigningDelegation.ends_on) >= day,
    )


def delegation_of(session: Session, user: User) -> SigningDelegation | None:
    """Return the delegation the user signs under today for their own unit, if any."""
    if user.unit_id is None or not user.is_active or user.has_role(Role.UNIT_HEAD):
        return None
    query = select(SigningDelegation).where(
        SigningDelegation.delegate_user_id == user.id,
        SigningDelegation.unit_id == user.unit_id,
        *_in_force(today(session)),
    )
    return session.exec(query.order_by(col(SigningDelegation.id).desc())).first()


def delegates_today(session: OrmSession, unit_ids: Sequence[int]) -> set[int]:
    """Return the users who sign for one of the units today by a delegation."""
    if not unit_ids:
        return set()
    found = session.connection().execute(_DELEGATES, {"units": list(unit_ids),
                                                      "day": today(session)})  # fmt: skip
    return set(found.scalars().all())


# built once: every notification of new work asks it
_DELEGATES = sa.select(col(SigningDelegation.delegate_user_id)).where(
    col(SigningDelegation.unit_id).in_(sa.bindparam("units", expanding=True)),
    *_in_force(sa.bindparam("day", type_=sa.Date)),
)


def signs_for(session: Session, user: User, unit_id: int | None) -> bool:
    """Tell whether the user signs for the unit today: its head, or its head's delegate."""
    if is_head_of(user, unit_id):
        return True
    return (
        unit_id is not None and user.unit_id == unit_id and delegation_of(session, user) is not None
    )


def capacity_line(session: Session, user: User) -> str:
    """Return the capacity a delegate signs in ("KT. BÍ THƯ TỈNH ĐOÀN"), "" for the head."""
    found = delegation_of(session, user)
    if found is None:
        return ""
    title = heads_of(session, [found.unit_id]).get(found.unit_id, ("", ""))[0] or HEAD_TITLE
    return f"{found.capacity}. {title}".upper()


def of_unit(session: Session, unit_id: int) -> list[SigningDelegation]:
    """Return the unit's delegations, newest first (revoked and past ones included)."""
    query = select(SigningDelegation).where(SigningDelegation.unit_id == unit_id)
    return list(session.exec(query.order_by(col(SigningDelegation.id).desc())).all())


def is_head_of(user: User, unit_id: int | None) -> bool:
    """Tell whether the user is an active head of the unit (in their own right)."""
    own = unit_id is not None and user.unit_id == unit_id
    return own and user.is_active and user.has_role(Role.UNIT_HEAD)


def _head_of_unit(user: User) -> int:
    if user.unit_id is None or not is_head_of(user, user.unit_id):
        raise Forbidden(_l("Only the head of the unit may delegate signing."))
    return user.unit_id


@transactional
def grant(
    session: Session,
    *,
    head: User,
    delegate_id: int | None,
    capacity: str,
    starts_on: date | None,
    ends_on: date | None,
    reason: str,
) -> SigningDelegation:
    """Delegate signing for the head's unit to a colleague from `starts_on` to `ends_on`."""
    unit_id = _head_of_unit(head)
    delegate = session.get(User, delegate_id) if delegate_id else None
    if delegate is None or delegate.unit_id != unit_id or not delegate.is_active:
        raise ServiceError(_l("Choose an active colleague of your unit."), "delegate_id")
    if delegate.id == head.id or delegate.has_role(Role.UNIT_HEAD):
        raise ServiceError(_l("A head signs in their own right: choose a colleague who is not "
                              "a head."), "delegate_id")  # fmt: skip
    if capacity not in CAPACITY_WORDS:
        raise ServiceError(_l("Choose KT., TUQ. or TL."), "capacity")
    text = clean_text(reason, "reason", max_len=500)
    if starts_on is None or starts_on < today(session):
        raise ServiceError(_l("The delegation starts today or later."), "starts_on")
    if ends_on is None or ends_on < starts_on:
        raise ServiceError(_l("The delegation ends on or after its first day."), "ends_on")
    if ends_on - starts_on >= timedelta(days=MAX_DAYS):
        raise ServiceError(_l("A delegation lasts a year at most."), "ends_on")
    overlap = select(SigningDelegation.id).where(
        SigningDelegation.unit_id == unit_id,
        SigningDelegation.delegate_user_id == delegate.id,
        col(SigningDelegation.revoked_at).is_(None),
        col(SigningDelegation.starts_on) <= ends_on,
        col(SigningDelegation.ends_on) >= starts_on,
    )
    if session.exec(overlap).first() is not None:
        raise Conflict(_l("This colleague already holds a delegation for part of this period."))
    row = SigningDelegation(unit_id=unit_id, grantor_user_id=head.id or 0,
                            delegate_user_id=delegate.id or 0, capacity=capacity,
                            starts_on=starts_on, ends_on=ends_on, reason=text)  # fmt: skip
    session.add(row)
    session.flush()
    log.info("%s delegated signing for unit %s to %s (%s, %s to %s): %s", head.login, unit_id,
             delegate.login, capacity, starts_on, ends_on, text)  # fmt: skip
    return row


@transactional
def revoke(session: Session, *, head: User, delegation_id: int) -> SigningDelegation:
    """End a delegation now; it stays on record, with who revoked it and when."""
    unit_id = _head_of_unit(head)
    row = session.get(SigningDelegation, delegation_id)
    if row is None or row.unit_id != unit_id:
        raise NotFound(_l("No such delegation in your unit."))
    if row.revoked_at is not None:
        raise Conflict(_l("This delegation is already revoked."))
    row.revoked_at, row.revoked_by_user_id = utcnow(), head.id
    session.add(row)
    session.flush()
    log.info("%s revoked signing delegation %s", head.login, row.id)
    return row

"""Registration (đăng ký thi đua): each member unit registers its targets against the plan.

A unit that has not registered for a year is not eligible for that year's awards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.clock import utcnow
from wflow.core import formats, installation
from wflow.core.access import Action, may
from wflow.core.errors import Conflict, Forbidden, ServiceError
from wflow.core.uow import transactional
from wflow.org.models import BlockMembership, Position, Unit, User
from wflow.org.service import clean_text
from wflow.plans.models import Criterion, Plan, Registration, RegistrationTarget
from wflow.plans.text import clean_points

_ORDER = {Position.LEADER.value: 0, Position.DEPUTY.value: 1, Position.MEMBER.value: 2}


@dataclass(frozen=True)
class TargetInput:
    """A unit's target for one criterion: what it commits to, the points it aims at."""

    criterion_id: int
    target: str
    points: Any = None


def deadline_for(plan: Plan, year: int) -> date | None:
    """Return the registration deadline of `year` (the plan's date, on that year for later ones)."""
    first = plan.registration_deadline
    if first is None or plan.published_at is None:
        return None
    if year == plan.year:
        return first
    day = 28 if first.month == 2 and first.day == 29 else first.day
    return date(year, first.month, day)


def _unit_of(session: Session, user: User, plan: Plan, year: int) -> int:
    acts = may(session, user, Action.ACT, unit_id=user.unit_id) if user.unit_id else False
    member = (
        acts
        and session.exec(
            select(BlockMembership.id).where(
                BlockMembership.block_id == plan.block_id,
                BlockMembership.year == year,
                BlockMembership.unit_id == user.unit_id,
            )
        ).first()
        is not None
    )
    if not member:
        raise Forbidden(_l("Only the block's member units of that year register."))
    return int(user.unit_id or 0)


@transactional
def register_targets(
    session: Session,
    *,
    user: User,
    plan: Plan,
    year: int,
    targets: list[TargetInput],
    note: str = "",
) -> Registration:
    """Register (or change before the deadline) the unit's target for every criterion."""
    if not plan.year <= year <= plan.year_end:
        raise ServiceError(_l("Choose a year of the plan's period."), "year")
    unit_id = _unit_of(session, user, plan, year)
    deadline = deadline_for(plan, year)
    if deadline is None:
        raise Conflict(_l("Registration opens when the plan is published."))
    if installation.local_date(session, utcnow()) > deadline:  # it ends at local midnight
        day = formats.format_date(deadline, user.locale, installation.zone(session))
        raise Conflict(_l("The registration deadline (%(day)s) has passed.", day=day))
    criteria = {
        c.id: c for c in session.exec(select(Criterion).where(Criterion.plan_id == plan.id))
    }
    given: dict[int, tuple[str, Decimal | None]] = {}
    for t in targets:
        crit = criteria.get(t.criterion_id)
        if crit is None:
            raise ServiceError(
                _l("Criterion %(id)s is not part of this plan.", id=t.criterion_id), "targets"
            )
        text = clean_text(t.target, f"target-{crit.id}", max_len=1000, required=False)
        points = None
        if t.points not in (None, ""):
            points = clean_points(t.points, f"points-{crit.id}")
            if points > crit.max_points:
                raise ServiceError(
                    _l(
                        "%(code)s: at most %(max)s points.",
                        code=crit.code,
                        max=f"{Decimal(crit.max_points).normalize():f}",
                    ),
                    f"points-{crit.id}",
                )
        if text:
            given[crit.id or 0] = (text, points)
    missing = [c.code for c in criteria.values() if c.id not in given]
    if missing:
        raise ServiceError(
            _l("Give a target for every criterion; missing: %(codes)s.", codes=", ".join(missing)),
            "targets",
        )
    reg = session.exec(
        select(Registration).where(
            Registration.plan_id == plan.id,
            Registration.unit_id == unit_id,
            Registration.year == year,
        )
    ).first()
    now = utcnow()
    if reg is None:
        reg = Registration(plan_id=plan.id or 0, unit_id=unit_id, year=year, registered_at=now)
    reg.note = clean_text(note, "note", max_len=2000, required=False)
    reg.registered_by_user_id, reg.updated_at = user.id, now
    session.add(reg)
    session.flush()
    old = {
        t.criterion_id: t
        for t in session.exec(
            select(RegistrationTarget).where(RegistrationTarget.registration_id == reg.id)
        )
    }
    for cid, (text, points) in given.items():
        row = old.get(cid) or RegistrationTarget(
            registration_id=reg.id or 0, criterion_id=cid, target=""
        )
        row.target, row.points = text, points
        session.add(row)
    return reg


def targets_of(session: Session, registration_id: int) -> dict[int, RegistrationTarget]:
    """Return a registration's targets by criterion id."""
    query = select(RegistrationTarget).where(RegistrationTarget.registration_id == registration_id)
    return {t.criterion_id: t for t in session.exec(query)}


def registration_of(session: Session, plan: Plan, unit_id: int, year: int) -> Registration | None:
    """Return the unit's registration for the plan's year, if any."""
    return session.exec(
        select(Registration).where(
            Registration.plan_id == plan.id,
            Registration.unit_id == unit_id,
            Registration.year == year,
        )
    ).first()


@dataclass(frozen=True)
class RegistrationStatus:
    """A member unit of the block in a year, and its registration (None: not registered)."""

    unit: Unit
    position: str
    registration: Registration | None


def registration_status(session: Session, plan: Plan, year: int) -> list[RegistrationStatus]:
    """Return every member unit of the block in `year` with its registration, leader first."""
    rows = session.exec(
        select(Unit, BlockMembership.position)
        .join(BlockMembership, col(BlockMembership.unit_id) == Unit.id)
        .where(BlockMembership.block_id == plan.block_id, BlockMembership.year == year)
    ).all()
    regs = {
        r.unit_id: r
        for r in session.exec(
            select(Registration).where(Registration.plan_id == plan.id, Registration.year == year)
        )
    }
    out = [RegistrationStatus(u, p, regs.get(u.id or 0)) for u, p in rows]
    return sorted(out, key=lambda s: (_ORDER.get(s.position, 3), s.unit.name))


def is_eligible(session: Session, unit_id: int, block_id: int, year: int) -> bool:
    """Tell whether the unit registered its `year` targets against the block's published plan."""
    return unit_id in eligible_units(session, block_id, year)


def eligible_units(session: Session, block_id: int, year: int) -> frozenset[int]:
    """Return the block's member units in `year` that registered their targets against its
    published plan covering the year (one query)."""
    query = (
        select(Registration.unit_id)
        .join(Plan, col(Plan.id) == Registration.plan_id)
        .join(BlockMembership, sa.and_(col(BlockMembership.unit_id) == Registration.unit_id,
                                       col(BlockMembership.block_id) == block_id,
                                       col(BlockMembership.year) == year))
        .where(Registration.year == year, Plan.block_id == block_id,
               col(Plan.published_at).is_not(None), col(Plan.year) <= year,
               col(Plan.year_end) >= year)
    )  # fmt: skip
    return frozenset(session.exec(query).all())


def counts(statuses: list[RegistrationStatus]) -> Mapping[str, int]:
    """Return how many units registered and how many have not."""
    done = sum(1 for s in statuses if s.registration is not None)
    return {"registered": done, "missing": len(statuses) - done}

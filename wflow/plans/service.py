"""Verbs on a block's plan: draft it, set its criteria, consult the members, move it on.

The leading unit of the plan's first year (its head or staff) drafts and edits; member units
comment during the consultation; the workflow (`workflows/plan.yaml`) moves it through
consultation, revision, approval and publication.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.clock import utcnow
from wflow.core import subjects
from wflow.core.access import Action, may
from wflow.core.errors import Conflict, Forbidden, ServiceError
from wflow.core.uow import transactional
from wflow.engine import Engine, FireResult
from wflow.org.models import BlockMembership, Unit, User
from wflow.org.service import clean_text
from wflow.plans.criteria import (
    CriteriaErrors,
    GroupInput,
    balance_problems,
    snapshot_criteria,
    store,
)
from wflow.plans.models import Plan, PlanRevision
from wflow.plans.text import clean_contents, clean_period, clean_rules, clean_scale, default_rules

WORKFLOW = "plan"
SECTIONS = ("title", "legal_bases", "purposes", "contents", "rules", "criterion")
SECTION_LABELS = {
    "title": _l("Title"),
    "legal_bases": _l("Legal bases"),
    "purposes": _l("Purposes and requirements"),
    "contents": _l("Contents by area"),
    "rules": _l("The block's rules"),
    "criterion": _l("Criterion"),
}


def is_leader(session: Session, user: User, plan: Plan) -> bool:
    """Tell whether `user` acts for the unit leading the plan's block in its first year."""
    return may(session, user, Action.ACT, block_id=plan.block_id, year=plan.year)


def _ensure_leader(session: Session, user: User, plan: Plan) -> None:
    if not is_leader(session, user, plan):
        raise Forbidden(_l("Only the block's leading unit may do this."))


def _ensure_editable(session: Session, plan: Plan) -> None:
    if not subjects.has_tag(session, plan, "editable"):
        raise Conflict(_l("The plan can be edited only as a draft, in revision or when returned."))


# --- drafting ----------------------------------------------------------------------------


@transactional
def create_plan(
    session: Session,
    engine: Engine,
    *,
    user: User,
    block_id: int,
    year: int,
    year_end: int | None = None,
    title: str,
    legal_bases: str = "",
    purposes: str = "",
    contents: Iterable[Mapping[str, Any]] = (),
    scale: int = 100,
    rules: Mapping[str, Any] | None = None,
    registration_deadline: date | None = None,
) -> Plan:
    """Draft a plan for the block's period and start its workflow; the leader only."""
    first, last = clean_period(year, year_end)
    plan = Plan(
        block_id=block_id,
        year=first,
        year_end=last,
        title=clean_text(title, "title", max_len=300),
        legal_bases=clean_text(legal_bases, "legal_bases", max_len=20_000, required=False),
        purposes=clean_text(purposes, "purposes", max_len=20_000, required=False),
        contents=clean_contents(contents),
        scale=clean_scale(scale),
        rules=clean_rules(rules) if rules is not None else default_rules(),
        registration_deadline=_deadline(registration_deadline, last),
        created_by_user_id=user.id,
    )
    _ensure_leader(session, user, plan)
    _no_overlap(session, plan)
    session.add(plan)
    session.flush()
    subjects.start(session, engine, plan, user)
    session.add(plan)
    return plan


def _deadline(value: date | None, last_year: int) -> date | None:
    if value is not None and not 2000 <= value.year <= last_year:
        raise ServiceError(
            _l("The registration deadline falls within the plan's period."), "registration_deadline"
        )
    return value


def _no_overlap(session: Session, plan: Plan) -> None:
    query = select(Plan).where(
        Plan.block_id == plan.block_id,
        col(Plan.year) <= plan.year_end,
        col(Plan.year_end) >= plan.year,
    )
    if plan.id is not None:
        query = query.where(Plan.id != plan.id)
    others = list(session.exec(query).all())
    states = subjects.states(session, others)
    dropped = subjects.tagged(session, WORKFLOW, "dropped")
    for other in others:
        if states.get(other.id or 0) not in dropped:
            raise Conflict(
                _l("The block already has a plan for %(period)s.", period=other.period), "year"
            )


@transactional
def update_plan_text(
    session: Session,
    *,
    user: User,
    plan: Plan,
    title: str,
    year_end: int | None,
    legal_bases: str,
    purposes: str,
    contents: Iterable[Mapping[str, Any]],
    scale: int,
    rules: Mapping[str, Any],
    registration_deadline: date | None,
) -> Plan:
    """Change the plan's text, period end, scale and rules (all or nothing); the leader only."""
    _ensure_leader(session, user, plan)
    _ensure_editable(session, plan)
    _first, last = clean_period(plan.year, year_end)
    values = {
        "title": clean_text(title, "title", max_len=300),
        "legal_bases": clean_text(legal_bases, "legal_bases", max_len=20_000, required=False),
        "purposes": clean_text(purposes, "purposes", max_len=20_000, required=False),
        "contents": clean_contents(contents),
        "scale": clean_scale(scale),
        "rules": clean_rules(rules),
        "year_end": last,
        "registration_deadline": _deadline(registration_deadline, last),
    }
    if last != plan.year_end:
        probe = Plan(id=plan.id, block_id=plan.block_id, year=plan.year, year_end=last, title="")
        _no_overlap(session, probe)
    for key, value in values.items():
        setattr(plan, key, value)
    plan.updated_at = utcnow()
    session.add(plan)
    return plan


@transactional
def set_criteria(session: Session, *, user: User, plan: Plan, groups: Sequence[GroupInput]) -> None:
    """Replace the criteria table; its maxima must add up (each group, and to the scale)."""
    _ensure_leader(session, user, plan)
    _ensure_editable(session, plan)
    problems = balance_problems(groups, plan.scale)
    if problems:
        raise CriteriaErrors(problems)
    store(session, plan, groups)
    plan.updated_at = utcnow()
    session.add(plan)


def snapshot(session: Session, plan: Plan) -> dict[str, Any]:
    """Return the plan's text, rules and criteria as plain JSON (what a revision keeps)."""
    return {
        "title": plan.title,
        "period": plan.period,
        "legal_bases": plan.legal_bases,
        "purposes": plan.purposes,
        "contents": list(plan.contents),
        "rules": dict(plan.rules),
        "scale": plan.scale,
        "groups": snapshot_criteria(session, plan.id or 0),
    }


# --- the workflow ------------------------------------------------------------------------


def open_consultation(
    session: Session, engine: Engine, *, user: User, plan: Plan, until: date
) -> FireResult:
    """Put the plan to the member units for comments until the end of `until`."""
    return subjects.fire(
        session,
        engine,
        user=user,
        subject=plan,
        trigger="open_consultation",
        data={"consultation_until": until.isoformat()},
    )


# --- consultation ------------------------------------------------------------------------


def member_unit_of(session: Session, user: User, plan: Plan) -> int | None:
    """Return the unit `user` acts for when it is a member of the plan's block that year."""
    acts = may(session, user, Action.ACT, unit_id=user.unit_id) if user.unit_id else False
    if not acts:
        return None
    member = session.exec(
        select(BlockMembership.id).where(
            BlockMembership.block_id == plan.block_id,
            BlockMembership.year == plan.year,
            BlockMembership.unit_id == user.unit_id,
        )
    ).first()
    return None if member is None else user.unit_id


def _member_unit(session: Session, user: User, plan: Plan) -> int:
    unit_id = member_unit_of(session, user, plan)
    if unit_id is None:
        raise Forbidden(_l("Only the block's member units may do this."))
    return unit_id


# --- reading -----------------------------------------------------------------------------


def revisions_of(session: Session, plan_id: int) -> list[PlanRevision]:
    """Return the kept revisions of a plan, oldest first."""
    query = select(PlanRevision).where(PlanRevision.plan_id == plan_id)
    return list(session.exec(query.order_by(col(PlanRevision.number))).all())


def plans_of_block(session: Session, block_id: int) -> list[Plan]:
    """Return the block's plans, newest period first."""
    query = select(Plan).where(Plan.block_id == block_id)
    return list(session.exec(query.order_by(col(Plan.year).desc(), col(Plan.id).desc())).all())


def leader_unit(session: Session, plan: Plan) -> Unit | None:
    """Return the unit leading the plan's block in its first year (who signs the plan)."""
    query = (
        select(Unit)
        .join(BlockMembership, col(BlockMembership.unit_id) == Unit.id)
        .where(
            BlockMembership.block_id == plan.block_id,
            BlockMembership.year == plan.year,
            BlockMembership.position == "leader",
        )
    )
    return session.exec(query).first()

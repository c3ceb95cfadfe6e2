"""The plan as a workflow subject: its scope, who sees it, its words and page."""

from __future__ import annotations

from sqlmodel import Session

from wflow.core.access import Action, may
from wflow.core.subjects import SubjectKind, register
from wflow.engine import Scope
from wflow.org.models import User
from wflow.plans.models import Plan


def scope(plan: Plan) -> Scope:
    """Return the plan's workflow scope: its block and first year."""
    return Scope("plan", plan.id or 0, block_id=plan.block_id, year=plan.year)


def may_view(session: Session, user: User, plan: Plan) -> bool:
    """Tell whether `user` sees the plan: its block in a year of its period, or the committee."""
    years = range(plan.year, plan.year_end + 1)
    return any(may(session, user, Action.VIEW, block_id=plan.block_id, year=y) for y in years)


PLAN = register(SubjectKind(
    name="plan", model=Plan, workflow="plan", scope=scope, may_view=may_view,
    title=lambda _session, plan: plan.title, endpoint="plan.show",
))  # fmt: skip

"""The guards and effects `workflows/plan.yaml` names, registered on the engine's registry."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, select

from wflow.engine import FireContext, Registry
from wflow.plans.criteria import as_inputs, balance_problems
from wflow.plans.models import Plan, PlanRevision

MAX_CONSULTATION_DAYS = 90


def _plan(ctx: FireContext) -> Plan:
    session: Session = ctx.session  # type: ignore[assignment]
    plan = session.get(Plan, ctx.scope.subject_id)
    if plan is None:
        raise LookupError(f"plan {ctx.scope.subject_id} of instance {ctx.instance_id} is missing")
    return plan


def criteria_balanced(ctx: FireContext) -> bool | str:
    """Pass when the criteria maxima add up to each group's max and the groups to the scale."""
    plan = _plan(ctx)
    problems = balance_problems(as_inputs(ctx.session, plan.id or 0), plan.scale)  # type: ignore[arg-type]
    return True if not problems else " ".join(problems)


def consultation_date_ahead(ctx: FireContext) -> bool | str:
    """Pass when the consultation's closing date is a date after today, within 90 days."""
    raw = str(ctx.data.get("consultation_until", "")).strip()
    try:
        until = date.fromisoformat(raw[:10])
    except ValueError:
        return str(_l("Give the closing date of the consultation as YYYY-MM-DD."))
    today = ctx.now.date()
    if not today < until <= today + timedelta(days=MAX_CONSULTATION_DAYS):
        return str(
            _l(
                "The consultation closes after today and within %(n)d days.",
                n=MAX_CONSULTATION_DAYS,
            )
        )
    return True


def keep_plan_revision(ctx: FireContext) -> None:
    """Keep a frozen snapshot of the plan's text and criteria as its next revision."""
    from wflow.plans.service import snapshot  # the plan service imports the workflow service

    session: Session = ctx.session  # type: ignore[assignment]
    plan = _plan(ctx)
    last = session.exec(
        select(func.max(PlanRevision.number)).where(PlanRevision.plan_id == plan.id)
    ).one()
    session.add(
        PlanRevision(
            plan_id=plan.id or 0,
            number=(last or 0) + 1,
            trigger=ctx.transition.trigger if ctx.transition else "",
            snapshot=snapshot(session, plan),
            created_by_user_id=ctx.actor.user_id,
            created_at=ctx.now,
        )
    )
    session.flush()


def mark_plan_published(ctx: FireContext) -> None:
    """Date the publication and open the registration (deadline from the block's rules)."""
    session: Session = ctx.session  # type: ignore[assignment]
    plan = _plan(ctx)
    plan.published_at = ctx.now
    if plan.registration_deadline is None:
        days = int(plan.rules.get("registration_days", 30))
        plan.registration_deadline = ctx.now.date() + timedelta(days=days)
    session.add(plan)
    session.flush()


def register(reg: Registry) -> None:
    """Register the plan workflow's guards and effects."""
    reg.guard("criteria_balanced")(criteria_balanced)
    reg.guard("consultation_date_ahead")(consultation_date_ahead)
    reg.effect("keep_plan_revision")(keep_plan_revision)
    reg.effect("mark_plan_published")(mark_plan_published)

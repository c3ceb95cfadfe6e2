"""The guards and effects `workflows/pact.yaml` names, registered on the engine's registry."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from wflow.core import formats, installation
from wflow.core.registry import block_members
from wflow.engine import FireContext, Participant, Registry
from wflow.pacts.documents import render_pact_pdf
from wflow.pacts.evidence import issue_evidence
from wflow.pacts.models import Pact
from wflow.pacts.service import ROUND
from wflow.plans.models import Plan

MAX_SIGNING_DAYS = 90


def _pact(ctx: FireContext) -> Pact:
    session: Session = ctx.session  # type: ignore[assignment]
    pact = session.get(Pact, ctx.scope.subject_id)
    if pact is None:
        raise LookupError(f"pact {ctx.scope.subject_id} of instance {ctx.instance_id} is missing")
    return pact


def signing_date_ahead(ctx: FireContext) -> bool | str:
    """Pass when signing closes after now and within 90 days (a date: at its local end)."""
    raw = str(ctx.data.get("signing_until", "")).strip()
    try:
        until = datetime.fromisoformat(raw)
    except ValueError:
        return str(_l("Give the signing deadline as YYYY-MM-DD."))
    if len(raw) == len("2026-12-31"):  # a date names its whole local day
        session: Session = ctx.session  # type: ignore[assignment]
        until = formats.local_end_of_day(until.date(), installation.zone(session))
    if until.tzinfo is not None or not ctx.now < until <= ctx.now + timedelta(
        days=MAX_SIGNING_DAYS
    ):
        return str(_l("Signing closes after today and within %(n)d days.", n=MAX_SIGNING_DAYS))
    return True


def render_pact(ctx: FireContext) -> None:
    """Render the pact's PDF with an empty signature field per member unit and store it."""

    session: Session = ctx.session  # type: ignore[assignment]
    pact = _pact(ctx)
    pdf = render_pact_pdf(session, pact, installation.local_date(session, ctx.now))
    ROUND.make_current(session, pact, ROUND.store(session, pact, pdf, user_id=ctx.actor.user_id))


def seal_pact(ctx: FireContext) -> None:
    """Date the entry into force and issue the signed certificate of completion."""

    session: Session = ctx.session  # type: ignore[assignment]
    pact = _pact(ctx)
    pact.in_force_at = pact.updated_at = ctx.now
    session.add(pact)
    session.flush()
    issue_evidence(session, pact, ctx.now)


def signatories(ctx: FireContext) -> list[Participant]:
    """Return the heads of the block's units, staged by the plan's rule `signing_order`."""

    session: Session = ctx.session  # type: ignore[assignment]
    plan = session.get(Plan, _pact(ctx).plan_id)
    order = str((plan.rules if plan else {}).get("signing_order", "parallel"))
    return block_members(ctx, "head", order)


def register(reg: Registry) -> None:
    """Register the pact workflow's resolver, guards and effects."""
    reg.resolver("pact_signatories")(signatories)
    reg.guard("signing_date_ahead")(signing_date_ahead)
    reg.guard("signed_document")(ROUND.signed_revision)
    reg.effect("render_pact")(render_pact)
    reg.effect("seal_pact")(seal_pact)

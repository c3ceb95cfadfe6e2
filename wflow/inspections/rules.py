"""The guards `workflows/inspection.yaml` names."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from wflow.engine import FireContext, Registry
from wflow.inspections.models import Inspection, Recommendation, RecommendationState


def _row(ctx: FireContext) -> tuple[Session, Inspection]:
    session: Session = ctx.session  # type: ignore[assignment]
    row = session.get(Inspection, ctx.scope.subject_id)
    if row is None:
        raise LookupError(f"inspection {ctx.scope.subject_id} of instance {ctx.instance_id} lost")
    return session, row


def findings_given(ctx: FireContext) -> bool | str:
    """Pass when the inspection's findings are written down."""
    _session, row = _row(ctx)
    if not row.findings.strip():
        return str(_l("Write the inspection's findings first."))
    return True


def recommendations_closed(ctx: FireContext) -> bool | str:
    """Pass when every recommendation of the inspection is closed."""
    session, row = _row(ctx)
    query = select(Recommendation.id).where(
        Recommendation.inspection_id == row.id,
        Recommendation.state != RecommendationState.CLOSED.value,
    )
    if session.exec(query).first() is not None:
        return str(_l("Close every recommendation first."))
    return True


def register(reg: Registry) -> None:
    """Register the inspection workflow's guards."""
    reg.guard("inspection_findings_given")(findings_given)
    reg.guard("inspection_recommendations_closed")(recommendations_closed)

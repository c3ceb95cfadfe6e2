"""The data role and guards `workflows/adhoc_award.yaml` names."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from wflow.adhoc import service
from wflow.adhoc.models import AdhocAward
from wflow.awards import catalogue as awards
from wflow.core.registry import unit_ids
from wflow.engine import FireContext, Registry, Scope


def _row(ctx: FireContext) -> tuple[Session, AdhocAward]:
    session: Session = ctx.session  # type: ignore[assignment]
    row = session.get(AdhocAward, ctx.scope.subject_id)
    if row is None:
        raise LookupError(f"ad-hoc award {ctx.scope.subject_id} of instance {ctx.instance_id} lost")
    return session, row


def council_user_of(_scope: Scope, values: Sequence[Any]) -> Iterable[str]:
    """Return the council members named in the data (the chair), as the engine's principals."""
    return [f"council:user:{uid}" for uid in unit_ids(values)]


def chair_named(ctx: FireContext) -> bool | str:
    """Pass when `chair` names the council's chair (the award settings)."""
    session, _found = _row(ctx)
    chair = awards.council_chair(session, ctx.scope.council_id)
    if chair is None:
        return str(service.NO_CHAIR)
    if unit_ids(list(ctx.data.get("chair") or [])) != [chair.id]:
        return str(_l("Refer the proposal to the council's chair."))
    return True


def still_unawarded(ctx: FireContext) -> bool | str:
    """Pass when no other proposal holds or claims the same nominee's same achievement."""
    session, row = _row(ctx)
    return service.earlier(session, row) or True


def decision_signed(ctx: FireContext) -> bool | str:
    """Pass when the chair's decision is signed and stored (wflow.adhoc.service.sign_decision)."""
    _session, row = _row(ctx)
    if row.document_id is None or not row.decision_number:
        return str(_l("The chair decides by signing the decision on the proposal's page."))
    return True


def register(reg: Registry) -> None:
    """Register the ad-hoc award workflow's data role and guards."""
    reg.data_role("council_user_of")(council_user_of)
    reg.guard("chair_named")(chair_named)
    reg.guard("still_unawarded")(still_unawarded)
    reg.guard("adhoc_decision_signed")(decision_signed)

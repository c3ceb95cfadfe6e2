"""The role, resolver, guards, effects and tick job `workflows/campaign.yaml` names."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.campaigns import service
from wflow.campaigns.models import Campaign, CampaignFigure, CampaignParticipant, FigureKind
from wflow.campaigns.summary import build
from wflow.core import installation
from wflow.core.registry import unit_ids
from wflow.engine import FireContext, Participant, Registry, Scope
from wflow.org.models import Unit


def _campaign(ctx: FireContext) -> tuple[Session, Campaign]:
    session: Session = ctx.session  # type: ignore[assignment]
    campaign = session.get(Campaign, ctx.scope.subject_id)
    if campaign is None:
        raise LookupError(f"campaign {ctx.scope.subject_id} of instance {ctx.instance_id} lost")
    return session, campaign


def launcher(scope: Scope) -> Iterable[str]:
    """Return who launched the campaign: its unit's head and staff, or the secretariat."""
    return (
        [f"unit:{scope.unit_id}:member"] if scope.unit_id else [f"secretariat:{scope.council_id}"]
    )


def reporters(ctx: FireContext) -> Sequence[Participant]:
    """Return the participants that registered (the others have nothing to report)."""
    session, campaign = _campaign(ctx)
    query = (
        select(Unit.id, Unit.name)
        .join(CampaignParticipant, col(CampaignParticipant.unit_id) == Unit.id)
        .where(
            CampaignParticipant.campaign_id == campaign.id,
            col(CampaignParticipant.registered_at).is_not(None),
        )
        .order_by(col(CampaignParticipant.position))
    )
    return [Participant(f"unit:{uid}", f"unit:{uid}:member", name)
            for uid, name in session.exec(query).all()]  # fmt: skip


def ready_to_open(ctx: FireContext) -> bool | str:
    """Pass when the campaign names participants and targets (as its draft was saved)."""
    session, campaign = _campaign(ctx)
    if not unit_ids(list(ctx.data.get("participants") or [])):
        return str(_l("Name at least one participant."))
    if not service.targets(session, campaign):
        return str(_l("Set at least one target with its unit of measure."))
    return True


def figures_given(ctx: FireContext) -> bool | str:
    """Pass when the acting unit's figures for this step are stored (the campaign's page)."""
    session, campaign = _campaign(ctx)
    unit = ctx.actor.unit_id or 0
    if ctx.definition.has_tag(ctx.state, "registering"):
        query = select(CampaignFigure.id).where(
            CampaignFigure.campaign_id == campaign.id, CampaignFigure.unit_id == unit,
            CampaignFigure.kind == FigureKind.REGISTERED.value,
        )  # fmt: skip
        given = session.exec(query).first() is not None
    else:
        point = None
        if ctx.definition.has_tag(ctx.state, "checkpoint"):
            point = service.open_checkpoint(session, campaign)
        given = unit in service.reported_units(session, campaign, point.id if point else None)
    return True if given else str(_l("Give your unit's figures on the campaign's page."))


def record_start(ctx: FireContext) -> None:
    """Date the opening of the campaign's window."""
    session, campaign = _campaign(ctx)
    campaign.started_at = campaign.updated_at = ctx.now
    session.add(campaign)
    session.flush()


def record_end(ctx: FireContext) -> None:
    """Date the end of the campaign's window."""
    session, campaign = _campaign(ctx)
    campaign.ended_at = campaign.updated_at = ctx.now
    session.add(campaign)
    session.flush()


def freeze_summary(ctx: FireContext) -> None:
    """Store the final summary in the campaign as it stands at the close."""
    session, campaign = _campaign(ctx)
    campaign.summary = build(session, campaign).to_json()
    campaign.closed_at = campaign.updated_at = ctx.now
    session.add(campaign)
    session.flush()


def register(reg: Registry) -> None:
    """Register the campaign workflow's names and the job that opens due checkpoints."""
    reg.role("campaign_launcher")(launcher)
    reg.resolver("campaign_reporters")(reporters)
    reg.guard("ready_to_open")(ready_to_open)
    reg.guard("figures_given")(figures_given)
    reg.effect("record_start")(record_start)
    reg.effect("record_end")(record_end)
    reg.effect("freeze_summary")(freeze_summary)

    @reg.on_tick
    def _checkpoints(session: Any, now: datetime) -> int:
        found = installation.maybe(session)
        engine = found.workflows if found is not None else None
        if engine is None or service.WORKFLOW not in engine.definitions:  # the engine alone
            return 0
        return service.open_due_checkpoints(session, engine, now)

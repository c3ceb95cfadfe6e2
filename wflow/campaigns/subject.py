"""The campaign as a workflow subject: its scope, who sees it, its words and page."""

from __future__ import annotations

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from wflow.campaigns.models import Campaign, CampaignParticipant
from wflow.core.access import Action, may, oversees
from wflow.core.subjects import SubjectKind, register
from wflow.engine import Scope
from wflow.org.models import User


def participant_ids(session: Session, campaign: Campaign) -> list[int]:
    """Return the ids of the campaign's participant units, in order."""
    query = select(CampaignParticipant.unit_id).where(
        CampaignParticipant.campaign_id == campaign.id
    )
    return list(session.exec(query.order_by(col(CampaignParticipant.position))).all())


def scope(campaign: Campaign) -> Scope:
    """Return the campaign's workflow scope: the launching unit (none: the council), its year."""
    return Scope(
        "campaign",
        campaign.id or 0,
        unit_id=campaign.unit_id,
        year=campaign.year,
        council_id=campaign.council_id,
    )


def is_participant(session: Session, user: User, campaign: Campaign) -> bool:
    """Tell whether `user` acts for one of the campaign's participant units (head or staff)."""
    if user.unit_id is None or not may(session, user, Action.VIEW, unit_id=user.unit_id):
        return False
    query = select(CampaignParticipant.id).where(
        CampaignParticipant.campaign_id == campaign.id,
        CampaignParticipant.unit_id == user.unit_id,
    )
    return session.exec(query).first() is not None


def joined_by(unit_id: int) -> SelectOfScalar[int]:
    """Return the query of the campaigns the unit takes part in."""
    return select(CampaignParticipant.campaign_id).where(CampaignParticipant.unit_id == unit_id)


def sees_all(session: Session, user: User, campaign: Campaign) -> bool:
    """Tell whether `user` sees every participant's figures: the launcher and the committee."""
    if oversees(session, user, campaign.council_id):
        return True
    return campaign.unit_id is not None and may(session, user, Action.ACT, unit_id=campaign.unit_id)


def may_view(session: Session, user: User, campaign: Campaign) -> bool:
    """Tell whether `user` sees the campaign: the launcher, the committee, every participant."""
    return sees_all(session, user, campaign) or is_participant(session, user, campaign)


CAMPAIGN = register(SubjectKind(
    name="campaign", model=Campaign, workflow="campaign", scope=scope, may_view=may_view,
    title=lambda _session, c: c.title, endpoint="campaign.show",
    also_seen=joined_by,
))  # fmt: skip

"""A closed campaign's award dossiers: who may open one, why one is refused, what was granted.

A participant that registered its targets and reported its results (the frozen summary's
`award_candidates`) may open a dossier "for this campaign" once the campaign is closed: its
head, or the leading unit of its block that year. The dossier is an ordinary nomination of
the participant, in its block for the campaign's year (the block it took part through, else
the one it was a member of that year, the first by name), and follows the nomination path:
the block's vote, the nominee list (its own units and people), the signed dossier, the
secretariat, the council and the decision. An award that depends on the year's ranking (a
maximum rank) is not granted for a campaign, and the same participant is not proposed twice
for the same campaign and award: one achievement, one award.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.awards import catalogue as awards
from wflow.awards import nominees as dossier_nominees
from wflow.awards.models import Award, Decision, Nomination
from wflow.awards.nominations import vote_rules
from wflow.awards.subject import NOMINATION
from wflow.campaigns import service as campaigns
from wflow.campaigns.models import Campaign, CampaignParticipant
from wflow.campaigns.summary import Line, award_candidates, build
from wflow.core import subjects
from wflow.core.access import Action, may
from wflow.core.errors import Conflict, Forbidden, NotFound, ServiceError
from wflow.core.uow import transactional
from wflow.engine import Engine
from wflow.org import signers
from wflow.org.models import Block, BlockMembership, Unit, User


def is_closed(session: Session, campaign: Campaign) -> bool:
    """Tell whether the campaign is closed (its summary frozen), not cancelled."""
    return subjects.state(session, campaign) in subjects.tagged(session, campaigns.WORKFLOW, "done")


def block_of(session: Session, campaign: Campaign, unit_id: int) -> Block | None:
    """Return the block a participant's dossier goes through (None: it had no block that year).

    The block it took part through; for a campaign of named units or of every unit, the block
    it was a member of in the campaign's year (the first by name when several).
    """
    row = session.exec(select(CampaignParticipant).where(
        CampaignParticipant.campaign_id == campaign.id,
        CampaignParticipant.unit_id == unit_id)).first()  # fmt: skip
    if row is not None and row.block_id is not None:
        return session.get(Block, row.block_id)
    query = (
        select(Block)
        .join(BlockMembership, col(BlockMembership.block_id) == Block.id)
        .where(BlockMembership.unit_id == unit_id, BlockMembership.year == campaign.year)
        .order_by(col(Block.name))
    )
    return session.exec(query).first()


def _line(session: Session, campaign: Campaign, unit_id: int) -> Line | None:
    return next((ln for ln in build(session, campaign).lines if ln.unit_id == unit_id), None)


def earlier(session: Session, campaign: Campaign, unit_id: int, award_id: int) -> Nomination | None:
    """Return the live nomination of the participant for the campaign and award, if any."""
    rows = session.exec(select(Nomination).where(
        Nomination.campaign_id == campaign.id, Nomination.unit_id == unit_id,
        Nomination.award_id == award_id)).all()  # fmt: skip
    states = subjects.states(session, rows)
    dropped = subjects.tagged(session, NOMINATION, "dropped")
    return next((n for n in rows if states.get(n.id or 0) not in dropped), None)


def ineligible(
    session: Session, campaign: Campaign, unit_id: int, award: Award | None = None
) -> str | None:
    """Return why the participant may not be proposed for the award now (None: it may)."""
    if not is_closed(session, campaign):
        return str(_l("The campaign is not closed: awards come after its summary is frozen."))
    line = _line(session, campaign, unit_id)
    if line is None:
        return str(_l("This unit does not take part in the campaign."))
    if not line.registered:
        return str(_l("%(unit)s did not register for this campaign: it is not eligible.",
                      unit=line.name))  # fmt: skip
    if not line.reported:
        return str(_l("%(unit)s did not report its results: it is not eligible.", unit=line.name))
    if block_of(session, campaign, unit_id) is None:
        return str(_l("%(unit)s was a member of no block in %(year)d: a dossier goes through "
                      "a block's vote.", unit=line.name, year=campaign.year))  # fmt: skip
    if award is None:
        return None
    if not award.active:
        return str(_l("This award is no longer granted."))
    if award.nominee != "unit" or award.decided_by != "council":
        return str(_l("Choose an award of collectives decided by the council: the people are "
                      "named on the dossier's list."))  # fmt: skip
    if award.max_rank is not None:
        return str(_l("%(award)s goes by the block's year-end ranking, not for a campaign.",
                      award=award.name))  # fmt: skip
    found = earlier(session, campaign, unit_id, award.id or 0)
    if found is not None:
        decision = session.get(Decision, found.decision_id) if found.decision_id else None
        if decision is not None and decision.signed:
            return str(_l("%(unit)s was granted %(award)s for this campaign by decision "
                          "%(number)s: one achievement, one award.", unit=line.name,
                          award=award.name, number=decision.number))  # fmt: skip
        return str(_l("%(unit)s is already proposed for %(award)s for this campaign "
                      "(nomination %(id)d): one achievement, one award.", unit=line.name,
                      award=award.name, id=found.id))  # fmt: skip
    return None


def may_open(session: Session, user: User, campaign: Campaign, unit_id: int) -> bool:
    """Tell whether `user` may open a dossier for the participant: its head, its block's leader."""
    if signers.signs_for(session, user, unit_id):
        return True
    block = block_of(session, campaign, unit_id)
    return block is not None and may(session, user, Action.ACT, block_id=block.id,
                                     year=campaign.year)  # fmt: skip


def openable(session: Session, user: User, campaign: Campaign) -> list[Line]:
    """Return the candidates `user` may open a dossier for, best first (none before the close)."""
    if not is_closed(session, campaign):
        return []
    return [ln for ln in award_candidates(build(session, campaign))
            if may_open(session, user, campaign, ln.unit_id)]  # fmt: skip


def _texts(session: Session, campaign: Campaign, line: Line, award: Award) -> tuple[str, str]:
    """Return the dossier's cover letter and achievement report as first proposed."""
    share = f", đạt bình quân {line.mean_percent}% chỉ tiêu đăng ký" if line.mean_percent else ""
    basis = f" (thực hiện Kế hoạch số {campaign.basis_number})" if campaign.basis_number else ""
    cover = (
        f"Căn cứ kết quả {campaign.title}{basis}, {line.name} kính đề nghị Hội đồng Thi đua - "
        f"Khen thưởng xét, trình tặng {award.name} cho các tập thể và cá nhân có thành tích "
        "xuất sắc (danh sách kèm theo)."
    )
    achievements = (
        f"Trong {campaign.title} ({campaign.starts_on:%d/%m/%Y} - {campaign.ends_on:%d/%m/%Y}), "
        f"{line.name} đã hoàn thành {line.met}/{line.counted} chỉ tiêu đăng ký{share}."
    )
    return cover, achievements


@transactional
def propose(
    session: Session,
    engine: Engine,
    *,
    user: User,
    campaign: Campaign,
    unit_id: int,
    award_id: int,
) -> Nomination:
    """Open a dossier for the participant's results in the closed campaign (one award)."""
    award = session.get(Award, award_id)
    if award is None:
        raise NotFound(_l("This award does not exist."), "award_id")
    if not is_closed(session, campaign):
        raise Conflict(str(ineligible(session, campaign, unit_id)))
    if session.get(Unit, unit_id) is None:
        raise ServiceError(_l("Choose a participant of the campaign."), "unit_id")
    if not may_open(session, user, campaign, unit_id):
        raise Forbidden(_l("Only the participant's head or its block's leading unit opens its "
                           "dossier."))  # fmt: skip
    why = ineligible(session, campaign, unit_id, award)
    if why:
        twice = earlier(session, campaign, unit_id, award_id) is not None
        raise (Conflict if twice else ServiceError)(why, "unit_id")
    block = block_of(session, campaign, unit_id)
    line = _line(session, campaign, unit_id)
    assert block is not None and line is not None  # checked by ineligible
    block_rule, council_rule = vote_rules(session, award, block.id or 0, campaign.year)
    cover, achievements = _texts(session, campaign, line, award)
    nomination = Nomination(
        block_id=block.id or 0, year=campaign.year, unit_id=unit_id, award_id=award_id,
        campaign_id=campaign.id, block_rule=block_rule, council_rule=council_rule,
        cover_letter=cover, achievements=achievements, proposed_by_user_id=user.id,
    )  # fmt: skip
    session.add(nomination)
    session.flush()
    subjects.start(session, engine, nomination, user)
    session.add(nomination)
    return nomination


@dataclass(frozen=True)
class Dossier:
    """A campaign dossier as the campaign's pages show it: who, which award, where it stands."""

    nomination: Nomination
    unit: Unit
    award: Award
    state: str
    decision: Decision | None  # the signed decision that granted it, once decided
    granted: list[dossier_nominees.Listed]  # the nominees the decision awarded


def dossiers(session: Session, campaign: Campaign) -> list[Dossier]:
    """Return the campaign's dossiers, oldest first, with the awards granted once decided."""
    rows = list(session.exec(select(Nomination).where(Nomination.campaign_id == campaign.id)
                             .order_by(col(Nomination.id))).all())  # fmt: skip
    states = subjects.states(session, rows)
    decided = subjects.tagged(session, NOMINATION, "decided") - subjects.tagged(
        session, NOMINATION, "revoked")  # fmt: skip
    out = []
    for n in rows:
        state = states.get(n.id or 0, "")
        decision = session.get(Decision, n.decision_id) if n.decision_id else None
        granted: list[dossier_nominees.Listed] = []
        if state in decided and decision is not None and decision.signed:
            granted = [x for x in dossier_nominees.nominees(session, n)
                       if x.row.approved is not False]  # fmt: skip
        else:
            decision = None
        unit, award = session.get(Unit, n.unit_id), session.get(Award, n.award_id)
        assert unit is not None and award is not None
        out.append(Dossier(n, unit, award, state, decision, granted))
    return out


def campaign_of(session: Session, nomination: Nomination) -> Campaign | None:
    """Return the campaign a nomination proposes awards for (None: the block's year)."""
    return session.get(Campaign, nomination.campaign_id) if nomination.campaign_id else None


def award_choices(session: Session) -> list[Award]:
    """Return the awards a campaign dossier may ask for: collectives', by the council, unranked."""
    return [a for a in awards.catalogue(session, active_only=True, nominee="unit")
            if a.decided_by == "council" and a.max_rank is None]  # fmt: skip


@dataclass(frozen=True)
class CampaignAwards:
    """What a campaign's pages show of its awards: its dossiers, and who may open one."""

    dossiers: list[Dossier]
    openable: list[Unit]  # the participants the viewer may open a dossier for
    refused: list[tuple[str, str]]  # (participant, why it is not eligible) among them
    award_choices: list[Award]
    closed: bool


def campaign_awards(session: Session, user: User, campaign: Campaign) -> CampaignAwards:
    """Return the campaign's dossiers and what `user` may open (once the campaign is closed)."""
    closed = is_closed(session, campaign)
    mine = [u for _p, u in campaigns.participants(session, campaign)
            if closed and may_open(session, user, campaign, u.id or 0)]  # fmt: skip
    refused = [(u.name, why) for u in mine
               if (why := ineligible(session, campaign, u.id or 0))]  # fmt: skip
    return CampaignAwards(dossiers(session, campaign), mine, refused,
                          award_choices(session) if mine else [], closed)  # fmt: skip

"""What a summary report says, gathered from the data: figures, rankings, awards, initiatives.

The data model keeps no free "figures per criterion" of a whole year: the achieved numbers
with a unit of measure are a campaign's figures against its registered targets, and a block's
figures are the reviews' achieved values against the registered targets per criterion (no
unit of measure). A block's report totals its criteria over the accepted reviews of the
reference period (the year-end review, else the latest period with results, as the
scoreboard); a campaign's report is its summary (`wflow.campaigns.summary`); the council's
year totals every campaign running in the year and ranks every block. Awards are the
council's decisions on nominations, the chair's ad-hoc decisions and the titles units'
heads granted, of the year; awards "proposed upward" are nominations for an award of a level
above the council's (`UPWARD_LEVELS`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from wflow.adhoc.models import AdhocAward
from wflow.awards import decisions as council
from wflow.awards import proposals
from wflow.awards.models import Award, Nomination
from wflow.awards.subject import NOMINATION
from wflow.campaigns import service as campaigns
from wflow.campaigns import summary as campaign_summary
from wflow.campaigns.models import Campaign
from wflow.core import subjects
from wflow.councils import service as councils
from wflow.engine import Engine, Label, WfInstance
from wflow.initiatives import service as initiatives
from wflow.initiatives.models import LEVEL_ORDER
from wflow.org.models import Block, BlockMembership, Position, Unit
from wflow.people.models import Person
from wflow.plans.models import Criterion, CriterionGroup
from wflow.reviews.models import Review, ReviewScore
from wflow.reviews.subject import REVIEW
from wflow.scoreboard import service as boards
from wflow.summary.models import ReportScope
from wflow.titles.models import PersonTitle, TitleDecision

# The council decides provincial awards; a nomination for a national one goes up (Decree 98).
UPWARD_LEVELS = ("national",)


@dataclass(frozen=True)
class Figure:
    """One achieved figure totalled across units: a campaign target or a block's criterion."""

    group: str  # the campaign, or the criteria group ("A. Công tác chuyên môn")
    title: str
    measure: str  # the unit of measure ("công trình"); "" for a criterion
    target: Decimal  # the registered (target) figures, added up
    achieved: Decimal  # the achieved figures, added up
    units_met: int  # units whose achieved figure reaches their target
    units_counted: int  # units with a target

    @property
    def percent(self) -> int | None:
        """Return the achieved total over the target total, in whole percent."""
        return campaign_summary.percent(self.achieved, self.target)


@dataclass(frozen=True)
class Placing:
    """A unit's place: its rank, its score (points or mean percent), its targets met."""

    rank: int | None  # None: not ranked (no result)
    name: str
    score: Decimal | None
    met: int
    counted: int


@dataclass(frozen=True)
class Ranking:
    """The ranking of one block's year or of one campaign."""

    title: str
    by_points: bool  # True: scores are points; False: mean percent of the targets
    rows: list[Placing]


@dataclass(frozen=True)
class Granted:
    """An award decided in the year: what, to whom, by which decision."""

    award: str
    nominee: str
    decision: str
    decided_by: str
    prize: Decimal | None = None


@dataclass(frozen=True)
class Proposed:
    """A nomination proposed to the level above, with where it stands."""

    award: str
    nominee: str
    state: Label  # in every language: the web page speaks the reader's, the documents Vietnamese


@dataclass(frozen=True)
class Report:
    """Everything a summary report shows, in the order of its sections."""

    scope: ReportScope
    year: int
    subject: str  # "Khối thi đua …", the campaign's title, the council's name
    issuer: str  # the body that issues it: the leader unit, the launcher, the council
    issuer_parent: str
    units: int  # how many units the report covers
    figures: list[Figure]
    rankings: list[Ranking]
    granted: list[Granted]
    proposed: list[Proposed]
    initiatives: dict[str, int]  # per recognition level, and "total"
    initiative_titles: list[str]
    reference: str = ""  # the review period a block's figures come from
    block_id: int | None = None
    campaign_id: int | None = None
    by_council: bool = False  # the council issues it (its year, or a campaign it launched)

    @property
    def prize_total(self) -> Decimal:
        """Return the prize money of the awards granted."""
        return sum((g.prize or Decimal(0) for g in self.granted), Decimal(0))

    def awards_by_kind(self) -> list[tuple[str, int]]:
        """Return how many of each award were granted, most first."""
        counts: dict[str, int] = defaultdict(int)
        for g in self.granted:
            counts[g.award] += 1
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


# --- figures -------------------------------------------------------------------------------


def _dec(value: object) -> Decimal:
    """Return a number read from the database (Decimal, float on SQLite, None) as a Decimal."""
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def block_figures(session: Session, block_id: int, year: int, period: str | None) -> list[Figure]:
    """Return the block's criteria totalled over the accepted reviews of `period` (2 queries)."""
    plan = boards.plan_of_year(session, block_id, year)
    if plan is None or period is None:
        return []
    counts = subjects.tagged(session, REVIEW, "counted")
    query = (
        sa.select(col(ReviewScore.criterion_id), sa.func.sum(ReviewScore.target_value),
                  sa.func.sum(ReviewScore.achieved_value), sa.func.sum(boards.REACHED),
                  sa.func.sum(sa.case((col(ReviewScore.target_value) > 0, 1), else_=0)))
        .join(Review, col(Review.id) == ReviewScore.review_id)
        .join(WfInstance, col(WfInstance.id) == Review.instance_id)
        .where(col(Review.block_id) == block_id, col(Review.year) == year,
               col(Review.period) == period, col(WfInstance.state).in_(counts))
        .group_by(col(ReviewScore.criterion_id))
    )  # fmt: skip
    sums = {cid: row for cid, *row in session.execute(query).all()}
    rows = session.execute(
        sa.select(Criterion, CriterionGroup)
        .join(CriterionGroup, col(CriterionGroup.id) == Criterion.group_id)
        .where(col(Criterion.plan_id) == plan.id)
        .order_by(col(CriterionGroup.position), col(Criterion.position), col(Criterion.id))
    ).all()
    out = []
    for criterion, group in rows:
        target, achieved, n_met, n_counted = sums.get(criterion.id, (None, None, 0, 0))
        out.append(Figure(f"{group.code}. {group.title}", f"{criterion.code}. {criterion.title}",
                          "", _dec(target), _dec(achieved), int(n_met or 0),
                          int(n_counted or 0)))  # fmt: skip
    return out


def campaign_figures(found: campaign_summary.Summary, group: str = "") -> list[Figure]:
    """Return a campaign summary's totals per target."""
    by_id = {t.id: t for t in found.targets}
    return [
        Figure(group, by_id[t.target_id].title, by_id[t.target_id].measure, t.registered,
               t.achieved, t.units_met, t.units_counted)
        for t in found.totals
    ]  # fmt: skip


# --- rankings ------------------------------------------------------------------------------


def block_ranking(session: Session, block: Block, year: int) -> tuple[Ranking, str | None]:
    """Return the block's ranking of the year with each unit's targets met, and its period."""
    board = boards.build(session, block.id or 0, year)
    rows = [Placing(line.rank if line.scored else None, line.name,
                    line.total if line.scored else None, line.met, line.with_target)
            for line in board.lines]  # fmt: skip
    return Ranking(block.name, True, rows), board.reference


def block_rankings(session: Session, blocks: Sequence[Block], year: int) -> list[Ranking]:
    """Return each block's ranking of the year with each unit's targets met in its latest
    period with a result (as `block_ranking`), in the same statements whatever the number of
    blocks."""
    ids = [b.id or 0 for b in blocks]
    found = boards.year_rankings(session, ids, [year])
    latest = {b: boards.latest_period(found[(b, year)]) for b in ids}
    met = boards.targets_met(session, year, {b: p for b, p in latest.items() if p})
    return [
        Ranking(block.name, True, [
            Placing(r.rank if r.scored else None, r.unit_name, r.total if r.scored else None,
                    *met.get((block_id, r.unit_id), (0, 0)))
            for r in found[(block_id, year)]
        ])
        for block, block_id in zip(blocks, ids, strict=True)
    ]  # fmt: skip


def campaign_ranking(found: campaign_summary.Summary, title: str) -> Ranking:
    """Return a campaign's participants: those that reported, best first; the others after."""
    ready = campaign_summary.award_candidates(found)
    rows = [Placing(i + 1, line.name, _mean(line.mean_percent), line.met, line.counted)
            for i, line in enumerate(ready)]  # fmt: skip
    done = {line.unit_id for line in ready}
    rows += [Placing(None, line.name, None, line.met, line.counted)
             for line in found.lines if line.unit_id not in done]  # fmt: skip
    return Ranking(title, False, rows)


def _mean(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value)


# --- awards and initiatives ----------------------------------------------------------------


def granted(
    session: Session,
    year: int,
    unit_ids: set[int] | None,
    block_id: int | None = None,
    council_id: int | None = None,
) -> list[Granted]:
    """Return the awards decided for `year`'s results (of the units; every one: None), by
    the decisions of `council_id` (None: of any council)."""
    body = council.council_unit_name(session)
    out = [
        Granted(
            g.award.name, g.name, g.decision.number, g.council.name if g.council else body, g.prize
        )
        for g in council.register(session, year=year, block_id=block_id)
        if not g.revoked_at
        and (unit_ids is None or g.unit.id in unit_ids)
        and (council_id is None or (g.council is not None and g.council.id == council_id))
    ]
    decided = subjects.tagged(session, "adhoc_award", "decided")
    adhoc_rows = session.execute(
        sa.select(AdhocAward, Award)
        .join(Award, col(Award.id) == AdhocAward.award_id)
        .join(WfInstance, col(WfInstance.id) == AdhocAward.instance_id)
        .where(col(AdhocAward.year) == year, col(WfInstance.state).in_(decided))
        .where(sa.true() if council_id is None else col(WfInstance.council_id) == council_id)
        .order_by(col(AdhocAward.id))
    ).all()
    names = dict(session.exec(select(Unit.id, Unit.name)).all())
    people = {
        p.id: p
        for p in session.exec(
            select(Person).where(col(Person.id).in_({r.person_id for r, _a in adhoc_rows}))
        )
    }
    for row, award in adhoc_rows:
        person = people.get(row.person_id)
        unit_id = person.unit_id if person is not None else row.nominee_unit_id
        if unit_ids is not None and unit_id not in unit_ids and row.unit_id not in unit_ids:
            continue
        name = person.full_name if person is not None else names.get(unit_id, "")
        out.append(Granted(award.name, name, row.decision_number or "", body, row.prize_amount))
    titles = (
        sa.select(PersonTitle, Person, Award, TitleDecision)
        .join(Person, col(Person.id) == PersonTitle.person_id)
        .join(Award, col(Award.id) == PersonTitle.award_id)
        .join(TitleDecision, col(TitleDecision.id) == PersonTitle.decision_id)
        .where(col(PersonTitle.year) == year)
    )
    for title, person, award, decision in session.execute(titles).all():
        if unit_ids is None or title.unit_id in unit_ids:
            out.append(Granted(award.name, person.full_name, decision.number,
                               names.get(title.unit_id, "")))  # fmt: skip
    return out


def proposed(session: Session, engine: Engine, year: int,
             unit_ids: set[int] | None) -> list[Proposed]:  # fmt: skip
    """Return the year's nominations for an award of a level above the council's."""
    query = (
        sa.select(Nomination, Award, Unit, col(WfInstance.state))
        .join(Award, col(Award.id) == Nomination.award_id)
        .join(Unit, col(Unit.id) == Nomination.unit_id)
        .join(WfInstance, col(WfInstance.id) == Nomination.instance_id)
        .where(col(Nomination.year) == year, col(Award.level).in_(UPWARD_LEVELS))
        .where(col(Nomination.proposed_from_id).is_(None))  # once, as its block proposed it
        .order_by(col(Award.position), col(Unit.name))
    )
    dropped = subjects.tagged(session, NOMINATION, "dropped")
    forwarded = subjects.tagged(session, NOMINATION, "forwarded")
    defn = engine.definitions.get(NOMINATION.workflow)
    out = []
    for nomination, award, unit, state in session.execute(query).all():
        upper = proposals.upper_of(session, nomination) if state in forwarded else None
        while upper is not None:  # where it stands now: at the council that holds it last
            state = subjects.state(session, upper)
            upper = proposals.upper_of(session, upper) if state in forwarded else None
        if state in dropped or (unit_ids is not None and nomination.unit_id not in unit_ids):
            continue
        known = defn is not None and state in defn.states
        label = defn.states[state].label if defn and known else Label(state, state, state, state)
        out.append(Proposed(award.name, unit.name, label))
    return out


def initiative_counts(
    session: Session, units: initiatives.Units | None, year: int
) -> tuple[dict[str, int], list[str]]:
    """Return the initiatives of `year` by recognition level (and "total"), and their titles."""
    rows = initiatives.visible_rows(session, units, year)
    counts = dict.fromkeys((*LEVEL_ORDER, "total"), 0)
    for row in rows:
        counts[row.level] = counts.get(row.level, 0) + 1
        counts["total"] += 1
    return counts, [row.title for row in rows]


# --- the three reports ---------------------------------------------------------------------


def member_ids(session: Session, block_ids: Sequence[int], year: int) -> set[int]:
    """Return the member units of the blocks in `year` (one query)."""
    query = select(BlockMembership.unit_id).where(
        col(BlockMembership.block_id).in_(block_ids), BlockMembership.year == year
    )
    return set(session.exec(query).all())


def leader_unit(session: Session, block_id: int, year: int) -> Unit | None:
    """Return the block's leading unit in `year`."""
    query = (
        select(Unit)
        .join(BlockMembership, col(BlockMembership.unit_id) == Unit.id)
        .where(BlockMembership.block_id == block_id, BlockMembership.year == year,
               BlockMembership.position == Position.LEADER.value)
    )  # fmt: skip
    return session.exec(query).first()


def for_block(session: Session, engine: Engine, block: Block, year: int) -> Report:
    """Gather the summary report of a block's year."""
    ranking, period = block_ranking(session, block, year)
    units = member_ids(session, [block.id or 0], year)
    counts, titles = initiative_counts(session, units, year)
    leader = leader_unit(session, block.id or 0, year)
    return Report(
        ReportScope.BLOCK, year, block.name, leader.name if leader else block.name, block.name,
        len(units), block_figures(session, block.id or 0, year, period), [ranking],
        granted(session, year, units, block.id), proposed(session, engine, year, units),
        counts, titles, reference=period or "", block_id=block.id,
    )  # fmt: skip


def for_campaign(session: Session, engine: Engine, campaign: Campaign) -> Report:
    """Gather the summary report of a campaign (its final figures, frozen once closed)."""
    found = campaign_summary.build(session, campaign)
    units = {line.unit_id for line in found.lines}
    counts, titles = initiative_counts(session, units, campaign.year)
    launcher = campaigns.launcher_name(session, campaign)
    body = council.council_unit_name(session) if campaign.unit_id is None else launcher
    return Report(
        ReportScope.CAMPAIGN, campaign.year, campaign.title, body, "", len(units),
        campaign_figures(found), [campaign_ranking(found, campaign.title)], [], [],
        counts, titles, campaign_id=campaign.id, by_council=campaign.unit_id is None,
    )  # fmt: skip


def year_campaigns(session: Session, year: int) -> list[Campaign]:
    """Return the campaigns whose window meets `year`, oldest first."""
    query = select(Campaign).order_by(col(Campaign.starts_on), col(Campaign.id))
    return [c for c in session.exec(query).all() if c.year <= year <= c.year_end]


def for_council(session: Session, engine: Engine, year: int, council_id: int | None) -> Report:
    """Gather the summary report of a council's year: its campaigns and blocks, the awards its
    decisions granted, what its blocks proposed upward."""
    figures: list[Figure] = []
    rankings: list[Ranking] = []
    units: set[int] = set()
    for campaign in year_campaigns(session, year):
        if campaign.council_id != council_id:
            continue
        found = campaign_summary.build(session, campaign)
        figures += campaign_figures(found, campaign.title)
        units |= {line.unit_id for line in found.lines}
    blocks = session.exec(
        select(Block).join(BlockMembership, col(BlockMembership.block_id) == Block.id)
        .where(BlockMembership.year == year, Block.council_id == council_id)
        .distinct().order_by(col(Block.name))
    ).all()  # fmt: skip
    rankings += block_rankings(session, blocks, year)
    units |= member_ids(session, [b.id or 0 for b in blocks], year)
    # the initiatives of the units in the council's jurisdiction
    body = council.body_of(session, council_id)
    counts, titles = initiative_counts(session, councils.units_in({body.id or 0}), year)
    name = body.name
    return Report(
        ReportScope.COUNCIL, year, name, name, "", len(units), figures, rankings,
        granted(session, year, None, council_id=council_id),
        proposed(session, engine, year, units), counts, titles,
        by_council=True,
    )  # fmt: skip

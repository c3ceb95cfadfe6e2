"""The block's scoreboard: each member unit's accepted results per period, ranked for the year.

Only reviews whose workflow is `accepted` or `locked` count. A unit's year total is its
year-end review's final total when the block's plan holds a year-end review, else the mean of
its periods' final totals; a unit without that result ranks last with 0. Every function here
runs a constant number of queries whatever the number of units, periods and criteria.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.core import subjects
from wflow.core.errors import NotFound
from wflow.engine import WfInstance
from wflow.org.models import Block, BlockMembership, Position, Unit, User
from wflow.plans.models import Criterion, CriterionGroup, Plan
from wflow.plans.text import DEFAULT_RULES
from wflow.reviews.models import PERIOD_ORDER, Review, ReviewScore
from wflow.reviews.subject import REVIEW

YEAR_END = "year_end"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class RankRow:
    """One unit's place in the block's year: total, rank (ties share), final total per period.

    `scored` is False for a unit without the result its total needs (no accepted year-end
    review, or no accepted review at all when the plan holds no year-end): it ranks last, 0.
    """

    unit_id: int
    unit_name: str
    total: Decimal
    rank: int
    periods: dict[str, Decimal]
    scored: bool = True


def plan_of_year(session: Session, block_id: int, year: int) -> Plan | None:
    """Return the block's plan covering `year`: the newest published, else the newest (1 query)."""
    return plans_covering(session, [block_id], [year]).get((block_id, year))


def plans_covering(
    session: Session, block_ids: Collection[int], years: Collection[int]
) -> dict[tuple[int, int], Plan]:
    """Return each block's plan covering each year (as `plan_of_year` picks it), by
    (block id, year), for those that have one: one query."""
    blocks, wanted = sorted(set(block_ids)), sorted(set(years))
    if not blocks or not wanted:
        return {}
    plans: dict[tuple[int, int], Plan] = {}
    covering = select(Plan).where(col(Plan.block_id).in_(blocks), col(Plan.year) <= wanted[-1],
                                  col(Plan.year_end) >= wanted[0])  # fmt: skip
    for plan in session.exec(covering):
        for year in wanted:  # the newest published plan covering the year, else the newest
            key = (plan.block_id, year)
            if plan.year <= year <= plan.year_end and (
                key not in plans or _preference(plan) > _preference(plans[key])
            ):
                plans[key] = plan
    return plans


def review_periods(plan: Plan | BoardPlan | None) -> list[str]:
    """Return the periods the plan holds, in the order of the year (the default rules if none)."""
    rules: dict[str, Any] = plan.rules if plan is not None else {}
    held = rules.get("reviews") or DEFAULT_RULES["reviews"]
    return sorted(held, key=lambda p: PERIOD_ORDER.get(p, 9))


def rank(
    units: list[tuple[int, str]], totals: dict[int, dict[str, Decimal]], *, year_end: bool
) -> list[RankRow]:
    """Rank `units` (id, name) by their year totals; ties share a rank; unscored units last."""
    scored: list[tuple[int, str, Decimal, dict[str, Decimal]]] = []
    unscored: list[tuple[int, str, dict[str, Decimal]]] = []
    for uid, name in units:
        mine = totals.get(uid, {})
        periods = {p: mine[p] for p in sorted(mine, key=lambda p: PERIOD_ORDER.get(p, 9))}
        if year_end and YEAR_END in periods:
            scored.append((uid, name, periods[YEAR_END], periods))
        elif not year_end and periods:
            mean = sum(periods.values(), Decimal(0)) / len(periods)
            scored.append((uid, name, mean.quantize(CENT, rounding=ROUND_HALF_UP), periods))
        else:
            unscored.append((uid, name, periods))
    scored.sort(key=lambda r: (-r[2], r[1], r[0]))
    out: list[RankRow] = []
    for i, (uid, name, total, periods) in enumerate(scored):
        place = out[-1].rank if out and out[-1].total == total else i + 1
        out.append(RankRow(uid, name, total, place, periods))
    last = len(scored) + 1
    for uid, name, periods in sorted(unscored, key=lambda r: (r[1], r[0])):
        out.append(RankRow(uid, name, Decimal(0).quantize(CENT), last, periods, scored=False))
    return out


def year_ranking(session: Session, block_id: int, year: int) -> list[RankRow]:
    """Return the ranking of the block's member units for `year` (three queries)."""
    return year_rankings(session, [block_id], [year])[(block_id, year)]


def year_rankings(
    session: Session, block_ids: Collection[int], years: Collection[int]
) -> dict[tuple[int, int], list[RankRow]]:
    """Return the ranking of every block of `block_ids` in every year of `years`, by
    (block id, year): three queries whatever the number of blocks and years."""
    blocks, wanted = sorted(set(block_ids)), sorted(set(years))
    if not blocks or not wanted:
        return {}
    plans = plans_covering(session, blocks, wanted)
    units: dict[tuple[int, int], list[tuple[int, str]]] = defaultdict(list)
    seats = (
        sa.select(col(BlockMembership.block_id), col(BlockMembership.year), col(Unit.id),
                  col(Unit.name))
        .join(Unit, col(Unit.id) == BlockMembership.unit_id)
        .where(col(BlockMembership.block_id).in_(blocks), col(BlockMembership.year).in_(wanted))
        .order_by(col(Unit.name), col(Unit.id))
    )  # fmt: skip
    for block_id, year, uid, name in session.execute(seats):
        units[(block_id, year)].append((uid, name))
    totals: dict[tuple[int, int], dict[int, dict[str, Decimal]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    results = (
        sa.select(col(Review.block_id), col(Review.year), col(Review.unit_id),
                  col(Review.period), col(Review.final_total))
        .join(WfInstance, col(WfInstance.id) == Review.instance_id)
        .where(col(Review.block_id).in_(blocks), col(Review.year).in_(wanted),
               col(WfInstance.state).in_(subjects.tagged(session, REVIEW, "counted")))
    )  # fmt: skip
    for block_id, year, unit_id, period, total in session.execute(results):
        totals[(block_id, year)][unit_id][period] = _cents(total)
    return {
        (b, y): rank(units[(b, y)], totals[(b, y)],
                     year_end=YEAR_END in review_periods(plans.get((b, y))))
        for b in blocks for y in wanted
    }  # fmt: skip


def _preference(plan: Plan) -> tuple[bool, int]:
    """Return how a plan covering a year is chosen: a published one first, then the newest."""
    return plan.published_at is not None, plan.id or 0


def _cents(total: Any) -> Decimal:
    """Return a final total (None: 0) to the cent."""
    return Decimal(total if total is not None else 0).quantize(CENT)


@dataclass(frozen=True)
class Cell:
    """One unit's review in one period: its state, and its result once accepted."""

    review_id: int
    state: str
    counted: bool  # accepted or locked: the result counts and is shown
    final: Decimal | None  # the final total, only when counted
    late: bool
    penalty: Decimal


@dataclass(frozen=True)
class GroupColumn:
    """A criterion group of the plan with its maximum points."""

    id: int
    code: str
    title: str
    max_points: Decimal


@dataclass
class Line:
    """One member unit on the scoreboard: rank, total, cells per period, breakdown, progress."""

    unit_id: int
    name: str
    code: str
    rank: int
    total: Decimal
    scored: bool
    cells: dict[str, Cell]
    groups: dict[int, Decimal]  # group id -> reviewer's base points in the reference period
    bonus: Decimal  # reviewer's bonus points in the reference period
    met: int = 0  # criteria whose achieved value reaches the target
    with_target: int = 0  # criteria with both a target and an achieved value
    ratio: Decimal | None = None  # achieved / target over those criteria, in percent

    @property
    def base(self) -> Decimal:
        """Return the base points of the reference period (the sum over the groups)."""
        return sum(self.groups.values(), Decimal(0))


@dataclass(frozen=True)
class CriterionProgress:
    """One criterion across the units: how many reached the target, the mean share achieved."""

    id: int
    code: str
    title: str
    group_id: int
    max_points: Decimal
    met: int
    with_target: int
    ratio: Decimal | None  # percent


@dataclass(frozen=True)
class BoardPlan:
    """What the scoreboard reads of the plan covering its year."""

    id: int
    title: str
    scale: int  # total points of the criteria table (100 or 1000)
    rules: dict[str, Any]


@dataclass
class Board:
    """The block's scoreboard for a year (and optionally one period)."""

    block_id: int
    year: int
    plan: BoardPlan | None  # the plan covering the year, if any
    periods: list[str]  # columns of the table, in the order of the year
    period: str | None  # the period filter, if any
    reference: str | None  # the period of the breakdown and progress (None: no result yet)
    lines: list[Line]
    groups: list[GroupColumn]
    criteria: list[CriterionProgress]
    years: list[int]  # the years in which the block has members, newest first

    @property
    def scale(self) -> int:
        """Return the total points of the plan's criteria table (100 when there is no plan)."""
        return self.plan.scale if self.plan is not None else 100


def _decimal(value: object) -> Decimal:
    """Return a number read from the database (Decimal, float on SQLite, None) as a Decimal."""
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


# A score with a target and an achieved value; one whose achieved value reaches the target
HAS_TARGET = sa.and_(
    col(ReviewScore.achieved_value).is_not(None), col(ReviewScore.target_value) > 0
)
REACHED = sa.case(
    (sa.and_(HAS_TARGET, col(ReviewScore.achieved_value) >= col(ReviewScore.target_value)), 1),
    else_=0,
)


def latest_period(ranking: list[RankRow]) -> str | None:
    """Return the latest period of the year in which a unit of `ranking` has a counted result
    (the period of a board's breakdown when none is chosen), if any."""
    done = {p for r in ranking for p in r.periods}
    return max(done, key=lambda p: PERIOD_ORDER.get(p, 9)) if done else None


def targets_met(
    session: Session, year: int, periods: dict[int, str]
) -> dict[tuple[int, int], tuple[int, int]]:
    """Return, by (block id, unit id), the criteria whose target the unit reached and those
    with a target, over the counted reviews of each block's period (`periods`): one query."""
    if not periods:
        return {}
    query = (
        sa.select(col(Review.block_id), col(Review.unit_id), sa.func.sum(REACHED),
                  sa.func.sum(sa.case((HAS_TARGET, 1), else_=0)))
        .join(Review, col(Review.id) == ReviewScore.review_id)
        .join(WfInstance, col(WfInstance.id) == Review.instance_id)
        .where(col(Review.year) == year,
               sa.tuple_(col(Review.block_id), col(Review.period)).in_(sorted(periods.items())),
               col(WfInstance.state).in_(subjects.tagged(session, REVIEW, "counted")))
        .group_by(col(Review.block_id), col(Review.unit_id))
    )  # fmt: skip
    return {
        (block_id, unit_id): (int(met or 0), int(with_target or 0))
        for block_id, unit_id, met, with_target in session.execute(query).all()
        if with_target
    }


# The statements of `build`, built once (their values bound per call): a scoreboard runs them
# on every view, and building a statement costs more than the database takes to answer it.
_STATE = (  # a review's workflow state, read by its key (a join would hash every instance)
    sa.select(col(WfInstance.state)).where(col(WfInstance.id) == col(Review.instance_id))
    .scalar_subquery()
)  # fmt: skip
_BOARD = sa.union_all(  # one statement, a row kind first; the cells' columns type the rest
    sa.select(sa.literal("c", sa.String).label("kind"), col(Review.unit_id),
              col(Review.period), _STATE, col(Review.final_total), col(Review.late),
              col(Review.penalty), col(Review.id), sa.cast(sa.null(), sa.JSON))
    .where(col(Review.block_id) == sa.bindparam("block_id"),
           col(Review.year) == sa.bindparam("year")),
    # the block's member units of every year (whose years the year filter offers)
    sa.select(sa.literal("m", sa.String), col(Unit.id), col(Unit.name), col(Unit.code),
              sa.cast(sa.null(), sa.Numeric), sa.cast(sa.null(), sa.Boolean),
              sa.cast(sa.null(), sa.Numeric), col(BlockMembership.year),
              sa.cast(sa.null(), sa.JSON))
    .join(BlockMembership, col(BlockMembership.unit_id) == Unit.id)
    .where(col(BlockMembership.block_id) == sa.bindparam("block_id")),
    # the block's plans covering the year: id, title, published or not, scale, rules
    sa.select(sa.literal("p", sa.String), col(Plan.id), col(Plan.title),
              sa.cast(sa.null(), sa.String), sa.cast(sa.null(), sa.Numeric),
              col(Plan.published_at).is_not(None), sa.cast(sa.null(), sa.Numeric),
              col(Plan.scale), col(Plan.rules))
    .where(col(Plan.block_id) == sa.bindparam("block_id"),
           col(Plan.year) <= sa.bindparam("year"), col(Plan.year_end) >= sa.bindparam("year")),
).order_by(sa.literal_column("1"), sa.literal_column("3"), sa.literal_column("2"))  # fmt: skip


def _breakdown_query() -> sa.CompoundSelect[Any]:
    """Return the statement of `_breakdown`: the plan's criteria with their groups, and a
    period's counted scores added up, in one statement (a row kind first): rows per
    (unit, group), per unit and per criterion, never the units x criteria scores themselves.

    Each score's figures against its target are worked out once (in `scores`), not once per
    sum; a score's group is read only for the plan's criteria (the join bound to the plan
    reads its few criteria by index rather than every plan's), the only ones summed by group.
    Without a period (None: no result yet) the sums are empty and the criteria alone come.
    """
    has = HAS_TARGET
    scores = (
        sa.select(col(ReviewScore.criterion_id), col(ReviewScore.score),
                  col(ReviewScore.bonus), col(Review.unit_id).label("unit_id"),
                  col(Criterion.group_id).label("group_id"),
                  sa.case((has, 1), else_=0).label("has"),
                  REACHED.label("reached"),
                  sa.case((has, col(ReviewScore.achieved_value) * 100.0
                           / col(ReviewScore.target_value)), else_=None).label("share"))
        .join(Review, col(Review.id) == ReviewScore.review_id)
        .join(WfInstance, col(WfInstance.id) == Review.instance_id)
        .outerjoin(Criterion, sa.and_(col(Criterion.id) == ReviewScore.criterion_id,
                                      col(Criterion.plan_id) == sa.bindparam("plan_id")))
        .where(col(Review.block_id) == sa.bindparam("block_id"),
               col(Review.year) == sa.bindparam("year"),
               col(Review.period) == sa.bindparam("period"),
               col(WfInstance.state).in_(sa.bindparam("counted", expanding=True)))
        .cte("scores")
    )  # fmt: skip
    reached = sa.func.sum(scores.c.reached)
    share = sa.func.avg(scores.c.share)
    with_target = sa.func.sum(scores.c.has)
    no_int = sa.cast(sa.null(), sa.Integer)
    no_share = sa.cast(sa.null(), sa.Numeric)
    no_text = sa.cast(sa.null(), sa.String)
    no_criterion = (no_int, no_int, no_text, no_text, no_text, no_text)  # the criteria's columns

    def kind(letter: str) -> sa.Label[str]:
        return sa.literal(letter, sa.String).label("kind")

    per_group = (  # first: its columns type the rest (points as the scores' type)
        sa.select(kind("g"), scores.c.unit_id.label("key"), scores.c.group_id.label("grp"),
                  sa.func.sum(scores.c.score), sa.func.sum(scores.c.bonus), no_share,
                  *no_criterion)
        .where(scores.c.group_id.is_not(None))  # the plan's criteria
        .group_by(scores.c.unit_id, scores.c.group_id)
    )  # fmt: skip
    per_unit = sa.select(kind("u"), scores.c.unit_id, no_int, reached, with_target, share,
                         *no_criterion)  # fmt: skip
    per_criterion = sa.select(kind("c"), scores.c.criterion_id, no_int, reached, with_target,
                              share, *no_criterion)  # fmt: skip
    criteria = (  # the plan's criteria with their groups, maximum points in the sums' places
        sa.select(kind("k"), col(Criterion.id), col(Criterion.group_id),
                  col(Criterion.max_points), col(CriterionGroup.max_points), no_share,
                  col(Criterion.position), col(CriterionGroup.position), col(Criterion.code),
                  col(Criterion.title), col(CriterionGroup.code), col(CriterionGroup.title))
        .join(CriterionGroup, col(CriterionGroup.id) == Criterion.group_id)
        .where(col(Criterion.plan_id) == sa.bindparam("plan_id"))
    )  # fmt: skip
    return sa.union_all(per_group, per_unit.group_by(scores.c.unit_id),
                        per_criterion.group_by(scores.c.criterion_id), criteria)  # fmt: skip


_BREAKDOWN = _breakdown_query()


def build(session: Session, block_id: int, year: int, period: str | None = None) -> Board:
    """Return the scoreboard of the block's `year` (two queries whatever its size).

    Without `period`, units rank by their year total (see `year_ranking`) and the breakdown
    shows the latest period with an accepted result; with it, both use that period.
    """
    units: list[tuple[int, str, str]] = []  # the members in `year`, by name
    years: set[int] = set()  # the years the block has members in
    cells: dict[int, dict[str, Cell]] = defaultdict(dict)
    plans: list[tuple[bool, int, BoardPlan]] = []  # (published, id, plan) covering the year
    counts = subjects.tagged(session, REVIEW, "counted")
    # rows read at once (`all`): a row at a time costs more on hundreds of them
    found = session.connection().execute(_BOARD, {"block_id": block_id, "year": year}).all()
    for kind, uid, text, word, final, late, penalty, number, rules in found:
        if kind == "p":  # a plan: id, title, published, scale, rules
            plans.append((bool(late), int(uid), BoardPlan(int(uid), text, int(number), rules)))
            continue
        if kind == "m":  # a member unit: name, code, the year of its membership
            years.add(number)
            if number == year:
                units.append((int(uid or 0), text, word))
            continue
        counted = word in counts  # a review: period, state, result, lateness, penalty, id
        shown = Decimal(final).quantize(CENT) if counted and final is not None else None
        cells[uid][text] = Cell(int(number or 0), word or "", counted, shown, bool(late),
                                Decimal(penalty or 0))  # fmt: skip
    plan = max(plans, key=lambda p: p[:2])[2] if plans else None  # as `plan_of_year` picks
    held = review_periods(plan)
    seen = {p for by_period in cells.values() for p in by_period}
    periods = sorted(set(held) | seen, key=lambda p: PERIOD_ORDER.get(p, 9))
    totals = {
        uid: {p: c.final for p, c in by_period.items() if c.final is not None}
        for uid, by_period in cells.items()
    }
    pairs = [(uid, name) for uid, name, _code in units]
    if period is None:
        ranking = rank(pairs, totals, year_end=YEAR_END in held)
        done = [p for p in periods if any(p in t for t in totals.values())]
        reference = done[-1] if done else None
    else:
        only = {uid: {p: v for p, v in t.items() if p == period} for uid, t in totals.items()}
        ranking = rank(pairs, only, year_end=False)
        reference = period
    codes = {uid: code for uid, _name, code in units}
    lines = [
        Line(r.unit_id, r.unit_name, codes[r.unit_id], r.rank, r.total, r.scored,
             cells.get(r.unit_id, {}), {}, Decimal(0))
        for r in ranking
    ]  # fmt: skip
    groups, progress = _breakdown(session, plan, block_id, year, reference, lines)
    return Board(block_id, year, plan, periods, period, reference, lines, groups, progress,
                 sorted(years, reverse=True))  # fmt: skip


def _breakdown(
    session: Session, plan: BoardPlan | None, block_id: int, year: int, period: str | None,
    lines: list[Line],
) -> tuple[list[GroupColumn], list[CriterionProgress]]:  # fmt: skip
    """Fill each line's points per group and progress against targets (one query)."""
    if plan is None:
        return [], []
    found: dict[int, tuple[int, GroupColumn]] = {}  # group id -> (position, column)
    rows = []
    by_unit = {line.unit_id: line for line in lines}
    met: dict[int, int] = {}
    counted: dict[int, int] = {}
    ratios: dict[int, Decimal] = {}
    values = {"block_id": block_id, "year": year, "period": period, "plan_id": plan.id,
              "counted": sorted(subjects.tagged(session, REVIEW, "counted"))}  # fmt: skip
    for letter, key, gid, first, second, mean, *criterion in (
        session.connection().execute(_BREAKDOWN, values).all()
    ):
        if letter == "k":  # a criterion of the plan with its group
            position, g_position, code, title, g_code, g_title = criterion
            rows.append((int(key or 0), int(gid), int(position), str(code), str(title), first))
            if gid not in found:
                found[gid] = (g_position, GroupColumn(gid, g_code, g_title, _decimal(second)))
            continue
        if letter == "g":
            line = by_unit.get(key)
            if line is not None:
                line.groups[gid] = _decimal(first)
                line.bonus += _decimal(second)
            continue
        if not second:
            continue
        ratio = _decimal(mean).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        if letter == "c":
            met[key], counted[key], ratios[key] = int(first), int(second), ratio
        elif (line := by_unit.get(key)) is not None:
            line.met, line.with_target, line.ratio = int(first), int(second), ratio
    groups = [g for _p, g in sorted(found.values(), key=lambda pg: (pg[0], pg[1].id))]
    group_order = {g.id: i for i, g in enumerate(groups)}
    rows.sort(key=lambda c: (group_order.get(c[1], 99), c[2], c[0]))
    progress = [
        CriterionProgress(cid, code, title, gid, _decimal(max_points), met.get(cid, 0),
                          counted.get(cid, 0), ratios.get(cid))
        for cid, gid, _position, code, title, max_points in rows
    ]  # fmt: skip
    return groups, progress


@dataclass(frozen=True)
class SheetRow:
    """One criterion of a scoring sheet with the review's figures and scores, if any."""

    criterion: Criterion
    score: ReviewScore | None


@dataclass
class Sheet:
    """A scoring sheet (phiếu chấm điểm): the plan's criteria for one unit and period."""

    block: Block
    unit: Unit
    year: int
    period: str
    plan: Plan
    groups: list[tuple[CriterionGroup, list[SheetRow]]]
    review: Review | None
    state: str | None  # the review's workflow state
    counted: bool  # the review is accepted or locked (tag `counted`): its result is the block's
    reviewer: Unit | None
    leader: Unit | None  # the block's leading unit in the year

    def total(self, attr: str) -> Decimal | None:
        """Return the sum of one score column (self_score, self_bonus, score, bonus), if any."""
        values = [getattr(r.score, attr) for _g, rows in self.groups for r in rows if r.score]
        present = [Decimal(v) for v in values if v is not None]
        return sum(present, Decimal(0)) if present else None

    def group_total(self, group_id: int, attr: str) -> Decimal | None:
        """Return the sum of one score column within a group, if any score is present."""
        rows = next((rows for g, rows in self.groups if g.id == group_id), [])
        values = [getattr(r.score, attr) for r in rows if r.score]
        present = [Decimal(v) for v in values if v is not None]
        return sum(present, Decimal(0)) if present else None


def scoring_sheet(session: Session, block_id: int, year: int, unit_id: int, period: str) -> Sheet:
    """Return the scoring sheet of a member unit for a period; NotFound when there is none."""
    block = session.get(Block, block_id)
    unit = session.get(Unit, unit_id)
    places = dict(
        session.execute(
            sa.select(col(BlockMembership.unit_id), col(BlockMembership.position)).where(
                col(BlockMembership.block_id) == block_id, col(BlockMembership.year) == year
            )
        ).all()
    )
    if block is None or unit is None or unit_id not in places:
        raise NotFound(_l("This unit is not a member of the block in that year."), "unit")
    plan = plan_of_year(session, block_id, year)
    if plan is None:
        raise NotFound(_l("The block has no plan for that year."), "year")
    groups = list(session.execute(
        sa.select(CriterionGroup).where(col(CriterionGroup.plan_id) == plan.id)
        .order_by(col(CriterionGroup.position), col(CriterionGroup.id))
    ).scalars())  # fmt: skip
    criteria = list(session.execute(
        sa.select(Criterion).where(col(Criterion.plan_id) == plan.id)
        .order_by(col(Criterion.position), col(Criterion.id))
    ).scalars())  # fmt: skip
    review = session.execute(
        sa.select(Review).where(
            col(Review.block_id) == block_id, col(Review.year) == year,
            col(Review.unit_id) == unit_id, col(Review.period) == period,
        ).order_by(col(Review.id).desc())
    ).scalars().first()  # fmt: skip
    scores: dict[int, ReviewScore] = {}
    state = None
    if review is not None:
        scores = {
            s.criterion_id: s
            for s in session.execute(
                sa.select(ReviewScore).where(col(ReviewScore.review_id) == review.id)
            ).scalars()
        }
        inst = session.get(WfInstance, review.instance_id) if review.instance_id else None
        state = inst.state if inst else None
    leader_id = next((u for u, p in places.items() if p == Position.LEADER.value), None)
    return Sheet(
        block=block, unit=unit, year=year, period=period, plan=plan,
        groups=[(g, [SheetRow(c, scores.get(c.id or 0)) for c in criteria if c.group_id == g.id])
                for g in groups],
        review=review, state=state,
        counted=state is not None and state in subjects.tagged(session, REVIEW, "counted"),
        reviewer=session.get(Unit, review.reviewer_unit_id)
        if review and review.reviewer_unit_id else None,
        leader=session.get(Unit, leader_id) if leader_id else None,
    )  # fmt: skip


def may_see_scores(session: Session, user: User, sheet: Sheet) -> bool:
    """Tell whether `user` may read the sheet's figures and scores.

    Accepted or locked results are the block's to read; before that, whoever may open the
    review itself (its unit, its reviewer, the committee: `review.may_view`).
    """

    if sheet.review is None or sheet.counted:
        return True
    return subjects.may_view(session, user, sheet.review)

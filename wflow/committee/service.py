"""The committee's dashboard: every block of a year, its workflows by state, pact signatures.

A constant number of queries whatever the number of blocks: the blocks with their members,
the instances of the year counted by state of every block when a filter on them picks the
blocks, then for the blocks of the page asked for only, in one statement, the listed
instances with their units' names, the reviews per period, the current signing round of the
newest pacts and, unfiltered, their instances counted by state.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlmodel import Session, col

from wflow.clock import utcnow
from wflow.core.paging import Page, paginate, whole
from wflow.engine import Definition, WfInstance, WfParticipant
from wflow.org import epoch
from wflow.org.models import Block, BlockMembership, Position, Unit
from wflow.reviews.models import PERIOD_ORDER, Review

# The columns of the dashboard, in order; any other workflow is counted under "other".
COLUMNS = ("plan", "pact", "review", "nomination")
# Workflows whose instances are listed one by one (a block has few); reviews are counted.
LISTED = ("plan", "pact", "nomination")
PAGE_SIZE = 12  # blocks per page of the dashboard


@dataclass(frozen=True)
class InstanceRef:
    """One instance as the dashboard links to it."""

    id: int
    workflow: str
    state: str
    due_at: datetime | None
    overdue: bool
    unit: str | None = None  # the name of the unit the instance is about, if any


@dataclass
class PeriodCounts:
    """A block's reviews of one period: submitted on time, late, missing (overdue), pending."""

    KINDS: ClassVar[tuple[str, ...]] = ("on_time", "late", "missing", "pending")  # field order

    on_time: int = 0
    late: int = 0
    missing: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        """Return how many reviews the period has."""
        return self.on_time + self.late + self.missing + self.pending


@dataclass
class BlockRow:
    """One block in the year: its leader, instances by workflow and state, signatures."""

    block_id: int
    name: str
    code: str
    leader: str
    members: int
    instances: list[InstanceRef] = field(default_factory=list)  # LISTED ones and overdue ones
    counts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    signed: int = 0
    expected: int = 0
    missing: list[str] = field(default_factory=list)
    periods: dict[str, PeriodCounts] = field(default_factory=dict)  # in the year's order
    overdue: int = 0  # instances past due and not finished

    def latest(self, workflow: str) -> InstanceRef | None:
        """Return the newest instance of `workflow` for the block."""
        found = [i for i in self.instances if i.workflow == workflow]
        return max(found, key=lambda i: i.id) if found else None

    def listed(self, workflow: str) -> list[InstanceRef]:
        """Return the block's instances of `workflow` that are listed one by one."""
        return [i for i in self.instances if i.workflow == workflow]


@dataclass
class Dashboard:
    """The blocks of a year as the committee sees them."""

    year: int
    rows: list[BlockRow]  # the blocks of the page, by name
    states: dict[str, list[str]]  # workflow -> states seen on the page, in definition order
    page: Page[BlockRow]  # where the rows lie among every block matching the filters
    choices: list[tuple[int, str]]  # every block of the councils, by name: the block filter's


# The statements of `build`, built once (their values bound per call): the dashboard runs
# them on every view, and building a statement costs more than the database takes to answer.
# Each names its blocks (`block_id IN :blocks`), which leaves out the instances of no block; a
# `block_id IS NOT NULL` beside it made SQLite read every block's instances of the year (a
# range on its index, `block_id > NULL`) instead of looking up the page's blocks one by one.
_IN_YEAR = col(WfInstance.year) == sa.bindparam("year")
_OF_BLOCKS = (_IN_YEAR, col(WfInstance.block_id).in_(sa.bindparam("blocks", expanding=True)))
_PAST_DUE = sa.and_(
    col(WfInstance.due_at).is_not(None), col(WfInstance.due_at) < sa.bindparam("now")
)
_LATE = sa.func.sum(sa.case((_PAST_DUE, 1), else_=0))  # how many of a group are past due
_BY_STATE = (col(WfInstance.block_id), col(WfInstance.workflow), col(WfInstance.state))
_GROUPED = (  # some blocks' instances of the year by workflow and state, those past due
    sa.select(*_BY_STATE, sa.func.count(), _LATE)
    .where(*_OF_BLOCKS)
    .group_by(*_BY_STATE)
    # in order: the blocks table lists a workflow's states as counted (SQLite groups in this
    # order; PostgreSQL's order followed its plan, which an index could change)
    .order_by(*_BY_STATE)
)  # fmt: skip


def build(
    session: Session,
    definitions: dict[str, Definition],
    *,
    year: int,
    block_id: int | None = None,
    state: str | None = None,
    overdue: bool = False,
    now: datetime | None = None,
    councils: Collection[int] | None = None,
    page: int | None = None,
    size: int = PAGE_SIZE,
) -> Dashboard:
    """Return the dashboard of `year`, filtered by block, state and overdue (two queries, a
    third to count every block when filtered by state or overdue); only the blocks of
    `councils` when given (a council's own and those below it); page `page` of `size` blocks
    by name when given (PageNotFound past the last), else every one."""
    now = now or utcnow()
    finals = {
        name: {s for s, st in d.states.items() if st.final} for name, d in definitions.items()
    }
    choices, found = _blocks(session, year, councils)
    rows = {r.block_id: r for r in found if block_id is None or r.block_id == block_id}
    ordered = sorted(rows.values(), key=lambda r: r.name)
    counted = not state and not overdue  # every block shows: the page's rows count them
    if counted:
        shown = whole(ordered) if page is None else paginate(ordered, page, size)
    else:  # the filters pick the blocks: count every block's first
        matched = _counts(session, year, now, rows, finals, state=state, overdue=overdue)
        matching = [r for r in ordered if r.block_id in matched]
        shown = whole(matching) if page is None else paginate(matching, page, size)
    on_page = {r.block_id: r for r in shown.items}
    if on_page:
        _page_rows(session, year, on_page, finals, now, counted=counted)
    listed = list(shown.items)
    return Dashboard(year=year, rows=listed, states=_states(definitions, listed), page=shown,
                     choices=choices)  # fmt: skip


def _counts(
    session: Session, year: int, now: datetime, rows: dict[int, BlockRow],
    finals: dict[str, set[str]], *, state: str | None = None, overdue: bool = False,
) -> set[int]:  # fmt: skip
    """Count the blocks' instances by workflow and state (only those past due when `overdue`,
    only the state `state` when given), and each block's instances past due (one query);
    return the blocks with instances so counted."""
    if not rows:
        return set()
    values = {"year": year, "now": now, "blocks": sorted(rows)}
    found = session.connection().execute(_GROUPED, values)
    return _tally(found, rows, finals, state=state, overdue=overdue)


def _tally(
    found: Iterable[Sequence[Any]], rows: dict[int, BlockRow], finals: dict[str, set[str]],
    *, state: str | None = None, overdue: bool = False,
) -> set[int]:  # fmt: skip
    """Add the counts `found` (block, workflow, state, count, past due) to the blocks' rows;
    return the blocks with instances so counted."""
    # "pact:signing" picks one workflow's state; a bare "signing" matches it in any workflow
    wanted_workflow, _sep, wanted_state = (state or "").rpartition(":")
    matched: set[int] = set()
    for bid, workflow, st, n, n_late in found:
        row = rows.get(bid or 0)
        if row is None:
            continue
        late = 0 if st in finals.get(workflow, set()) else int(n_late or 0)
        row.overdue += late
        chosen = (not wanted_state or st == wanted_state) and (
            not wanted_workflow or workflow == wanted_workflow
        )
        if chosen and (not overdue or late):
            row.counts[workflow][st] += late if overdue else int(n)
            matched.add(row.block_id)
    return matched


@cache
def _blocks_query(by_council: bool) -> sa.Select[*tuple[Any, ...]]:
    """Return the statement of `_blocks`, of the blocks of some councils or of every block.

    The year's memberships are counted and each block's leader named in one pass over them,
    grouped by block and joined to the blocks: PostgreSQL ran the two subqueries it replaces
    once per block, reading each block's memberships twice.
    """
    name = (  # the leader's name read by its key, for the leaders only (a join read every unit)
        sa.select(col(Unit.name)).where(col(Unit.id) == col(BlockMembership.unit_id))
        .scalar_subquery()
    )  # fmt: skip
    leader = sa.case((col(BlockMembership.position) == Position.LEADER.value, name))
    seats = (
        sa.select(col(BlockMembership.block_id).label("block_id"),
                  sa.func.count().label("members"), sa.func.max(leader).label("leader"))
        .where(col(BlockMembership.year) == sa.bindparam("year"))
        .group_by(col(BlockMembership.block_id))
        .subquery("seats")
    )  # fmt: skip
    query: sa.Select[*tuple[Any, ...]] = (
        sa.select(col(Block.id), col(Block.name), col(Block.code),
                  sa.func.coalesce(seats.c.members, 0), seats.c.leader)
        .outerjoin(seats, seats.c.block_id == col(Block.id))
        .order_by(col(Block.name), col(Block.id))
    )  # fmt: skip
    if by_council:
        query = query.where(col(Block.council_id).in_(sa.bindparam("councils", expanding=True)))
    return query


_BLOCK_LIST = "committee blocks"  # their kind among what is kept under the access epoch


def _blocks(
    session: Session, year: int, councils: Collection[int] | None = None
) -> tuple[list[tuple[int, str]], list[BlockRow]]:
    """Return every block (of `councils`) as (id, name) by name, and those with members in
    `year` with their code, leader and member count (new rows: the caller adds its counts).

    Read in one query from blocks, memberships and units, the tables the access epoch
    follows, so kept per process under it (`wflow.org.epoch`): the dashboard seen again by
    anyone, while nobody changes a block, a membership or a unit, reads no block.
    """
    key = (year, None if councils is None else frozenset(councils))
    found = epoch.kept(session, _BLOCK_LIST, key, lambda: _read_blocks(session, year, councils))
    choices = [(bid, name) for bid, name, _code, _n, _lead in found]
    rows = [BlockRow(block_id=bid, name=name, code=code, leader=lead, members=n)
            for bid, name, code, n, lead in found if n]  # fmt: skip
    return choices, rows


def _read_blocks(
    session: Session, year: int, councils: Collection[int] | None
) -> tuple[tuple[int, str, str, int, str], ...]:
    """Return every block (of `councils`) by name: id, name, code, members in `year`, leader."""
    values: dict[str, Any] = {"year": year}
    if councils is not None:
        values["councils"] = sorted(councils)
    found = session.connection().execute(_blocks_query(councils is not None), values).all()
    return tuple((int(bid), str(name), str(code), int(n or 0), str(lead or ""))
                 for bid, name, code, n, lead in found)  # fmt: skip


@cache
def _page_rows_query(counted: bool) -> sa.CompoundSelect[Any]:
    """Return the statement of `_page_rows`, a row kind first in each row:

    - "c" (when `counted`): the blocks' instances of the year by workflow and state, with
      those past due, as `_counts` reads them;
    - "i": some blocks' plans, pacts, nominations and instances past due, with the name of
      the unit each is about, oldest first;
    - "r": their reviews of the year counted per period and kind (each review's kind worked
      out once, not once per kind);
    - "n" and "u": per newest pact of a block, the seats of its latest signing round up to its
      current entry counted and signed, then the seats not signed yet, by position.
    """
    unit = (  # the unit's name read by its key (a join hashed every unit on PostgreSQL)
        sa.select(col(Unit.name)).where(col(Unit.id) == col(WfInstance.unit_id))
        .scalar_subquery()
    )  # fmt: skip
    listed = (
        sa.select(sa.literal("i", sa.String).label("kind"), col(WfInstance.block_id),
                  col(WfInstance.id), col(WfInstance.workflow), col(WfInstance.state),
                  col(WfInstance.due_at), unit, sa.cast(sa.null(), sa.Integer))
        .where(*_OF_BLOCKS, sa.or_(col(WfInstance.workflow).in_(LISTED), _PAST_DUE))
    )  # fmt: skip
    done = col(Review.submitted_at).is_not(None)
    kind = sa.case(
        (sa.and_(done, col(Review.late)), "late"), (done, "on_time"),
        (col(Review.due_date) < sa.bindparam("today"), "missing"), else_="pending",
    )  # fmt: skip
    no_due, no_text, no_int = (sa.cast(sa.null(), sa.DateTime), sa.cast(sa.null(), sa.String),
                               sa.cast(sa.null(), sa.Integer))  # fmt: skip
    reviews = (
        sa.select(sa.literal("r", sa.String), col(Review.block_id), sa.func.count(),
                  col(Review.period), kind, no_due, no_text, no_int)
        .where(col(Review.year) == sa.bindparam("year"),
               col(Review.block_id).in_(sa.bindparam("blocks", expanding=True)))
        .group_by(col(Review.block_id), col(Review.period), kind)
    )  # fmt: skip
    part = WfParticipant.__table__  # type: ignore[attr-defined]
    newest = (  # each block's newest pact of the year
        sa.select(sa.func.max(col(WfInstance.id)))
        .where(*_OF_BLOCKS, col(WfInstance.workflow) == "pact")
        .group_by(col(WfInstance.block_id))
        .correlate(None)
    )  # fmt: skip
    pact = WfInstance.__table__.alias("pact")  # type: ignore[attr-defined]
    current = (  # a pact's latest signing round up to its entry, read by index per pact
        sa.select(sa.func.max(part.c.round))
        .where(part.c.instance_id == pact.c.id, part.c.round <= pact.c.entry)
        .scalar_subquery()
    )  # fmt: skip
    latest = (
        sa.select(pact.c.id.label("instance_id"), current.label("round"))
        .where(pact.c.id.in_(newest))
        .subquery("latest")
    )  # fmt: skip
    seats = (
        sa.select(part.c.instance_id, part.c.position, part.c.label,
                  (sa.func.coalesce(part.c.choice, "") == "act").label("signed"))
        .join(latest, sa.and_(latest.c.instance_id == part.c.instance_id,
                              latest.c.round == part.c.round))
        .cte("seats")
    )  # fmt: skip
    signed = sa.select(
        sa.literal("n", sa.String), seats.c.instance_id, sa.func.count(), no_text, no_text,
        no_due, no_text, sa.func.sum(sa.case((seats.c.signed, 1), else_=0)),
    ).group_by(seats.c.instance_id)  # fmt: skip
    unsigned = sa.select(
        sa.literal("u", sa.String), seats.c.instance_id, seats.c.position, no_text, no_text,
        no_due, seats.c.label, no_int,
    ).where(sa.not_(seats.c.signed))  # fmt: skip
    members: list[sa.Select[*tuple[Any, ...]]] = [listed, reviews, signed, unsigned]
    if counted:
        members.append(
            sa.select(sa.literal("c", sa.String), col(WfInstance.block_id), sa.func.count(),
                      col(WfInstance.workflow), col(WfInstance.state), no_due, no_text, _LATE)
            .where(*_OF_BLOCKS)
            .group_by(*_BY_STATE)
        )  # fmt: skip
    # the instances before the seats of their pacts; each kind by its number (ids, positions)
    return sa.union_all(*members).order_by(
        sa.literal_column("1"), sa.literal_column("3"), sa.literal_column("2")
    )


def _page_rows(
    session: Session, year: int, rows: dict[int, BlockRow], finals: dict[str, set[str]],
    now: datetime, *, counted: bool = False,
) -> None:  # fmt: skip
    """Fill the blocks' plans, pacts, nominations and instances past due, with the name of the
    unit each is about; count their reviews per period (on time, late, missing, pending); and
    their signatures, from the latest signing round of each one's newest pact; when `counted`,
    count their instances by workflow and state as `_counts` does (one query).

    The latest round up to the current entry: a pact in force still shows who signed it. The
    database counts the seats and the signatures and lists only the seats not signed yet.
    """
    values = {"year": year, "now": now, "today": now.date(), "blocks": sorted(rows)}
    found: dict[int, dict[str, PeriodCounts]] = defaultdict(dict)
    pacts: dict[int, BlockRow] = {}  # a pact's id -> its block's row
    tallied: list[tuple[int, str, str, int, int]] = []  # the "c" rows, as `_counts` reads them
    for what, key, number, word, st, due, text, signed in (
        session.connection().execute(_page_rows_query(counted), values).all()
    ):  # read at once: a row at a time costs more on hundreds of them
        if what == "c":  # a count of instances: block, count, workflow, state, past due
            tallied.append((key, word, st, number, signed))
        elif what == "i":  # an instance: its block, id, workflow, state, due date, unit
            row = rows.get(key or 0)
            if row is not None:
                late = due is not None and due < now and st not in finals.get(word, set())
                row.instances.append(InstanceRef(int(number or 0), word, st, due, late, text))
                if word == "pact":
                    pacts[int(number)] = row
        elif what == "r":  # a count of reviews: the block, the count, the period, the kind
            counts = found[key].get(word)
            if counts is None:
                counts = found[key][word] = PeriodCounts()
            setattr(counts, st, int(number))
        elif (pact := pacts.get(key)) is not None:  # a newest pact's seats: counted or unsigned
            if what == "n":
                pact.expected, pact.signed = int(number), int(signed or 0)
            else:
                pact.missing.append(text)
    # in the order `_counts` reads them: the blocks table lists a workflow's states as counted
    _tally(sorted(tallied), rows, finals)
    for bid, periods in found.items():
        if bid in rows:
            ordered = sorted(periods.items(), key=lambda p: PERIOD_ORDER.get(p[0], 9))
            rows[bid].periods = dict(ordered)


def _states(definitions: dict[str, Definition], rows: list[BlockRow]) -> dict[str, list[str]]:
    """Return, per workflow, the states to show as columns: the definition's, then any other."""
    seen: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        for workflow, counter in r.counts.items():
            seen[workflow] |= set(counter)
    out: dict[str, list[str]] = {}
    for workflow in (*COLUMNS, *sorted(set(seen) - set(COLUMNS))):
        defn = definitions.get(workflow)
        ordered = list(defn.states) if defn else []
        out[workflow] = ordered + sorted(seen[workflow] - set(ordered))
    return out

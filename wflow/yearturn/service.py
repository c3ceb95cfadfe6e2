"""Open a new year: copy each block's membership, set its leadership, clone its plan as a draft.

One unit of work per block (all or nothing for that block); a block already holding members
in the new year keeps them, and a block whose plan already covers the new year keeps it, so
running it again changes nothing. Nothing of the closed year is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.core.errors import ServiceError
from wflow.core.uow import unit_of_work
from wflow.councils import service as councils
from wflow.engine import Engine
from wflow.org.models import Block, BlockMembership, Position, Role, Unit, User
from wflow.plans.clone import clone_plan, plans_of_years, title_for_year
from wflow.plans.models import Plan
from wflow.yearturn.leadership import (
    Leadership,
    elections_of,
    leadership_after,
    memberships,
    rules_of,
    set_leadership,
)
from wflow.yearturn.models import Rotation

# What happens to a block's plan: cloned, or why not.
PLAN_CLONE, PLAN_COVERED, PLAN_NONE = "clone", "covered", "none"


def may_turn_year(user: User | None) -> bool:
    """Tell whether `user` may open a new year (the secretariat or an administrator)."""
    return (
        user is not None
        and user.is_active
        and (user.has_role(Role.SECRETARIAT) or user.has_role(Role.ADMIN))
    )


def years_with_members(session: Session) -> list[int]:
    """Return the years in which some block has members, oldest first."""
    query = select(BlockMembership.year).distinct().order_by(col(BlockMembership.year))
    return list(session.exec(query).all())


def next_year(session: Session) -> int | None:
    """Return the year after the last one with members (what the page offers), if any."""
    years = years_with_members(session)
    return years[-1] + 1 if years else None


def check_year(session: Session, year: int | None) -> int:
    """Return `year` when it follows a year with members; refuse it with the reason otherwise."""
    if year is None or not 2001 <= year <= 2100:
        raise ServiceError(_l("Give a year between 2001 and 2100."), "year")
    if year - 1 not in years_with_members(session):
        raise ServiceError(
            _l("No block has member units in %(year)d: open the year after one that has.",
               year=year - 1),
            "year",
        )  # fmt: skip
    return year


@dataclass
class BlockTurn:
    """What the turn of the year does (or did) for one block."""

    block: Block
    members: list[Unit]  # last year's member units (this year's once open), by name
    leadership: Leadership
    opened: bool  # the block already has members in the new year
    plan_action: str  # PLAN_CLONE, PLAN_COVERED or PLAN_NONE
    plan: Plan | None  # last year's plan (to clone), or the plan already covering the new year
    new_title: str = ""  # the cloned plan's title
    rule: str = Rotation.ROTATE.value  # the block's rotation rule

    def unit(self, unit_id: int | None) -> Unit | None:
        """Return the member unit with id `unit_id`, if any."""
        return next((u for u in self.members if u.id == unit_id), None)

    @property
    def leader(self) -> Unit | None:
        """Return next year's leading unit."""
        return self.unit(self.leadership.leader_id)

    @property
    def deputy(self) -> Unit | None:
        """Return next year's deputy unit."""
        return self.unit(self.leadership.deputy_id)

    @property
    def nothing_to_do(self) -> bool:
        """Tell whether the block needs nothing more for the new year."""
        return self.opened and self.plan_action != PLAN_CLONE


def turn_of(session: Session, block: Block, year: int) -> BlockTurn:
    """Return what opening `year` does for `block` (a preview; nothing is written)."""
    return turns_of(session, [block], year)[0]


def turns_of(session: Session, blocks: Sequence[Block], year: int) -> list[BlockTurn]:
    """Return what opening `year` does for each of `blocks`, in order (a preview; nothing is
    written): the same statements whatever the number of blocks."""
    if not blocks:
        return []
    ids = [b.id or 0 for b in blocks]
    seats = memberships(session, ids, [year - 1, year])
    elections, rules = elections_of(session, ids, year), rules_of(session, ids)
    plans = plans_of_years(session, ids, [year - 1, year])
    out = []
    for block, block_id in zip(blocks, ids, strict=True):
        before, now = seats[(block_id, year - 1)], seats[(block_id, year)]
        opened = bool(now)
        if opened:
            leadership = set_leadership(now)
        else:
            leadership = leadership_after(before, elections.get(block_id), rules[block_id])
        current, last = plans[(block_id, year)], plans[(block_id, year - 1)]
        if current is not None:
            action, plan, title = PLAN_COVERED, current, ""
        elif last is not None:
            action, plan, title = PLAN_CLONE, last, title_for_year(last.title, last.period, year)
        else:
            action, plan, title = PLAN_NONE, None, ""
        out.append(BlockTurn(
            block=block, members=[u for u, _p in (now if opened else before)],
            leadership=leadership, opened=opened, plan_action=action, plan=plan,
            new_title=title, rule=rules[block_id],
        ))  # fmt: skip
    return out


def blocks_of(session: Session, year: int, council_id: int | None = None) -> list[Block]:
    """Return the blocks with members in `year - 1` (those the turn to `year` concerns), by name;
    only the council's when given (every council's: the command line)."""
    ids = select(BlockMembership.block_id).where(BlockMembership.year == year - 1)
    query = select(Block).where(col(Block.id).in_(ids)).order_by(col(Block.name), col(Block.id))
    if council_id is not None:
        query = query.where(Block.council_id == council_id)
    return list(session.exec(query).all())


def preview(session: Session, year: int, council_id: int | None = None) -> list[BlockTurn]:
    """Return, block by block, what opening `year` would do; refuse a year that cannot open."""
    check_year(session, year)
    return turns_of(session, blocks_of(session, year, council_id), year)


@dataclass
class YearReport:
    """What opening a year did: blocks whose membership was copied, plans cloned, blocks kept."""

    year: int
    copied: list[str] = field(default_factory=list)  # block names
    cloned: list[str] = field(default_factory=list)  # titles of the new draft plans
    kept: list[str] = field(default_factory=list)  # block names already open (members kept)

    @property
    def nothing_to_do(self) -> bool:
        """Tell whether the year was already open in every block (nothing written)."""
        return not self.copied and not self.cloned


def open_year(
    session: Session,
    engine: Engine,
    *,
    year: int,
    user: User | None,
    on_block: Callable[[Block], None] | None = None,
) -> YearReport:
    """Open `year` block by block (one unit of work each) and report what was done.

    `user` None is the system (the command line: every council's blocks); a person opens it
    for their own council's blocks; `on_block` is told after each block.
    """
    check_year(session, year)
    report = YearReport(year=year)
    council_id = councils.of_user(session, user) if user is not None else None
    for block in blocks_of(session, year, council_id):
        with unit_of_work(session):
            _open_block(session, engine, block, year, user, report)
        if on_block is not None:
            on_block(block)
    return report


def _open_block(
    session: Session, engine: Engine, block: Block, year: int, user: User | None, report: YearReport
) -> None:
    # Lock the block's row (PostgreSQL) so that two runs at once open it only once.
    session.exec(select(Block.id).where(Block.id == block.id).with_for_update()).first()
    turn = turn_of(session, block, year)
    if turn.opened:
        report.kept.append(block.name)
    else:
        for unit in turn.members:
            session.add(
                BlockMembership(
                    block_id=block.id or 0, year=year, unit_id=unit.id or 0,
                    position=_position(turn.leadership, unit.id or 0),
                )
            )  # fmt: skip
        session.flush()
        report.copied.append(block.name)
    if turn.plan_action == PLAN_CLONE and turn.plan is not None:
        copy = clone_plan(session, engine, plan=turn.plan, year=year, user=user)
        report.cloned.append(copy.title)


def _position(leadership: Leadership, unit_id: int) -> str:
    if unit_id == leadership.leader_id:
        return Position.LEADER.value
    if unit_id == leadership.deputy_id:
        return Position.DEPUTY.value
    return Position.MEMBER.value

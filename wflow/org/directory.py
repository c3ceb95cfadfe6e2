"""Read models of the organisation: who belongs to which block in which year."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, col, select

from wflow.org import epoch
from wflow.org.models import Block, BlockMembership, Position, Unit, User


@dataclass(frozen=True)
class BlockLabel:
    """A block as a page names it: its id, name and code."""

    id: int
    name: str
    code: str


_LABELS = "block labels"  # their kind among what is kept per process under the access epoch
_LABEL = sa.select(col(Block.name), col(Block.code)).where(col(Block.id) == sa.bindparam("id"))


def block_label(session: Session, block_id: int) -> BlockLabel | None:
    """Return a block's name and code (None: no such block), kept per process under the access
    epoch (`wflow.org.epoch`): a page seen again names its block without reading it."""

    def read() -> BlockLabel | None:
        found = session.connection().execute(_LABEL, {"id": block_id}).first()
        return None if found is None else BlockLabel(block_id, str(found[0]), str(found[1]))

    return epoch.kept(session, _LABELS, block_id, read)


_UNIT_NAMES = "unit names"  # their kind among what is kept per process under the access epoch
_UNIT_NAME = sa.select(col(Unit.name)).where(col(Unit.id) == sa.bindparam("id"))


def unit_name(session: Session, unit_id: int) -> str | None:
    """Return a unit's name (None: no such unit), kept per process under the access epoch (a
    unit renamed raises it): the layout names the user's unit on every page without reading it."""

    def read() -> str | None:
        found = session.connection().execute(_UNIT_NAME, {"id": unit_id}).scalar()
        return None if found is None else str(found)

    return epoch.kept(session, _UNIT_NAMES, unit_id, read)


@dataclass
class BlockYear:
    """A block in one year: its member units with their positions."""

    block: Block
    year: int
    members: list[tuple[Unit, str]] = field(default_factory=list)

    @property
    def leader(self) -> Unit | None:
        """Return the leading unit (trưởng khối), if set."""
        return next((u for u, p in self.members if p == Position.LEADER.value), None)

    @property
    def deputy(self) -> Unit | None:
        """Return the deputy unit (phó khối), if set."""
        return next((u for u, p in self.members if p == Position.DEPUTY.value), None)


_ORDER = {Position.LEADER.value: 0, Position.DEPUTY.value: 1, Position.MEMBER.value: 2}


def block_years(
    session: Session,
    *,
    year: int | None = None,
    block_id: int | None = None,
    councils: Collection[int] | None = None,
) -> list[BlockYear]:
    """Return blocks with their members per year, leader and deputy first, in one query (the
    blocks of `councils` only, when given)."""
    query = (
        select(BlockMembership, Block, Unit)
        .join(Block, col(Block.id) == BlockMembership.block_id)
        .join(Unit, col(Unit.id) == BlockMembership.unit_id)
    )
    if year is not None:
        query = query.where(BlockMembership.year == year)
    if block_id is not None:
        query = query.where(BlockMembership.block_id == block_id)
    if councils is not None:
        query = query.where(col(Block.council_id).in_(sorted(councils)))
    result: dict[tuple[int, int], BlockYear] = {}
    for m, block, unit in session.exec(query).all():
        key = (m.block_id, m.year)
        result.setdefault(key, BlockYear(block=block, year=m.year)).members.append(
            (unit, m.position)
        )
    for by in result.values():
        by.members.sort(key=lambda up: (_ORDER.get(up[1], 3), up[0].name))
    return sorted(result.values(), key=lambda by: (-by.year, by.block.name))


@dataclass(frozen=True)
class BlockRow:
    """A block in one year as a list of blocks shows it: its leading and deputy units' names
    and how many units it has."""

    id: int
    name: str
    code: str
    kind: str
    year: int
    leader: str | None
    deputy: str | None
    members: int


_ROWS = "block rows"  # their kind among what is kept per process under the access epoch


def _in_position(position: Position) -> sa.ColumnElement[str | None]:
    """The name of the block's unit in `position` (a block has one leader, one deputy)."""
    return sa.func.min(sa.case((col(BlockMembership.position) == position.value, col(Unit.name))))


def block_rows(
    session: Session, *, year: int | None = None, unit_id: int | None = None,
    councils: Collection[int] | None = None,
) -> tuple[BlockRow, ...]:  # fmt: skip
    """Return the blocks of `year` (of `councils` only, when given), or those `unit_id` is a
    member of in any year, newest year first, by name: one query of counts and names (not a
    row per member), kept per process under the access epoch (`wflow.org.epoch`)."""

    def read() -> tuple[BlockRow, ...]:
        query = (
            sa.select(col(BlockMembership.block_id), col(Block.name), col(Block.code),
                      col(Block.kind), col(BlockMembership.year), _in_position(Position.LEADER),
                      _in_position(Position.DEPUTY), sa.func.count())
            .join(Block, col(Block.id) == BlockMembership.block_id)
            .join(Unit, col(Unit.id) == BlockMembership.unit_id)
            .group_by(col(BlockMembership.block_id), col(Block.name), col(Block.code),
                      col(Block.kind), col(BlockMembership.year))
        )  # fmt: skip
        if year is not None:
            query = query.where(col(BlockMembership.year) == year)
        if councils is not None:
            query = query.where(col(Block.council_id).in_(sorted(councils)))
        if unit_id is not None:
            seats = sa.select(col(BlockMembership.block_id), col(BlockMembership.year)).where(
                col(BlockMembership.unit_id) == unit_id
            )
            query = query.where(
                sa.tuple_(col(BlockMembership.block_id), col(BlockMembership.year)).in_(seats)
            )
        found = session.connection().execute(query).all()
        rows = [BlockRow(int(bid), str(name), str(code), str(kind), int(y), leader, deputy, int(n))
                for bid, name, code, kind, y, leader, deputy, n in found]  # fmt: skip
        return tuple(sorted(rows, key=lambda r: (-r.year, r.name)))

    key = (year, unit_id, None if councils is None else frozenset(councils))
    return epoch.kept(session, _ROWS, key, read)


def block_years_of(session: Session, block_id: int) -> list[int]:
    """Return the years in which the block has members, newest first."""
    query = select(BlockMembership.year).where(BlockMembership.block_id == block_id).distinct()
    return sorted(session.exec(query).all(), reverse=True)


def unit_users(session: Session, unit_id: int) -> list[User]:
    """Return the unit's users by name."""
    query = select(User).where(User.unit_id == unit_id).order_by(col(User.display_name))
    return list(session.exec(query).all())

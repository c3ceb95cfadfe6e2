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
    unit_id: int | None = None,
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
    if unit_id is not None:
        mine = select(BlockMembership.block_id, BlockMembership.year).where(
            BlockMembership.unit_id == unit_id
        )
        pairs = set(session.exec(mine).all())
        if not pairs:
            return []
        query = query.where(col(BlockMembership.block_id).in_({b for b, _ in pairs}))
    result: dict[tuple[int, int], BlockYear] = {}
    for m, block, unit in session.exec(query).all():
        if unit_id is not None and (m.block_id, m.year) not in pairs:
            continue
        key = (m.block_id, m.year)
        result.setdefault(key, BlockYear(block=block, year=m.year)).members.append(
            (unit, m.position)
        )
    for by in result.values():
        by.members.sort(key=lambda up: (_ORDER.get(up[1], 3), up[0].name))
    return sorted(result.values(), key=lambda by: (-by.year, by.block.name))


def block_years_of(session: Session, block_id: int) -> list[int]:
    """Return the years in which the block has members, newest first."""
    query = select(BlockMembership.year).where(BlockMembership.block_id == block_id).distinct()
    return sorted(session.exec(query).all(), reverse=True)


def unit_users(session: Session, unit_id: int) -> list[User]:
    """Return the unit's users by name."""
    query = select(User).where(User.unit_id == unit_id).order_by(col(User.display_name))
    return list(session.exec(query).all())

"""Next year's leader and deputy of a block: its rotation rule, or its conference's election.

The rotation order is the order in which the block's pages list its member units (by name);
an election recorded for the new year takes precedence over the rule.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, delete, select

from wflow.clock import utcnow
from wflow.core.errors import ServiceError
from wflow.core.uow import transactional
from wflow.org.models import Block, BlockMembership, Position, Unit, User
from wflow.org.service import clean_text
from wflow.yearturn.models import BlockRotation, LeadershipElection, Rotation

CONFERENCE = "conference"  # the source of a leadership the year-end conference elected
ALREADY_SET = "set"  # the source of a leadership already in the new year's membership
SOURCE_LABELS = {
    Rotation.ROTATE.value: _l("by rotation: the deputy leads, the next member unit deputises"),
    Rotation.KEEP.value: _l("by the block's rule: the same leader and deputy stay"),
    CONFERENCE: _l("elected at the year-end conference"),
    ALREADY_SET: _l("as already set for the year"),
}
RULE_LABELS = {
    Rotation.ROTATE.value: _l("Rotate: the deputy becomes leader, the next member unit deputy"),
    Rotation.KEEP.value: _l("Keep: the same leader and deputy stay"),
}


@dataclass(frozen=True)
class Leadership:
    """A block's leader and deputy for a year, and why (a rule or the conference)."""

    leader_id: int | None
    deputy_id: int | None
    source: str


def rotate(order: Sequence[int], leader_id: int | None, deputy_id: int | None) -> Leadership:
    """Pass the leadership on: the deputy leads, the unit after it in `order` deputises.

    Without a deputy, the unit after the leader leads; the outgoing leader deputises only
    when no other unit is left (a block of two swaps its leader and deputy).
    """
    if not order:
        return Leadership(None, None, Rotation.ROTATE.value)
    if deputy_id is not None and deputy_id in order:
        new_leader = deputy_id
    elif leader_id is not None and leader_id in order:
        new_leader = _after(order, leader_id)
    else:
        new_leader = order[0]
    others = _from(order, new_leader)
    fresh = [u for u in others if u != leader_id]
    new_deputy = (fresh or others)[0] if others else None
    return Leadership(new_leader, new_deputy, Rotation.ROTATE.value)


def _after(order: Sequence[int], unit_id: int) -> int:
    return order[(order.index(unit_id) + 1) % len(order)]


def _from(order: Sequence[int], unit_id: int) -> list[int]:
    at = order.index(unit_id)
    return [*order[at + 1 :], *order[:at]]


def rule_of(session: Session, block_id: int) -> str:
    """Return the block's rotation rule (rotate when none was set)."""
    return rules_of(session, [block_id])[block_id]


def rules_of(session: Session, block_ids: Collection[int]) -> dict[int, str]:
    """Return each block's rotation rule by id (rotate when none was set): one query."""
    query = select(BlockRotation.block_id, BlockRotation.rule).where(
        col(BlockRotation.block_id).in_(sorted(block_ids))
    )
    chosen = dict(session.exec(query).all())
    return {b: chosen.get(b, Rotation.ROTATE.value) for b in block_ids}


def election_of(session: Session, block_id: int, year: int) -> LeadershipElection | None:
    """Return what the block's year-end conference elected for `year`, if recorded."""
    return elections_of(session, [block_id], year).get(block_id)


def elections_of(
    session: Session, block_ids: Collection[int], year: int
) -> dict[int, LeadershipElection]:
    """Return what each block's year-end conference elected for `year`, by block: one query."""
    query = select(LeadershipElection).where(
        col(LeadershipElection.block_id).in_(sorted(block_ids)), LeadershipElection.year == year
    )
    return {e.block_id: e for e in session.exec(query).all()}


def members_of(session: Session, block_id: int, year: int) -> list[tuple[Unit, str]]:
    """Return the block's member units in `year` with their positions, by name."""
    return memberships(session, [block_id], [year])[(block_id, year)]


def memberships(
    session: Session, block_ids: Collection[int], years: Collection[int]
) -> dict[tuple[int, int], list[tuple[Unit, str]]]:
    """Return each block's member units and positions in each year, by (block id, year) and
    by name: one query whatever the number of blocks and years."""
    query = (
        select(Unit, BlockMembership.block_id, BlockMembership.year, BlockMembership.position)
        .join(BlockMembership, col(BlockMembership.unit_id) == Unit.id)
        .where(col(BlockMembership.block_id).in_(sorted(block_ids)),
               col(BlockMembership.year).in_(sorted(years)))
    )  # fmt: skip
    out: dict[tuple[int, int], list[tuple[Unit, str]]] = {
        (b, y): [] for b in block_ids for y in years
    }
    for unit, block_id, year, position in session.exec(query).all():
        out[(block_id, year)].append((unit, position))
    # Sorted here, not by the database, whose collation differs between SQLite and PostgreSQL.
    for rows in out.values():
        rows.sort(key=lambda row: (row[0].name, row[0].id or 0))
    return out


def set_leadership(members: Sequence[tuple[Unit, str]]) -> Leadership:
    """Return the leader and deputy the given membership already holds."""
    leader = next((u.id for u, p in members if p == Position.LEADER.value), None)
    deputy = next((u.id for u, p in members if p == Position.DEPUTY.value), None)
    return Leadership(leader, deputy, ALREADY_SET)


def leadership_after(
    members: Sequence[tuple[Unit, str]], elected: LeadershipElection | None, rule: str
) -> Leadership:
    """Return next year's leader and deputy from this year's `members`: the conference's
    election when it names a member, else the block's `rule`."""
    order = [u.id or 0 for u, _p in members]
    if elected is not None and elected.leader_unit_id in order:
        deputy = elected.deputy_unit_id if elected.deputy_unit_id in order else None
        return Leadership(elected.leader_unit_id, deputy, CONFERENCE)
    now = set_leadership(members)
    if rule == Rotation.KEEP.value:
        return Leadership(now.leader_id, now.deputy_id, Rotation.KEEP.value)
    return rotate(order, now.leader_id, now.deputy_id)


@transactional
def set_succession(
    session: Session,
    *,
    user: User | None,
    block: Block,
    year: int,
    rule: str,
    leader_id: int | None,
    deputy_id: int | None,
    note: str = "",
) -> None:
    """Set the block's rotation rule and record (or clear) its conference's election for `year`.

    The elected units must be members of the block in `year - 1` (whose membership the turn
    of the year copies); no leader given clears a recorded election.
    """
    if rule not in {r.value for r in Rotation}:
        raise ServiceError(_l("Choose a rule from the list."), "rule")
    members = {u.id for u, _p in members_of(session, block.id or 0, year - 1)}
    if not members:
        raise ServiceError(
            _l("The block has no member units in %(year)d.", year=year - 1), "leader_id"
        )
    if leader_id and leader_id not in members:
        raise ServiceError(_l("The leader must be a member of the block."), "leader_id")
    if deputy_id and deputy_id not in members:
        raise ServiceError(_l("The deputy must be a member of the block."), "deputy_id")
    if deputy_id and not leader_id:
        raise ServiceError(_l("Give the elected leader with the deputy."), "leader_id")
    if leader_id and leader_id == deputy_id:
        raise ServiceError(_l("The leader and the deputy must be different units."), "deputy_id")
    text = clean_text(note, "note", max_len=500, required=False)
    row = session.get(BlockRotation, block.id) or BlockRotation(block_id=block.id or 0)
    row.rule, row.updated_by_user_id, row.updated_at = rule, user.id if user else None, utcnow()
    session.add(row)
    session.exec(
        delete(LeadershipElection).where(
            col(LeadershipElection.block_id) == block.id, col(LeadershipElection.year) == year
        )
    )
    if leader_id:
        session.add(
            LeadershipElection(
                block_id=block.id or 0,
                year=year,
                leader_unit_id=leader_id,
                deputy_unit_id=deputy_id or None,
                note=text,
                recorded_by_user_id=user.id if user else None,
            )
        )

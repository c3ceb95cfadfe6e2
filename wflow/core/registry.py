"""The organisation's names workflow definitions use (roles, resolvers).

Roles map an instance's scope to principals (see `core.access.principals`); resolvers list
the parties of a multi-party step; data roles and resolvers read the units named in the
instance's data (`{role: unit_head_of, from: parties}`). Each feature registers its own
guards and effects (`wflow.workflow_rules` composes them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlmodel import col, select

from wflow.councils import service as councils
from wflow.engine import FireContext, Participant, Registry, Scope
from wflow.org.models import BlockMembership, Position, Role, Unit, User

_ORDER = {Position.LEADER.value: 0, Position.DEPUTY.value: 1, Position.MEMBER.value: 2}


def register(reg: Registry) -> None:
    """Register the organisation's roles and resolvers (units, blocks, the committee)."""

    def unit(suffix: str) -> None:
        @reg.role(f"unit_{suffix}")
        def _role(scope: Scope) -> Iterable[str]:
            return [f"unit:{scope.unit_id}:{suffix}"] if scope.unit_id else []

    def block(role_name: str, suffix: str) -> None:
        @reg.role(role_name)
        def _role(scope: Scope) -> Iterable[str]:
            if scope.block_id is None or scope.year is None:
                return []
            return [f"block:{scope.block_id}:{scope.year}:{suffix}"]

    unit("head")
    unit("member")
    block("block_leader", "leader")
    block("block_leader_head", "leader_head")
    block("block_member", "member")

    def committee(role_name: str, prefix: str) -> None:
        @reg.role(role_name)
        def _role(scope: Scope) -> Iterable[str]:
            return [f"{prefix}:{scope.council_id}"] if scope.council_id else []

    committee("secretariat", "secretariat")
    committee("council_member", "council")
    committee("admin", "admin")

    @reg.role("reviewer")
    def _reviewer(scope: Scope) -> Iterable[str]:
        reviewer = scope.data.get("reviewer_unit_id")
        return [f"unit:{int(reviewer)}:member"] if reviewer else []

    @reg.resolver("block_member_heads")
    def _heads(ctx: FireContext) -> Sequence[Participant]:
        return block_members(ctx, "head")

    @reg.resolver("block_member_units")
    def _units(ctx: FireContext) -> Sequence[Participant]:
        return block_members(ctx, "head")

    @reg.resolver("council_members")
    def _council(ctx: FireContext) -> Sequence[Participant]:
        query = select(User).where(User.active == True).order_by(col(User.id))  # noqa: E712
        members = [u for u in ctx.session.scalars(query) if Role.COUNCIL_MEMBER.value in u.roles
                   and councils.of_user(ctx.session, u) == ctx.scope.council_id]  # type: ignore[arg-type]  # fmt: skip
        return [
            Participant(f"user:{u.id}", f"council:user:{u.id}", u.display_name) for u in members
        ]

    @reg.data_role("unit_head_of")
    def _head_of(_scope: Scope, values: Sequence[Any]) -> Iterable[str]:
        return [f"unit:{uid}:head" for uid in unit_ids(values)]

    @reg.data_role("unit_member_of")
    def _member_of(_scope: Scope, values: Sequence[Any]) -> Iterable[str]:
        return [f"unit:{uid}:member" for uid in unit_ids(values)]

    def units(suffix: str) -> Callable[[FireContext, Sequence[Any]], Sequence[Participant]]:
        def resolve(ctx: FireContext, values: Sequence[Any]) -> Sequence[Participant]:
            ids = unit_ids(values)
            query = select(Unit.id, Unit.name).where(col(Unit.id).in_(ids))
            names: dict[int, str] = {uid: name for uid, name in ctx.session.execute(query)}
            return [Participant(f"unit:{u}", f"unit:{u}:{suffix}", names.get(u, "")) for u in ids]

        return resolve

    reg.data_resolver("unit_heads")(units("head"))  # the head acts for the unit
    reg.data_resolver("unit_members")(units("member"))  # its head or staff acts for it


def unit_ids(values: Sequence[Any]) -> list[int]:
    """Return the unit ids named in an instance's data, in order, once each (others ignored)."""
    out: list[int] = []
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and value not in out:
            out.append(value)
        elif isinstance(value, str) and value.isdigit() and int(value) not in out:
            out.append(int(value))
    return out


def block_members(ctx: FireContext, suffix: str, order: str = "parallel") -> list[Participant]:
    """Return the block's member units in the instance's year, leader and deputy first.

    `order` staggers a parallel step: "leader_last" puts the leading unit in a second stage,
    "in_order" gives every unit its own stage (leader, deputy, then the others).
    """
    scope = ctx.scope
    if scope.block_id is None or scope.year is None:
        return []
    query = (
        select(Unit.id, Unit.name, BlockMembership.position)
        .join(BlockMembership, col(BlockMembership.unit_id) == Unit.id)
        .where(BlockMembership.block_id == scope.block_id, BlockMembership.year == scope.year)
    )
    rows = sorted(ctx.session.execute(query).all(), key=lambda r: (_ORDER.get(r[2], 3), r[1]))

    def stage(index: int, position: str) -> int:
        if order == "leader_last":
            return int(position == Position.LEADER.value)
        return index if order == "in_order" else 0

    return [
        Participant(f"unit:{uid}", f"unit:{uid}:{suffix}", name, stage(i, pos))
        for i, (uid, name, pos) in enumerate(rows)
    ]

"""The names workflow definitions use (roles, resolvers), bound to the organisation's data.

Roles map an instance's scope to principals (see `services.access.principals`); resolvers
list the parties of a multi-party step. The domain issues add guards and effects here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlmodel import col, select

from wflow.awards import rules as nomination_rules
from wflow.engine import FireContext, Participant, Registry, Scope
from wflow.notifications import service as notify
from wflow.org.models import BlockMembership, Position, Role, Unit, User
from wflow.pacts import rules as pact_rules
from wflow.plans import rules as plan_rules
from wflow.reviews import rules as review_rules

_ORDER = {Position.LEADER.value: 0, Position.DEPUTY.value: 1, Position.MEMBER.value: 2}


def build_registry() -> Registry:
    """Return a registry with every role and resolver the definitions in workflows/ use."""
    reg = Registry()

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

    def everywhere(role_name: str, principal: str) -> None:
        @reg.role(role_name)
        def _role(_scope: Scope) -> Iterable[str]:
            return [principal]

    everywhere("secretariat", "secretariat")
    everywhere("council_member", "council")
    everywhere("admin", "admin")

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
        members = [u for u in ctx.session.scalars(query) if Role.COUNCIL_MEMBER.value in u.roles]
        return [
            Participant(f"user:{u.id}", f"council:user:{u.id}", u.display_name) for u in members
        ]

    plan_rules.register(reg)
    pact_rules.register(reg)
    review_rules.register(reg)
    nomination_rules.register(reg)
    notify.register(reg)
    return reg


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

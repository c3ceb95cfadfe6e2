"""A registry holding exactly the role and resolver names the domain workflows may use.

The app's real registry (built by the services layer) will replace it; until then the
loader tests check the four `workflows/*.yaml` files against these names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from wflow.engine.registry import FireContext, Participant, Registry, Scope

ROLES = (
    "unit_head",
    "unit_member",
    "block_leader",
    "block_leader_head",
    "block_member",
    "reviewer",
    "secretariat",
    "council_member",
    "admin",
)
RESOLVERS = ("block_member_heads", "block_member_units", "council_members")


def _no_principals(scope: Scope) -> Iterable[str]:
    return ()


def _no_participants(ctx: FireContext) -> Sequence[Participant]:
    return ()


def domain_registry() -> Registry:
    """Return a registry with the domain's role and resolver names bound to dummy functions."""
    registry = Registry()
    for name in ROLES:
        registry.role(name)(_no_principals)
    for name in RESOLVERS:
        registry.resolver(name)(_no_participants)
    return registry

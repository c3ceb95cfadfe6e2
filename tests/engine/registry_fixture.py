"""The app's real registry, for checking the four `workflows/*.yaml` files in loader tests.

ROLES and RESOLVERS name what every domain workflow may rely on; a test asserts the real
registry provides them.
"""

from __future__ import annotations

from wflow.engine.registry import Registry
from wflow.workflow_rules import build_registry

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


def domain_registry() -> Registry:
    """Return the registry the application builds (roles, resolvers, guards, effects)."""
    registry = build_registry()
    assert set(ROLES) <= set(registry.roles) and set(RESOLVERS) <= set(registry.resolvers)
    return registry

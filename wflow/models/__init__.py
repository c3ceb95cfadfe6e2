"""SQLModel tables, one module per aggregate; importing this registers them all."""

from wflow.models.org import Block, BlockMembership, Position, Role, Unit, UnitKind, User

__all__ = ["Block", "BlockMembership", "Position", "Role", "Unit", "UnitKind", "User"]

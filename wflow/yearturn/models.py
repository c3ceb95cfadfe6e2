"""How each block passes its leadership on, and what its year-end conference elected.

Times are naive UTC (`wflow.clock.utcnow`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from wflow.clock import utcnow


class Rotation(StrEnum):
    """A block's rule for next year's leader and deputy when no conference result is recorded."""

    ROTATE = "rotate"  # the deputy leads; the next member unit in the block's order deputises
    KEEP = "keep"  # the same leader and deputy stay


class BlockRotation(SQLModel, table=True):
    """The block's rotation rule (a block without a row rotates, the usual practice)."""

    __tablename__ = "block_rotation"

    block_id: int = Field(primary_key=True, foreign_key="block.id", ondelete="CASCADE")
    rule: str = Field(default=Rotation.ROTATE.value, max_length=10)
    updated_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())


class LeadershipElection(SQLModel, table=True):
    """The leader and deputy a block's year-end conference elected for `year` (the new year)."""

    __tablename__ = "leadership_election"
    __table_args__ = (sa.UniqueConstraint("block_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    block_id: int = Field(foreign_key="block.id", index=True, ondelete="CASCADE")
    year: int
    leader_unit_id: int = Field(foreign_key="unit.id", ondelete="RESTRICT")
    deputy_unit_id: int | None = Field(default=None, foreign_key="unit.id", ondelete="RESTRICT")
    note: str = Field(default="", max_length=500)  # e.g. the conference's minutes, its date
    recorded_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

"""The block's plan (kế hoạch thi đua): text, rules, criteria, revisions, comments, registration.

The plan's workflow state lives in the engine's instance (`Plan.instance_id`); these rows hold
what people write. Times are naive UTC; points are exact decimals (sums must balance).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from wflow.clock import utcnow

POINTS = sa.Numeric(8, 2)


class Plan(SQLModel, table=True):
    """A block's emulation plan for one year or a period of years."""

    id: int | None = Field(default=None, primary_key=True)
    block_id: int = Field(foreign_key="block.id", index=True, ondelete="CASCADE")
    year: int = Field(index=True)  # first year of the period; the workflow's year
    year_end: int  # last year of the period (== year for a one-year plan)
    title: str = Field(max_length=300)
    legal_bases: str = Field(default="", sa_type=sa.Text())
    purposes: str = Field(default="", sa_type=sa.Text())
    # [{"area": "...", "text": "..."}]: the contents by area, in order
    contents: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    # the block's rules (vote threshold, quorum, review periods, penalty, award types)
    rules: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    scale: int = 100  # total points of the criteria table (100 or 1000)
    registration_deadline: date | None = Field(default=None, sa_type=sa.Date())
    instance_id: int | None = Field(default=None, index=True)  # wf_instance of this plan
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    published_at: datetime | None = Field(default=None, sa_type=sa.DateTime())

    @property
    def period(self) -> str:
        """Return the period as people write it: "2026" or "2022-2027"."""
        return str(self.year) if self.year_end == self.year else f"{self.year}-{self.year_end}"


class CriterionGroup(SQLModel, table=True):
    """A group of criteria with its maximum points (e.g. "I. Công tác tuyên truyền")."""

    __tablename__ = "criterion_group"
    __table_args__ = (sa.UniqueConstraint("plan_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True, ondelete="CASCADE")
    position: int = 0
    code: str = Field(max_length=20)
    title: str = Field(max_length=500)
    max_points: Decimal = Field(sa_type=POINTS)


class Criterion(SQLModel, table=True):
    """A scored item (tiêu chí): max points, max bonus, the evidence required."""

    __table_args__ = (sa.UniqueConstraint("plan_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True, ondelete="CASCADE")
    group_id: int = Field(foreign_key="criterion_group.id", index=True, ondelete="CASCADE")
    position: int = 0
    code: str = Field(max_length=20)
    title: str = Field(max_length=1000)
    max_points: Decimal = Field(sa_type=POINTS)
    max_bonus: Decimal = Field(default=Decimal(0), sa_type=POINTS)
    evidence: str = Field(default="", max_length=2000)


class PlanRevision(SQLModel, table=True):
    """A frozen snapshot (JSON) of the plan's text and criteria, kept at each step."""

    __tablename__ = "plan_revision"
    __table_args__ = (sa.UniqueConstraint("plan_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True, ondelete="CASCADE")
    number: int
    trigger: str = Field(max_length=100)  # the step that kept it (open_consultation, submit)
    snapshot: dict[str, Any] = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())


class PlanComment(SQLModel, table=True):
    """A member unit's comment on a section or a criterion, and the leader's answer."""

    __tablename__ = "plan_comment"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True, ondelete="CASCADE")
    unit_id: int = Field(foreign_key="unit.id", ondelete="RESTRICT")
    user_id: int = Field(foreign_key="user.id", ondelete="RESTRICT")
    section: str = Field(max_length=30)  # title, legal_bases, purposes, contents, rules, criterion
    criterion_id: int | None = Field(default=None, foreign_key="criterion.id", ondelete="SET NULL")
    target: str = Field(default="", max_length=1100)  # what it was about, kept if edited away
    body: str = Field(sa_type=sa.Text())
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    answer: str = Field(default="", sa_type=sa.Text())
    answered_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    answered_at: datetime | None = Field(default=None, sa_type=sa.DateTime())


class Registration(SQLModel, table=True):
    """A member unit's registration (đăng ký thi đua) against a published plan for a year."""

    __table_args__ = (sa.UniqueConstraint("plan_id", "unit_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True, ondelete="CASCADE")
    unit_id: int = Field(foreign_key="unit.id", index=True, ondelete="RESTRICT")
    year: int
    note: str = Field(default="", max_length=2000)
    registered_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    registered_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())


class RegistrationTarget(SQLModel, table=True):
    """A unit's target for one criterion: what it commits to, and the points it aims at."""

    __tablename__ = "registration_target"
    __table_args__ = (sa.UniqueConstraint("registration_id", "criterion_id"),)

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True, ondelete="CASCADE")
    criterion_id: int = Field(foreign_key="criterion.id", ondelete="CASCADE")
    target: str = Field(max_length=1000)
    points: Decimal | None = Field(default=None, sa_type=POINTS)

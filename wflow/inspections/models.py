"""An inspection (kiểm tra, giám sát) of a unit or a block, and the recommendations it makes.

The council's secretariat plans an inspection of one unit or one block (`unit_id` or
`block_id`, exactly one), carries it out in its window, records its findings and
recommendations; each recommendation has an owner unit (and optionally a person's name) and a
due date, and the owner answers it; the secretariat closes each one, then the inspection.
The inspection's state lives in the engine's instance (`workflows/inspection.yaml`); a
recommendation's own state is one of `RecommendationState`. Times are naive UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from wflow.clock import utcnow


class RecommendationState(StrEnum):
    """Where a recommendation stands: open, answered by its owner, closed by the secretariat."""

    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class Inspection(SQLModel, table=True):
    """An inspection of one unit or one block by the council (its secretariat)."""

    __tablename__ = "inspection"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)  # "Kiểm tra công tác Đoàn 6 tháng đầu năm 2023"
    inspecting_body: str = Field(max_length=200)  # "Đoàn kiểm tra của Ban Thường vụ …"
    lead_name: str = Field(default="", max_length=120)  # who heads the inspecting team
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True,
                                ondelete="RESTRICT")  # fmt: skip
    block_id: int | None = Field(default=None, foreign_key="block.id", index=True,
                                 ondelete="RESTRICT")  # fmt: skip
    year: int = Field(index=True)  # the year of its window's start
    basis: str = Field(default="", sa_type=sa.Text())  # the plan or decision it carries out
    scope: str = Field(default="", sa_type=sa.Text())  # what it looks at
    starts_on: date = Field(sa_type=sa.Date())
    ends_on: date = Field(sa_type=sa.Date())
    findings: str = Field(default="", sa_type=sa.Text())  # the conclusions, once recorded
    findings_recorded_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    instance_id: int | None = Field(default=None, index=True)
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())


class Recommendation(SQLModel, table=True):
    """A recommendation (kiến nghị) of an inspection: what its owner must do, by when."""

    __tablename__ = "inspection_recommendation"
    __table_args__ = (
        sa.Index("ix_inspection_recommendation_owner_state", "owner_unit_id", "state"),
        sa.Index("ix_inspection_recommendation_state_due", "state", "due_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="inspection.id", index=True, ondelete="CASCADE")
    text: str = Field(sa_type=sa.Text())
    owner_unit_id: int = Field(foreign_key="unit.id", ondelete="RESTRICT")
    owner_person: str = Field(default="", max_length=120)  # the person in charge, by name
    due_on: date = Field(sa_type=sa.Date())
    state: str = Field(default=RecommendationState.OPEN.value, max_length=20)
    answer: str = Field(default="", sa_type=sa.Text())  # the owner's account of what it did
    answered_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    answered_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    close_note: str = Field(default="", sa_type=sa.Text())  # the secretariat's assessment
    closed_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    closed_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

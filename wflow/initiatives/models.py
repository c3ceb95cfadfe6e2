"""An initiative, model or research topic (sáng kiến, mô hình, đề tài) and its authors.

An `Initiative` belongs to a unit (the one that records it and counts it first) and is
recognised at a level by a decision (number, date, issuer). Its authors are people and/or
units (`InitiativeAuthor`, exactly one of the two per row), in the order they are named.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from wflow.clock import utcnow


class InitiativeKind(StrEnum):
    """What was recorded."""

    INITIATIVE = "initiative"  # sáng kiến
    MODEL = "model"  # mô hình (a working model, e.g. "Chi đoàn số")
    RESEARCH = "research"  # đề tài khoa học


class Level(StrEnum):
    """The level that recognised it, lowest first (Decree 98/2023 art. 21)."""

    UNIT = "unit"  # cấp cơ sở: the unit's head
    PROVINCE = "province"  # cấp tỉnh, bộ, ngành, đoàn thể trung ương
    NATIONAL = "national"  # toàn quốc


LEVEL_ORDER = {level.value: rank for rank, level in enumerate(Level)}


class Initiative(SQLModel, table=True):
    """A recorded initiative, model or research topic of a unit, with its recognition."""

    __table_args__ = (sa.Index("ix_initiative_unit_year", "unit_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)  # an `InitiativeKind`
    title: str = Field(max_length=500)
    year: int = Field(index=True)  # the year it was recognised (counted in that year)
    unit_id: int = Field(foreign_key="unit.id", ondelete="RESTRICT")  # the unit it belongs to
    level: str = Field(max_length=20)  # a `Level`
    decision_number: str = Field(default="", max_length=50)  # "125/QĐ-TĐTN"
    decision_date: date | None = Field(default=None, sa_type=sa.Date())
    decision_issuer: str = Field(default="", max_length=200)  # "Ban Thường vụ Tỉnh đoàn"
    description: str = Field(default="", sa_type=sa.Text())
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())


class InitiativeAuthor(SQLModel, table=True):
    """An author of an initiative: a person or a unit (a collective author)."""

    __tablename__ = "initiative_author"
    __table_args__ = (
        sa.UniqueConstraint("initiative_id", "person_id"),
        sa.UniqueConstraint("initiative_id", "unit_id"),
        sa.CheckConstraint(
            "(person_id IS NULL) <> (unit_id IS NULL)", name="ck_initiative_author_one"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", index=True, ondelete="CASCADE")
    person_id: int | None = Field(
        default=None, foreign_key="person.id", index=True, ondelete="RESTRICT"
    )
    unit_id: int | None = Field(
        default=None, foreign_key="unit.id", index=True, ondelete="RESTRICT"
    )
    position: int = 0  # order in the list of authors

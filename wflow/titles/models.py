"""A unit head's decision on its people's titles for a year, and the titles it granted.

A `TitleDecision` (quyết định công nhận danh hiệu) is issued by the head of a unit for the
results of one year, with its number and date; each `PersonTitle` it holds grants one award
of the catalogue (Lao động tiên tiến, Chiến sĩ thi đua cơ sở) to one person. A person holds
an award at most once per year ("one achievement, one award"); `unit_id` is the unit that
decided, kept when the person later moves: the title stays in their history.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from wflow.clock import utcnow


class TitleDecision(SQLModel, table=True):
    """A unit head's decision granting titles to the unit's people for one year's results."""

    __tablename__ = "title_decision"
    __table_args__ = (sa.UniqueConstraint("unit_id", "year", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True, ondelete="RESTRICT")
    year: int  # the year of the results it recognises
    number: str = Field(max_length=50)  # "15/QĐ-TĐTN"
    issued_on: date = Field(sa_type=sa.Date())
    decided_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())


class PersonTitle(SQLModel, table=True):
    """An award of the catalogue granted to a person for a year, by a decision."""

    __tablename__ = "person_title"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "award_id", "year"),
        sa.Index("ix_person_title_unit_year", "unit_id", "year"),
    )

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="title_decision.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="RESTRICT")
    award_id: int = Field(foreign_key="award.id", index=True, ondelete="RESTRICT")
    unit_id: int = Field(foreign_key="unit.id", ondelete="RESTRICT")  # the deciding unit
    year: int

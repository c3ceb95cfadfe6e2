"""A coordination programme (chương trình phối hợp), its parties and its yearly reviews.

The programme's workflow state lives in the engine's instance (`Programme.instance_id`); its
PDF revisions are `Document` rows (`Document.programme_id`). Times are naive UTC.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from wflow.clock import utcnow


class Programme(SQLModel, table=True):
    """A programme of coordinated work between units for a period of years."""

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True, ondelete="RESTRICT")  # drafts it
    year: int = Field(index=True)  # first year of the period
    year_end: int  # last year of the period
    number: str = Field(max_length=50)  # "01/CTPH-TĐTN"
    title: str = Field(max_length=300)
    purposes: str = Field(default="", sa_type=sa.Text())  # I. purposes and requirements
    tasks: str = Field(default="", sa_type=sa.Text())  # II. the work coordinated, a line each
    arrangements: str = Field(default="", sa_type=sa.Text())  # III. how it is carried out
    place: str = Field(default="", max_length=100)  # where it is signed: "Nghệ An"
    instance_id: int | None = Field(default=None, index=True)
    document_id: int | None = Field(default=None)  # the current PDF (a Document row)
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    in_force_at: datetime | None = Field(default=None, sa_type=sa.DateTime())

    @property
    def period(self) -> str:
        """Return the period as people write it: "2026" or "2022-2027"."""
        return str(self.year) if self.year_end == self.year else f"{self.year}-{self.year_end}"


class ProgrammeParty(SQLModel, table=True):
    """A unit that is party to a programme, in the order the document lists them."""

    __tablename__ = "programme_party"
    __table_args__ = (sa.UniqueConstraint("programme_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True, ondelete="CASCADE")
    unit_id: int = Field(foreign_key="unit.id", index=True, ondelete="RESTRICT")
    position: int = 0


class ProgrammeReview(SQLModel, table=True):
    """The parties' review of one year of the programme (sơ kết năm)."""

    __tablename__ = "programme_review"
    __table_args__ = (sa.UniqueConstraint("programme_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True, ondelete="CASCADE")
    year: int
    summary: str = Field(sa_type=sa.Text())
    next_steps: str = Field(default="", sa_type=sa.Text())
    unit_id: int | None = Field(default=None, foreign_key="unit.id")  # the reviewing party
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

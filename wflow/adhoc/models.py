"""An ad-hoc award (khen thưởng đột xuất): one nominee, one exceptional achievement, one decision.

A unit proposes one of its people or one of its collectives (itself or a unit under it) for
an award of the catalogue that allows the ad-hoc path (`Award.adhoc`), for an achievement
dated `achieved_on` and described in words, with an optional evidence file; the secretariat
checks it, and the council's chair decides it by signing a decision with the council's key.
The nominee follows `Award.nominee`: `person_id` for a person, `nominee_unit_id` for a
collective. Its workflow state lives in the engine's instance. Times are naive UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from wflow.awards.models import MONEY
from wflow.clock import utcnow


class AdhocAward(SQLModel, table=True):
    """A proposal of an ad-hoc award, and the decision that granted it."""

    __tablename__ = "adhoc_award"
    __table_args__ = (sa.Index("ix_adhoc_award_decision", "decision_year", "decision_number"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True, ondelete="RESTRICT")  # proposing
    award_id: int = Field(foreign_key="award.id", index=True, ondelete="RESTRICT")
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True,
                                  ondelete="RESTRICT")  # fmt: skip
    nominee_unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True,
                                        ondelete="RESTRICT")  # fmt: skip
    year: int  # the year of the achievement
    achieved_on: date = Field(sa_type=sa.Date())  # the day of the act (one act, one award)
    title: str = Field(max_length=300)  # "Cứu người đuối nước trên sông Lam"
    achievement: str = Field(default="", sa_type=sa.Text())  # the account of the achievement
    evidence_filename: str = Field(default="", max_length=200)
    evidence_type: str = Field(default="", max_length=100)
    evidence_sha256: str = Field(default="", max_length=64)
    evidence_path: str = Field(default="", max_length=300)  # relative to the instance folder
    instance_id: int | None = Field(default=None, index=True)
    proposed_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    submitted_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    # the chair's decision, once signed
    decision_number: str | None = Field(default=None, max_length=50)
    decision_year: int | None = None
    decision_date: date | None = Field(default=None, sa_type=sa.Date())
    document_id: int | None = Field(default=None)  # the signed PDF (a Document row)
    certificate_document_id: int | None = Field(default=None)  # its certificate, signed too
    base_salary: Decimal | None = Field(default=None, sa_type=MONEY)
    prize_amount: Decimal | None = Field(default=None, sa_type=MONEY)
    decided_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

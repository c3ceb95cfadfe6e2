"""Periodic reviews (sơ kết / tổng kết): a unit's self-assessment, its grading, its evidence.

A `Review` is one member unit's report for one period of a year under a pact in force; its
workflow state lives in the engine's instance (`Review.instance_id`). `ReviewScore` holds one
criterion's figures and scores (the unit's, then the reviewer's); `ReviewEvidence` is an
uploaded file kept by content hash under `instance/evidence/`. Points are exact decimals.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from wflow.clock import utcnow
from wflow.plans.models import POINTS

# The periods a block may review, in the order of the year (see plan_text.REVIEW_PERIODS).
PERIOD_ORDER = {"q1": 1, "mid_year": 2, "q3": 3, "year_end": 4}
FIGURE = sa.Numeric(14, 2)


class Review(SQLModel, table=True):
    """One member unit's review for one period of one year, graded by another unit."""

    __table_args__ = (
        sa.UniqueConstraint("pact_id", "unit_id", "year", "period"),
        sa.Index("ix_review_block_year", "block_id", "year"),
        sa.Index("ix_review_year_block", "year", "block_id"),  # the committee reads a year
    )

    id: int | None = Field(default=None, primary_key=True)
    pact_id: int = Field(foreign_key="pact.id", index=True, ondelete="CASCADE")
    plan_id: int = Field(foreign_key="plan.id", ondelete="RESTRICT")
    block_id: int = Field(foreign_key="block.id", ondelete="CASCADE")
    unit_id: int = Field(foreign_key="unit.id", index=True, ondelete="RESTRICT")
    year: int
    period: str = Field(max_length=20)  # q1 | mid_year | q3 | year_end
    due_date: date = Field(sa_type=sa.Date())
    reviewer_unit_id: int | None = Field(default=None, foreign_key="unit.id", ondelete="SET NULL")
    instance_id: int | None = Field(default=None, index=True)  # wf_instance of this review
    submitted_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    late: bool = False  # first submitted after the due date
    penalty: Decimal = Field(default=Decimal(0), sa_type=POINTS)  # the plan's late penalty
    self_total: Decimal | None = Field(default=None, sa_type=POINTS)  # sum of self scores
    score_total: Decimal | None = Field(default=None, sa_type=POINTS)  # reviewer's base score
    bonus_total: Decimal | None = Field(default=None, sa_type=POINTS)  # reviewer's bonus
    final_total: Decimal | None = Field(default=None, sa_type=POINTS)  # score + bonus - penalty
    accepted_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    locked_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

    @property
    def order(self) -> int:
        """Return the period's place in the year (1 = first quarter … 4 = year end)."""
        return PERIOD_ORDER.get(self.period, 9)


class ReviewScore(SQLModel, table=True):
    """One criterion of a review: the figures achieved, the unit's and the reviewer's scores."""

    __tablename__ = "review_score"
    __table_args__ = (sa.UniqueConstraint("review_id", "criterion_id"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True, ondelete="CASCADE")
    criterion_id: int = Field(foreign_key="criterion.id", ondelete="CASCADE")
    achieved: str = Field(default="", max_length=1000)  # the figures, as the unit reports them
    achieved_value: Decimal | None = Field(default=None, sa_type=FIGURE)  # against target_value
    target_value: Decimal | None = Field(default=None, sa_type=FIGURE)  # from the registration
    self_score: Decimal | None = Field(default=None, sa_type=POINTS)  # in [0, max]
    self_bonus: Decimal = Field(default=Decimal(0), sa_type=POINTS)  # in [0, max bonus]
    self_note: str = Field(default="", sa_type=sa.Text())
    score: Decimal | None = Field(default=None, sa_type=POINTS)  # the reviewer's, in [0, max]
    bonus: Decimal | None = Field(default=None, sa_type=POINTS)  # the reviewer's bonus
    note: str = Field(default="", sa_type=sa.Text())  # the reviewer's note


class ReviewEvidence(SQLModel, table=True):
    """An evidence file attached to a review (optionally to one criterion), kept by hash."""

    __tablename__ = "review_evidence"

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True, ondelete="CASCADE")
    criterion_id: int | None = Field(default=None, foreign_key="criterion.id", ondelete="SET NULL")
    filename: str = Field(max_length=255)  # the name given by the uploader, for display only
    content_type: str = Field(max_length=100)  # detected from the content, not the name
    size: int
    sha256: str = Field(max_length=64, index=True)
    path: str = Field(max_length=300)  # relative to the instance folder
    uploaded_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

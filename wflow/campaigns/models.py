"""Movements and campaigns (phong trào, đợt thi đua): targets, participants, figures.

The campaign's workflow state lives in the engine's instance (`Campaign.instance_id`).
A campaign launched by the council's secretariat has no unit (`unit_id` is None); one
launched by a unit for its own people carries that unit. Times are naive UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from wflow.clock import utcnow

FIGURE = sa.Numeric(18, 2)  # registered and achieved figures: 204650, 5.2 (billion VND)


class CampaignKind(StrEnum):
    """A long-running movement or a short, peak campaign."""

    MOVEMENT = "movement"  # phong trào thi đua: a term, a year, six months
    CAMPAIGN = "campaign"  # đợt thi đua (cao điểm): a few weeks


class Audience(StrEnum):
    """Who takes part: every unit, whole blocks (that year's members), or named units."""

    ALL = "all"
    BLOCKS = "blocks"
    UNITS = "units"


class FigureKind(StrEnum):
    """What a figure is: the value a participant registers, or the value it achieved."""

    REGISTERED = "registered"
    ACHIEVED = "achieved"


class Campaign(SQLModel, table=True):
    """A movement or campaign with a theme, a window, participants and targets."""

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True,
                                ondelete="RESTRICT")  # fmt: skip
    # the council it belongs to: the launching unit's, or the launching secretariat's
    council_id: int | None = Field(default=None, foreign_key="unit.id", index=True,
                                   ondelete="RESTRICT")  # fmt: skip
    kind: str = Field(default=CampaignKind.CAMPAIGN.value, max_length=20)
    title: str = Field(max_length=300)
    theme: str = Field(default="", max_length=300)  # the slogan: "Khai thác dữ liệu số…"
    starts_on: date = Field(index=True)
    ends_on: date
    reports_due: date  # the participants' final reports are due by this day
    basis_number: str = Field(default="", max_length=100)  # "46-KH/TWĐTN-TNTH"
    basis_date: date | None = None
    basis_issuer: str = Field(default="", max_length=300)  # "Ban Bí thư Trung ương Đoàn"
    description: str = Field(default="", sa_type=sa.Text())
    criteria: str = Field(default="", sa_type=sa.Text())
    audience: str = Field(default=Audience.UNITS.value, max_length=10)
    block_ids: list[int] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    instance_id: int | None = Field(default=None, index=True)
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    started_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    ended_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    closed_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    # the final summary as it stood when the launcher closed the campaign (see summary.py)
    summary: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON))

    @property
    def year(self) -> int:
        """Return the first year of the window (lists filter on it)."""
        return self.starts_on.year

    @property
    def year_end(self) -> int:
        """Return the last year of the window."""
        return self.ends_on.year


class CampaignTarget(SQLModel, table=True):
    """A target of the campaign with its unit of measure ("Công trình thanh niên" — công trình)."""

    __tablename__ = "campaign_target"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True, ondelete="CASCADE")
    position: int = 0
    title: str = Field(max_length=300)
    measure: str = Field(max_length=50)  # the unit of measure: "công trình", "người"


class CampaignParticipant(SQLModel, table=True):
    """A unit taking part, with how it came in (a block) and when it registered and reported."""

    __tablename__ = "campaign_participant"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True, ondelete="CASCADE")
    unit_id: int = Field(foreign_key="unit.id", index=True, ondelete="RESTRICT")
    block_id: int | None = Field(default=None, foreign_key="block.id", ondelete="SET NULL")
    position: int = 0
    registered_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    reported_at: datetime | None = Field(default=None, sa_type=sa.DateTime())  # the final report


class CampaignCheckpoint(SQLModel, table=True):
    """A date at which the participants report their figures so far (sơ kết giữa đợt)."""

    __tablename__ = "campaign_checkpoint"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True, ondelete="CASCADE")
    day: date
    opened_at: datetime | None = Field(default=None, sa_type=sa.DateTime())


class CampaignFigure(SQLModel, table=True):
    """One participant's figure for one target: registered, or achieved (finally or so far)."""

    __tablename__ = "campaign_figure"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "unit_id", "target_id", "kind", "checkpoint_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True, ondelete="CASCADE")
    unit_id: int = Field(foreign_key="unit.id", index=True, ondelete="RESTRICT")
    target_id: int = Field(foreign_key="campaign_target.id", ondelete="CASCADE")
    kind: str = Field(max_length=10)  # FigureKind
    checkpoint_id: int | None = Field(default=None, foreign_key="campaign_checkpoint.id",
                                      ondelete="CASCADE")  # fmt: skip  # None: the final report
    value: Decimal = Field(sa_type=FIGURE)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

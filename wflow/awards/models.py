"""Awards (khen thưởng): the catalogue, nominations, council sessions, decisions, settings.

An `Award` is a type of award with its eligibility and vote rules (shares kept as text,
"2/3" or "90%"), its nominee (a unit or a person), who decides it (the council, or the head
of the unit for Lao động tiên tiến and Chiến sĩ thi đua cơ sở) and its prerequisites as
data; a `Nomination` proposes one unit of a block for one award for one year's
result (or for its results in a campaign, `campaign_id`), its workflow state living in the
engine's instance; a `CouncilSession` groups the nominations the council votes on; a
`Decision` (quyết định khen thưởng) grants the approved ones, signed with the council's
key. `Setting` holds installation-wide values such as the base salary prize money is a
multiple of. Times are naive UTC; money is exact.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from wflow.clock import utcnow
from wflow.plans.models import POINTS

MONEY = sa.Numeric(14, 0)  # đồng: no decimals
MULTIPLE = sa.Numeric(6, 2)  # times the base salary


class Award(SQLModel, table=True):
    """A type of award: who may propose it, who is eligible, how the block and council vote."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)  # "emulation_flag"
    name: str = Field(max_length=200)  # Vietnamese name: "Cờ thi đua"
    name_en: str = Field(default="", max_length=200)
    level: str = Field(default="provincial", max_length=20)  # national | provincial | commune
    position: int = 0  # order in lists (highest award first)
    # who may propose it: block_leader, member_unit (itself), secretariat
    proposers: list[str] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    max_rank: int | None = None  # year-end rank needed (1: the block's leading unit)
    min_score_percent: Decimal | None = Field(default=None, sa_type=POINTS)  # of the plan's scale
    block_threshold: str = Field(default="2/3", max_length=10)
    block_of: str = Field(default="present", max_length=10)  # all | present
    block_quorum: str = Field(default="2/3", max_length=10)
    block_secret: bool = True
    council_threshold: str = Field(default="2/3", max_length=10)
    council_of: str = Field(default="all", max_length=10)
    council_quorum: str = Field(default="2/3", max_length=10)
    council_secret: bool = True
    prize_multiple: Decimal = Field(default=Decimal(0), sa_type=MULTIPLE)
    active: bool = True
    nominee: str = Field(default="unit", max_length=10)  # unit | person (a `Nominee`)
    decided_by: str = Field(default="council", max_length=20)  # council | unit_head
    adhoc: bool = False  # may be granted ad hoc (khen thưởng đột xuất), outside any ranking
    # prerequisites kept as data, each a dict with a "rule" (see wflow.titles.rules):
    # {"rule": "same_year", "award": "advanced_worker"}, {"rule": "initiative", "level": "unit"},
    # {"rule": "consecutive", "award": "grassroots_fighter", "years": 3},
    # {"rule": "quota", "of": "advanced_worker", "percent": "15"}
    prerequisites: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())


class Setting(SQLModel, table=True):
    """An installation-wide setting kept as text (e.g. base_salary = "2340000")."""

    key: str = Field(primary_key=True, max_length=50)
    value: str = Field(max_length=200)
    updated_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())


class CouncilSession(SQLModel, table=True):
    """A meeting of the emulation and commendation council that votes on nominations."""

    __tablename__ = "council_session"

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)  # the year of the results it decides on
    # the council that meets (its secretariat opened it); its decision is that council's
    council_id: int | None = Field(default=None, foreign_key="unit.id", index=True,
                                   ondelete="RESTRICT")  # fmt: skip
    title: str = Field(max_length=300)
    held_on: date = Field(sa_type=sa.Date())
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())


class Decision(SQLModel, table=True):
    """A decision granting the approved nominations of a council session: prepared by the
    secretariat, signed by the council's chair or a vice-chair (`document_id` once signed)."""

    __table_args__ = (sa.UniqueConstraint("year", "number"),)  # numbers restart every year

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="council_session.id", index=True, ondelete="RESTRICT")
    council_id: int | None = Field(default=None, index=True)  # its session's council
    number: str = Field(max_length=50)  # "123/QĐ-HĐTĐKT"
    year: int  # the year of `issued_on`
    issued_on: date = Field(sa_type=sa.Date())
    base_salary: Decimal = Field(sa_type=MONEY)  # the base salary the prizes were computed on
    document_id: int | None = Field(default=None)  # the signed PDF (a Document row)
    signed_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    instance_id: int | None = Field(default=None, index=True)  # its award_decision workflow
    prepared_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    capacity: str | None = Field(default=None, max_length=20)  # "chair" or "vice_chair"
    signed_at: datetime | None = Field(default=None, sa_type=sa.DateTime())

    @property
    def signed(self) -> bool:
        """Tell whether the decision is signed (and its nominations decided)."""
        return self.document_id is not None


class Nomination(SQLModel, table=True):
    """A proposal to award one unit of a block for one year's result."""

    __table_args__ = (sa.Index("ix_nomination_block_year", "block_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    block_id: int = Field(foreign_key="block.id", ondelete="CASCADE")
    year: int
    unit_id: int = Field(foreign_key="unit.id", index=True, ondelete="RESTRICT")
    award_id: int = Field(foreign_key="award.id", index=True, ondelete="RESTRICT")
    instance_id: int | None = Field(default=None, index=True)  # wf_instance of this nomination
    rank: int | None = None  # year-end rank when proposed
    total: Decimal | None = Field(default=None, sa_type=POINTS)  # year total when proposed
    # the vote rules kept when proposed: {"threshold", "of", "quorum", "secret"}
    block_rule: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    council_rule: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    # the counted ballots once each vote is closed: {"yes", "no", "abstain", ...}
    block_tally: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON))
    council_tally: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON))
    # the dossier's texts, editable until it is submitted
    cover_letter: str = Field(default="", sa_type=sa.Text())  # Form 01
    achievements: str = Field(default="", sa_type=sa.Text())  # Form 02
    minutes: str = Field(default="", sa_type=sa.Text())  # the block meeting's minutes
    submitted_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    session_id: int | None = Field(
        default=None, foreign_key="council_session.id", index=True, ondelete="SET NULL"
    )
    decision_id: int | None = Field(
        default=None, foreign_key="decision.id", index=True, ondelete="SET NULL"
    )
    prize_amount: Decimal | None = Field(default=None, sa_type=MONEY)  # set by the decision
    revoked_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    revoke_reason: str = Field(default="", max_length=2000)
    proposed_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    # the campaign whose results the dossier proposes to award (None: the block's year)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True,
                                    ondelete="RESTRICT")  # fmt: skip
    # the council that examines, votes and decides it (None: its block's council); set on a
    # proposal carried up from the council below (`proposed_from_id`, the lower nomination)
    council_id: int | None = Field(default=None, foreign_key="unit.id", index=True,
                                   ondelete="RESTRICT")  # fmt: skip
    proposed_from_id: int | None = Field(default=None, foreign_key="nomination.id", index=True,
                                         ondelete="RESTRICT")  # fmt: skip


class DossierNominee(SQLModel, table=True):
    """One name on a nomination dossier's list: a unit or a person, with its achievement.

    `unit_id` is the unit awarded, or the person's unit when the list was made; `approved`
    is the council's verdict on this name when it is voted on one by one (None: the
    dossier's verdict stands for it).
    """

    __tablename__ = "dossier_nominee"

    id: int | None = Field(default=None, primary_key=True)
    nomination_id: int = Field(foreign_key="nomination.id", index=True, ondelete="CASCADE")
    position: int = 0  # order on the list (the file's order)
    unit_id: int = Field(foreign_key="unit.id", index=True, ondelete="RESTRICT")
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True,
                                  ondelete="RESTRICT")  # fmt: skip
    award_id: int = Field(foreign_key="award.id", ondelete="RESTRICT")
    achievement: str = Field(default="", sa_type=sa.Text())  # the achievement summary
    approved: bool | None = None
    # the council's count on this name once its vote is closed ({"yes", "no", …, "passed"})
    council_tally: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON))
    prize_amount: Decimal | None = Field(default=None, sa_type=MONEY)  # set by the decision
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

"""An issued summary report (báo cáo tổng kết): the signed PDF of a block's, a campaign's or
the council's year, with its number and date.

Drafts are never stored: the report is generated from the data whenever it is asked for (PDF,
DOCX). Only the issued version is kept, signed with the issuing body's key; a later issue of
the same scope and year stands beside it (a corrected report), each with its own number.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from wflow.clock import utcnow


class ReportScope(StrEnum):
    """What a summary report covers."""

    BLOCK = "block"  # one block's year
    CAMPAIGN = "campaign"  # one movement or campaign
    COUNCIL = "council"  # the council's year: every block and campaign


class ReportSource(StrEnum):
    """Where the issued PDF came from."""

    GENERATED = "generated"  # rendered from the data as it stood
    UPLOADED = "uploaded"  # the secretariat's edited version (from the DOCX), uploaded


class SummaryReport(SQLModel, table=True):
    """An issued summary report and the signed PDF that is its record."""

    __tablename__ = "summary_report"
    __table_args__ = (sa.Index("ix_summary_report_scope", "scope", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=10)  # a ReportScope
    block_id: int | None = Field(default=None, foreign_key="block.id", index=True,
                                 ondelete="RESTRICT")  # fmt: skip
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True,
                                    ondelete="RESTRICT")  # fmt: skip
    year: int  # the year reported on (a campaign: its first year)
    number: str = Field(max_length=50)  # "12/BC-HĐTĐKT"
    issued_on: date = Field(sa_type=sa.Date())
    source: str = Field(default=ReportSource.GENERATED.value, max_length=10)
    document_id: int = Field(foreign_key="document.id", ondelete="RESTRICT")
    signed_for_unit_id: int = Field(foreign_key="unit.id", ondelete="RESTRICT")  # whose key
    issued_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

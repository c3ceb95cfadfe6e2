"""The block's pact (giao ước thi đua) and its documents: every signed revision, the evidence.

The pact's workflow state lives in the engine's instance (`Pact.instance_id`); a `Document`
is one PDF file kept by content hash under `instance/documents/`. Times are naive UTC.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from wflow.clock import utcnow


class Pact(SQLModel, table=True):
    """A pact generated from a published plan, signed by the head of every member unit."""

    id: int | None = Field(default=None, primary_key=True)
    block_id: int = Field(foreign_key="block.id", index=True, ondelete="CASCADE")
    plan_id: int = Field(foreign_key="plan.id", index=True, ondelete="RESTRICT")
    year: int = Field(index=True)  # first year of the period; the workflow's year
    year_end: int  # last year of the period
    number: str = Field(max_length=50)  # "01/GƯTĐ-KCTXH"
    title: str = Field(max_length=300)  # "GIAO ƯỚC THI ĐUA NĂM 2026"
    instance_id: int | None = Field(default=None, index=True)  # wf_instance of this pact
    document_id: int | None = Field(default=None)  # the current PDF (a Document row)
    evidence_id: int | None = Field(default=None)  # the certificate of completion
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    in_force_at: datetime | None = Field(default=None, sa_type=sa.DateTime())

    @property
    def period(self) -> str:
        """Return the period as people write it: "2026" or "2022-2027"."""
        return str(self.year) if self.year_end == self.year else f"{self.year}-{self.year_end}"


class Document(SQLModel, table=True):
    """One stored PDF: a revision of a pact or a programme (each signature adds one), a pact's
    evidence, a nomination's dossier form, or an award decision. It belongs to one of them."""

    id: int | None = Field(default=None, primary_key=True)
    pact_id: int | None = Field(default=None, foreign_key="pact.id", index=True, ondelete="CASCADE")
    nomination_id: int | None = Field(
        default=None, foreign_key="nomination.id", index=True, ondelete="CASCADE"
    )
    decision_id: int | None = Field(
        default=None, foreign_key="decision.id", index=True, ondelete="CASCADE"
    )
    programme_id: int | None = Field(
        default=None, foreign_key="programme.id", index=True, ondelete="CASCADE"
    )
    parent_id: int | None = Field(default=None, foreign_key="document.id", ondelete="SET NULL")
    kind: str = Field(max_length=20)  # pact, evidence, form01, form02, minutes, decision
    field: str = Field(default="", max_length=100)  # the signature field this revision filled
    sha256: str = Field(max_length=64, index=True)
    # printed on the document before signing; every revision of it keeps it (None: older files)
    verify_code: str | None = Field(default=None, max_length=10, index=True)
    size: int
    path: str = Field(max_length=300)  # relative to the instance folder
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

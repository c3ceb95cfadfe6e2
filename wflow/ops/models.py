"""What the periodic audit remembers: the breakages it reported, and when it last ran."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from wflow.clock import utcnow


class AuditAlert(SQLModel, table=True):
    """One audit finding already reported to the administrators (removed once it is gone)."""

    __tablename__ = "audit_alert"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)  # sha256 of `line`: one report per breakage
    line: str = Field(sa_type=sa.Text())
    found_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())


class AuditRun(SQLModel, table=True):
    """The periodic audit's last run (one row, id 1): `wflow tick` claims it per interval."""

    __tablename__ = "audit_run"

    id: int | None = Field(default=None, primary_key=True)
    checked_at: datetime = Field(sa_type=sa.DateTime())
    problems: int = 0

"""Notifications: what reaches a person in the application (and by e-mail, when enabled).

Times are naive UTC (`wflow.clock.utcnow`), stored as plain DateTime on every database.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from wflow.clock import utcnow


class NotificationKind(StrEnum):
    """Why a notification was sent."""

    NEW_TASK = "new_task"
    REMINDER = "reminder"
    DEADLINE = "deadline"
    DIGEST = "digest"
    AUDIT = "audit"  # the periodic audit found records changed outside wflow


class Notification(SQLModel, table=True):
    """One message to one user, about one workflow instance (or none, for a digest)."""

    __table_args__ = (sa.Index("ix_notification_user_read", "user_id", "read_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=10)
    instance_id: int | None = Field(default=None, index=True)  # the wf_instance it is about
    title: str = Field(max_length=300)
    body: str = Field(default="", sa_type=sa.Text())
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    read_at: datetime | None = Field(default=None, sa_type=sa.DateTime())

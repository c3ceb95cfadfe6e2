"""Accounts: personal API tokens (stored only as a hash) and the sign-in throttle.

Times are naive UTC (`wflow.clock.utcnow`), stored as plain DateTime on every database.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from wflow.clock import utcnow


class ApiToken(SQLModel, table=True):
    """A personal API token: acts with exactly its user's rights until revoked."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)  # what the person calls it ("reporting script")
    prefix: str = Field(max_length=16)  # the token's first characters, shown to tell tokens apart
    token_hash: str = Field(max_length=64, unique=True, index=True)  # SHA-256 hex of the token
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    last_used_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    revoked_at: datetime | None = Field(default=None, sa_type=sa.DateTime())


class LoginThrottle(SQLModel, table=True):
    """Wrong passwords (or codes) for one login from one client address, and the wait they earn.

    Keyed by the pair, so a stranger guessing from elsewhere never locks the account's owner
    out, and a whole office behind one address is not held back by one person's typos.
    """

    __tablename__ = "login_throttle"

    login: str = Field(max_length=80, primary_key=True)  # as typed, lower-cased (known or not)
    address: str = Field(max_length=45, primary_key=True)  # the client's IPv4 or IPv6 address
    failures: int = 0  # wrong answers since the last success (or since they were forgotten)
    blocked_until: datetime | None = Field(default=None, sa_type=sa.DateTime())
    last_failure_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(), index=True)


class SecondFactor(SQLModel, table=True):
    """A person's authenticator app (TOTP, RFC 6238): its secret, sealed with the key secret.

    Made when the person starts setting it up, enabled once they type a first right code;
    `last_step` is the time step of the last code accepted, so a code works only once.
    """

    __tablename__ = "second_factor"

    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    secret_sealed: str = Field(max_length=200)  # AES-GCM under a key derived from the KEK
    enabled_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    last_step: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

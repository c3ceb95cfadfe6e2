"""Organisations, blocks and people: units, blocks with yearly membership, users.

Times are naive UTC (`wflow.clock.utcnow`), stored as plain DateTime on every database.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import orm
from sqlmodel import Field, SQLModel, col

from wflow.clock import utcnow


class UnitKind(StrEnum):
    """What kind of organisation a unit is."""

    FRONT = "front"
    SOCIO_POLITICAL = "socio_political"
    MASS_ORGANISATION = "mass_organisation"
    AGENCY = "agency"
    ENTERPRISE = "enterprise"
    COUNCIL = "council"


class CouncilLevel(StrEnum):
    """The level of an emulation and commendation council (Law 06/2022/QH15, art. 14)."""

    CENTRAL = "central"
    ORGANISATION = "organisation"  # a ministry, a mass organisation at the centre
    PROVINCE = "province"
    COMMUNE = "commune"  # a commune or ward (since 1 July 2025)


class Role(StrEnum):
    """Roles a user may hold; "block leader" is derived, never stored."""

    UNIT_HEAD = "unit_head"
    UNIT_STAFF = "unit_staff"
    SECRETARIAT = "secretariat"
    COUNCIL_MEMBER = "council_member"
    ADMIN = "admin"


class Position(StrEnum):
    """A unit's place in a block for one year."""

    MEMBER = "member"
    LEADER = "leader"
    DEPUTY = "deputy"


class Unit(SQLModel, table=True):
    """An organisation taking part in emulation (đơn vị)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)  # Vietnamese name, as entered
    code: str = Field(max_length=20, unique=True, index=True)
    kind: str = Field(default=UnitKind.SOCIO_POLITICAL.value, max_length=30, index=True)
    parent_id: int | None = Field(default=None, foreign_key="unit.id", ondelete="RESTRICT")
    # The council whose jurisdiction the unit is in (a council unit: itself); its superior
    # council is a council's `parent_id`. `level` is a council's `CouncilLevel`, else "".
    council_id: int | None = Field(default=None, foreign_key="unit.id", index=True,
                                   ondelete="RESTRICT")  # fmt: skip
    level: str = Field(default="", max_length=20, sa_column_kwargs={"server_default": ""})
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())


class BlockKind(StrEnum):
    """How a council groups units to emulate: by what they do, or by where they are."""

    BLOCK = "block"  # khối thi đua: units of the same field (mass organisations, agencies…)
    CLUSTER = "cluster"  # cụm thi đua: units of neighbouring places (communes, wards…)


class Block(SQLModel, table=True):
    """An emulation block (khối thi đua) or cluster (cụm): units that emulate together, by
    year."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    kind: str = Field(default=BlockKind.BLOCK.value, max_length=10,
                      sa_column_kwargs={"server_default": BlockKind.BLOCK.value})  # fmt: skip
    code: str = Field(max_length=20, unique=True, index=True)
    description: str = Field(default="", max_length=2000)
    council_id: int | None = Field(default=None, foreign_key="unit.id", index=True,
                                   ondelete="RESTRICT")  # fmt: skip
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())


class BlockMembership(SQLModel, table=True):
    """A unit's membership of a block in one year, with its position (member, leader, deputy)."""

    __table_args__ = (sa.UniqueConstraint("block_id", "year", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    block_id: int = Field(foreign_key="block.id", index=True, ondelete="CASCADE")
    year: int = Field(index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True, ondelete="RESTRICT")
    position: str = Field(default=Position.MEMBER.value, max_length=10)


class User(SQLModel, table=True):
    """A person who signs in: belongs to a unit, holds roles, speaks a language."""

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=80, unique=True, index=True)
    display_name: str = Field(max_length=200)
    password_hash: str = Field(max_length=255)
    locale: str = Field(default="vi", max_length=5)
    email: str | None = Field(default=None, max_length=254)  # for notifications; optional
    digest_opt_in: bool = False  # wants the daily e-mail digest
    unit_id: int | None = Field(default=None, foreign_key="unit.id", ondelete="RESTRICT")
    roles: list[str] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    active: bool = True
    last_login_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    # Bumped on sign-out: session cookies of earlier sign-ins (copies included) stop working.
    session_epoch: int = Field(default=0, sa_column_kwargs={"server_default": "0"})

    def has_role(self, role: Role | str) -> bool:
        """Tell whether the user holds `role`."""
        return str(role) in self.roles

    # Flask-Login's user protocol (UserMixin clashes with pydantic's model machinery).
    @property
    def is_authenticated(self) -> bool:
        """Tell Flask-Login this is a signed-in user."""
        return True

    @property
    def is_active(self) -> bool:
        """Tell Flask-Login whether the account may sign in."""
        return self.active

    @property
    def is_anonymous(self) -> bool:
        """Tell Flask-Login this is not the anonymous user."""
        return False

    def get_id(self) -> str:
        """Return the id Flask-Login keeps in the session."""
        return str(self.id)


class Capacity(StrEnum):
    """The form of a signature made for the head (Decree 30/2020/NĐ-CP, art. 8)."""

    FOR_HEAD = "KT"  # ký thay: a deputy signs for the head
    BY_DELEGATION = "TUQ"  # thừa ủy quyền: signs by the head's written delegation
    BY_ORDER = "TL"  # thừa lệnh: the chief of office signs by the head's order


class SigningDelegation(SQLModel, table=True):
    """A head's delegation of signing for their unit to a colleague, for a period (audit kept:
    rows are never deleted; a revoked one keeps who revoked it and when)."""

    __tablename__ = "signing_delegation"

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True, ondelete="RESTRICT")
    grantor_user_id: int = Field(foreign_key="user.id")  # the head
    delegate_user_id: int = Field(foreign_key="user.id", index=True)
    capacity: str = Field(max_length=5)  # a `Capacity`
    starts_on: date = Field(sa_type=sa.Date())  # first and last day, in the installation's zone
    ends_on: date = Field(sa_type=sa.Date())
    reason: str = Field(max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    revoked_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    revoked_by_user_id: int | None = Field(default=None, foreign_key="user.id")


class AccessEpoch(SQLModel, table=True):
    """One row (id 1) whose value database triggers raise with every change to the units,
    blocks, memberships and signing delegations: what a user's principals are read from
    (migration 0109; `wflow.core.access.principals` keeps a copy per process by it)."""

    __tablename__ = "access_epoch"

    id: int | None = Field(default=None, primary_key=True)
    value: int = Field(sa_type=sa.BigInteger())


# Loaded with every user, in the statement that loads them: no round trip of its own.
sa.inspect(User).add_property(
    "access_epoch",
    orm.column_property(
        sa.select(col(AccessEpoch.value)).where(col(AccessEpoch.id) == 1).scalar_subquery(),
    ),
)

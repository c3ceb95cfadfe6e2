"""A person of a unit, the postings that make their history, their yearly title registrations.

A `Person` is the directory entry (full name, position, sex, year of birth, an optional staff
number unique in the installation); `Person.unit_id` and `Person.position` repeat the open
`PersonPosting` so that lists need no join. A move closes that posting and opens another:
the history travels with the person, whose id never changes. A person may be linked to the
user account they sign in with (`Person.user_id`, one person per account).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from wflow.clock import utcnow


class Sex(StrEnum):
    """A person's sex as the personnel records state it (giới tính)."""

    MALE = "male"
    FEMALE = "female"


class IndividualTitle(StrEnum):
    """The emulation titles a person registers for each year (danh hiệu thi đua cá nhân).

    Law 06/2022/QH15 art. 23; the award catalogue has no person-level awards yet: issue 14
    point 3 adds them, and should reuse these codes (or map them) for its catalogue entries.
    """

    ADVANCED_WORKER = "advanced_worker"  # Lao động tiên tiến (decided by the unit head)
    GRASSROOTS_FIGHTER = "grassroots_fighter"  # Chiến sĩ thi đua cơ sở
    PROVINCIAL_FIGHTER = "provincial_fighter"  # Chiến sĩ thi đua cấp tỉnh (bộ, ngành)


class Person(SQLModel, table=True):
    """A person of a unit (cán bộ, công chức, người lao động, đoàn viên)."""

    id: int | None = Field(default=None, primary_key=True)
    full_name: str = Field(max_length=200, index=True)  # "Nguyễn Thị Thu Hà", as entered (NFC)
    position: str = Field(max_length=200)  # chức vụ in the current posting: "Phó Bí thư"
    unit_id: int = Field(foreign_key="unit.id", index=True, ondelete="RESTRICT")  # current
    sex: str = Field(max_length=10)  # a `Sex`
    birth_year: int
    staff_number: str | None = Field(default=None, max_length=30, unique=True)  # mã cán bộ
    active: bool = True  # still working (left, retired: False; the record stays)
    user_id: int | None = Field(default=None, foreign_key="user.id", unique=True)  # the account
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())


class PersonPosting(SQLModel, table=True):
    """A period a person held a position in a unit; the open one has no end date."""

    __tablename__ = "person_posting"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    unit_id: int = Field(foreign_key="unit.id", index=True, ondelete="RESTRICT")
    position: str = Field(max_length=200)
    from_date: date = Field(sa_type=sa.Date())
    to_date: date | None = Field(default=None, sa_type=sa.Date())  # the day the move took effect
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())


class TitleRegistration(SQLModel, table=True):
    """A person's registration for an individual title in a year (đăng ký thi đua cá nhân).

    `unit_id` is the unit that registered the person, kept when the person later moves.
    """

    __tablename__ = "title_registration"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "year", "title"),
        sa.Index("ix_title_registration_unit_year", "unit_id", "year"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    unit_id: int = Field(foreign_key="unit.id", ondelete="RESTRICT")
    year: int
    title: str = Field(max_length=40)  # an `IndividualTitle`
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

"""Individual registration for titles (đăng ký thi đua cá nhân): a unit registers its people.

One registration per person, year and title; registering someone already registered changes
nothing. No deadline: a unit registers and withdraws while the year's titles are undecided
(the titles themselves, and their prerequisites, are issue 14 point 3).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.core.errors import ServiceError
from wflow.core.uow import transactional
from wflow.org.models import User
from wflow.people.models import IndividualTitle, Person, TitleRegistration
from wflow.people.service import ensure_manage

TITLES = tuple(t.value for t in IndividualTitle)


@dataclass(frozen=True)
class Registered:
    """What a registration changed: how many were added, how many were there already."""

    added: int
    already: int


def clean_year(year: int | None) -> int:
    """Return a year between 2000 and 2100, or refuse (422, field "year")."""
    if year is None or not 2000 <= year <= 2100:
        raise ServiceError(_l("Give a year between 2000 and 2100."), "year")
    return year


@transactional
def register(
    session: Session,
    *,
    user: User,
    unit_id: int,
    year: int | None,
    title: str,
    person_ids: Iterable[int],
) -> Registered:
    """Register people of the unit for `title` in `year` (those already registered are kept)."""
    ensure_manage(session, user, unit_id)
    year = clean_year(year)
    if title not in TITLES:
        raise ServiceError(_l("Choose a title from the list."), "title")
    ids = list(dict.fromkeys(int(i) for i in person_ids))
    if not ids:
        raise ServiceError(_l("Choose at least one person."), "person_ids")
    people = session.exec(select(Person).where(col(Person.id).in_(ids))).all()
    mine = {p.id for p in people if p.unit_id == unit_id and p.active}
    if len(mine) != len(ids):
        raise ServiceError(_l("Choose active people of this unit from the list."), "person_ids")
    there = set(
        session.exec(
            select(TitleRegistration.person_id).where(
                col(TitleRegistration.person_id).in_(ids),
                TitleRegistration.year == year,
                TitleRegistration.title == title,
            )
        ).all()
    )
    for person_id in ids:
        if person_id not in there:
            session.add(TitleRegistration(person_id=person_id, unit_id=unit_id, year=year,
                                          title=title, created_by_user_id=user.id))  # fmt: skip
    return Registered(added=len(ids) - len(there), already=len(there))


@transactional
def withdraw(session: Session, *, user: User, registration: TitleRegistration) -> None:
    """Withdraw a registration (the unit that made it, or the committee's clerks)."""
    ensure_manage(session, user, registration.unit_id)
    session.delete(registration)


def registrations_of_unit(
    session: Session, unit_id: int, year: int
) -> list[tuple[TitleRegistration, Person]]:
    """Return the unit's registrations of `year` with their people, by title then name."""
    query = (
        select(TitleRegistration, Person)
        .join(Person, col(Person.id) == TitleRegistration.person_id)
        .where(TitleRegistration.unit_id == unit_id, TitleRegistration.year == year)
    )
    rows = list(session.exec(query).all())
    order = {t: i for i, t in enumerate(TITLES)}
    rows.sort(key=lambda rp: (order.get(rp[0].title, 99), rp[1].full_name, rp[1].id or 0))
    return rows


def registrations_of_person(session: Session, person_id: int) -> list[TitleRegistration]:
    """Return a person's registrations across years and units, newest year first."""
    query = select(TitleRegistration).where(TitleRegistration.person_id == person_id)
    order = (col(TitleRegistration.year).desc(), col(TitleRegistration.title))
    return list(session.exec(query.order_by(*order)).all())


def is_registered(session: Session, person_id: int, year: int, title: str) -> bool:
    """Tell whether the person was registered for `title` in `year` (point 3's eligibility)."""
    query = select(TitleRegistration.id).where(
        TitleRegistration.person_id == person_id,
        TitleRegistration.year == year,
        TitleRegistration.title == title,
    )
    return session.exec(query).first() is not None


def registration_years(session: Session, unit_id: int) -> list[int]:
    """Return the years in which the unit registered anyone, newest first."""
    query = select(TitleRegistration.year).where(TitleRegistration.unit_id == unit_id).distinct()
    return sorted(session.exec(query).all(), reverse=True)

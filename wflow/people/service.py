"""Verbs on people: create, correct, move between units (keeping the history), link an account.

Who may change a unit's people: the unit's head and staff, and the committee's clerks (the
secretariat and administrators); council members and every other committee role only read.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from wflow.clock import utcnow
from wflow.core.access import Action, acts_in, current_year, is_committee, may
from wflow.core.errors import Conflict, Forbidden, NotFound, ServiceError
from wflow.core.uow import transactional
from wflow.councils import service as councils
from wflow.org.models import Role, Unit, User
from wflow.org.service import clean_text
from wflow.people.models import Person, PersonPosting, Sex

CLERK_ROLES = frozenset({Role.SECRETARIAT.value, Role.ADMIN.value})
STAFF_NUMBER_RE = re.compile(r"^[A-Z0-9][A-Z0-9_./-]{0,29}$")
OLDEST_AGE, YOUNGEST_AGE = 100, 15  # years of age a person of a unit is between


# --- who may ---------------------------------------------------------------------------


def is_clerk(user: User | None) -> bool:
    """Tell whether the user keeps every unit's records for the committee (secretariat, admin)."""
    return user is not None and user.is_active and bool(CLERK_ROLES & set(user.roles))


def may_manage(session: Session, user: User | None, unit_id: int) -> bool:
    """Tell whether `user` may change the people (and their records) of unit `unit_id`: its
    own people, or a clerk of its council."""
    if user is not None and is_clerk(user):
        return acts_in(session, user, councils.of_unit(session, unit_id))
    return may(session, user, Action.ACT, unit_id=unit_id)


def may_see(session: Session, user: User | None, person: Person) -> bool:
    """Tell whether `user` may see `person` (the people of the person's unit and the committee)."""
    return may(session, user, Action.VIEW, unit_id=person.unit_id)


def ensure_manage(session: Session, user: User | None, unit_id: int) -> None:
    """Refuse (403) unless `user` may change the people of unit `unit_id`."""
    if not may_manage(session, user, unit_id):
        raise Forbidden(_l("Only the unit's head and staff, or the secretariat, may do this."))


# --- the fields of a person ------------------------------------------------------------


@dataclass(frozen=True)
class PersonFields:
    """A person's fields, cleaned and checked (the same rules for forms and imports)."""

    full_name: str
    position: str
    sex: str
    birth_year: int
    staff_number: str | None


def clean_fields(
    session: Session,
    *,
    full_name: str | None,
    position: str | None,
    sex: str | None,
    birth_year: int | None,
    staff_number: str | None,
    own_id: int | None = None,
) -> PersonFields:
    """Return the person's fields cleaned, or refuse the first bad one (422, 409 if taken)."""
    name = " ".join(clean_text(full_name, "full_name").split())
    found = PersonFields(
        full_name=name,
        position=" ".join(clean_text(position, "position").split()),
        sex=clean_sex(sex),
        birth_year=clean_birth_year(birth_year),
        staff_number=clean_staff_number(staff_number),
    )
    if found.staff_number:
        taken = staff_number_owner(session, found.staff_number)
        if taken is not None and taken != own_id:
            raise Conflict(
                _l("The staff number %(number)s is already used.", number=found.staff_number),
                "staff_number",
            )
    return found


def clean_sex(value: str | None) -> str:
    """Return a `Sex` code, or refuse (422, field "sex")."""
    if value not in {s.value for s in Sex}:
        raise ServiceError(_l("Choose the sex from the list."), "sex")
    return str(value)


def clean_birth_year(value: int | None) -> int:
    """Return a plausible year of birth (15 to 100 years before this year), or refuse (422)."""
    low, high = current_year() - OLDEST_AGE, current_year() - YOUNGEST_AGE
    if value is None or not low <= value <= high:
        raise ServiceError(
            _l("Give a year of birth between %(low)d and %(high)d.", low=low, high=high),
            "birth_year",
        )
    return value


def clean_staff_number(value: str | None) -> str | None:
    """Return the staff number upper-cased, None when empty; refuse a malformed one (422)."""
    text = unicodedata.normalize("NFC", (value or "").strip()).upper()
    if not text:
        return None
    if not STAFF_NUMBER_RE.match(text):
        raise ServiceError(
            _l("Use up to 30 letters, digits, dots, dashes, slashes or underscores."),
            "staff_number",
        )
    return text


def staff_number_owner(session: Session, number: str) -> int | None:
    """Return the id of the person holding staff number `number`, if any."""
    query = select(Person.id).where(func.upper(Person.staff_number) == number.upper())
    return session.exec(query).first()


def _unit(session: Session, unit_id: int | None, field: str = "unit_id") -> Unit:
    unit = session.get(Unit, unit_id) if unit_id else None
    if unit is None:
        raise ServiceError(_l("Choose a unit from the list."), field)
    return unit


def _flush(session: Session) -> None:
    """Write now; a staff number taken meanwhile by another request is a 409, not a 500."""
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(_l("The staff number is already used."), "staff_number") from None


# --- verbs -------------------------------------------------------------------------------


@transactional
def create_person(
    session: Session,
    *,
    user: User,
    unit_id: int,
    full_name: str,
    position: str,
    sex: str,
    birth_year: int | None,
    staff_number: str | None = None,
    since: date | None = None,
) -> Person:
    """Add a person to a unit, with their first posting (from `since`, default today)."""
    _unit(session, unit_id)
    ensure_manage(session, user, unit_id)
    fields = clean_fields(session, full_name=full_name, position=position, sex=sex,
                          birth_year=birth_year, staff_number=staff_number)  # fmt: skip
    start = since or utcnow().date()
    if start > utcnow().date():
        raise ServiceError(_l("The date cannot be in the future."), "since")
    person = Person(unit_id=unit_id, created_by_user_id=user.id, **asdict(fields))
    session.add(person)
    _flush(session)
    session.add(PersonPosting(person_id=person.id or 0, unit_id=unit_id, position=fields.position,
                              from_date=start, created_by_user_id=user.id))  # fmt: skip
    return person


@transactional
def update_person(
    session: Session,
    *,
    user: User,
    person: Person,
    full_name: str,
    position: str,
    sex: str,
    birth_year: int | None,
    staff_number: str | None,
    active: bool,
    account_id: int | None,
) -> Person:
    """Correct a person's details (a new position corrects the open posting; moves keep both)."""
    ensure_manage(session, user, person.unit_id)
    fields = clean_fields(session, full_name=full_name, position=position, sex=sex,
                          birth_year=birth_year, staff_number=staff_number,
                          own_id=person.id)  # fmt: skip
    account = _account(session, user, person, account_id)
    for key, value in asdict(fields).items():
        setattr(person, key, value)
    person.active, person.user_id, person.updated_at = active, account, utcnow()
    current = open_posting(session, person.id or 0)
    if current is not None and current.position != fields.position:
        current.position = fields.position
        session.add(current)
    session.add(person)
    _flush(session)
    return person


def _account(session: Session, user: User, person: Person, account_id: int | None) -> int | None:
    """Check the account to link: one of the person's unit, linked to nobody else."""
    if not account_id:
        return None
    if account_id == person.user_id:
        return account_id
    account = session.get(User, account_id)
    if account is None or account.unit_id != person.unit_id:
        raise ServiceError(_l("Choose an account of the person's unit."), "account_id")
    other = session.exec(
        select(Person.id).where(Person.user_id == account_id, col(Person.id) != person.id)
    ).first()
    if other is not None:
        raise Conflict(_l("This account is already linked to another person."), "account_id")
    return account_id


@transactional
def move_person(
    session: Session,
    *,
    user: User,
    person: Person,
    unit_id: int,
    position: str,
    on: date | None = None,
) -> PersonPosting:
    """Move a person to a unit or a position from `on` (default today): close and open postings.

    The person's current unit (or the committee's clerks) records the move; the person keeps
    their id, so registrations, initiatives and awards follow them.
    """
    ensure_manage(session, user, person.unit_id)
    target = _unit(session, unit_id)
    new_position = " ".join(clean_text(position, "position").split())
    day = on or utcnow().date()
    if day > utcnow().date():
        raise ServiceError(_l("The date cannot be in the future."), "on")
    current = open_posting(session, person.id or 0)
    if current is not None:
        if day < current.from_date:
            raise ServiceError(
                _l("The move cannot be earlier than the start of the current posting."), "on"
            )
        if current.unit_id == target.id and current.position == new_position:
            raise ServiceError(_l("The person already holds this position here."), "position")
        current.to_date = day
        session.add(current)
    posting = PersonPosting(person_id=person.id or 0, unit_id=target.id or 0,
                            position=new_position, from_date=day,
                            created_by_user_id=user.id)  # fmt: skip
    session.add(posting)
    # a linked account stays linked: it is the same person (its unit is the admin's to change)
    person.unit_id, person.position, person.updated_at = target.id or 0, new_position, utcnow()
    session.add(person)
    return posting


# --- reads -------------------------------------------------------------------------------


def get_person(session: Session, person_id: int) -> Person:
    """Return the person with id `person_id`, or raise NotFound."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(_l("Not found."))
    return person


def people_of(session: Session, unit_ids: Iterable[int] | None = None) -> list[Person]:
    """Return the people of the units (every unit when None), by unit then name."""
    query = select(Person).order_by(col(Person.unit_id), col(Person.full_name), col(Person.id))
    if unit_ids is not None:
        query = query.where(col(Person.unit_id).in_(list(unit_ids)))
    return list(session.exec(query).all())


def open_posting(session: Session, person_id: int) -> PersonPosting | None:
    """Return the person's current posting (the one without an end date)."""
    query = select(PersonPosting).where(
        PersonPosting.person_id == person_id, col(PersonPosting.to_date).is_(None)
    )
    return session.exec(query.order_by(col(PersonPosting.id).desc())).first()


def postings_of(session: Session, person_id: int) -> list[PersonPosting]:
    """Return the person's postings, newest first."""
    query = select(PersonPosting).where(PersonPosting.person_id == person_id)
    order = (col(PersonPosting.from_date).desc(), col(PersonPosting.id).desc())
    return list(session.exec(query.order_by(*order)).all())


def person_of_user(session: Session, user_id: int) -> Person | None:
    """Return the person linked to the account `user_id`, if any."""
    return session.exec(select(Person).where(Person.user_id == user_id)).first()


def unit_names(session: Session, user: User | None = None) -> dict[int, str]:
    """Return every unit's name by id; for a committee member `user`, only the units of their
    council and those below it (what they may read)."""
    query = select(Unit.id, Unit.name)
    if user is not None and is_committee(user):
        query = query.where(col(Unit.council_id).in_(sorted(councils.seen_by(session, user))))
    return {uid or 0: name for uid, name in session.exec(query).all()}


def fold(text: str | None) -> str:
    """Return `text` without case and Vietnamese diacritics ("Nguyễn Đức" → "nguyen duc")."""
    value = unicodedata.normalize("NFD", (text or "").replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in value if not unicodedata.combining(c)).casefold()

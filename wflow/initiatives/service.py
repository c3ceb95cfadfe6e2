"""Verbs and counts of the initiatives register (sáng kiến, mô hình, đề tài).

A unit records its own initiatives, with its own people and any units as authors; the
committee's clerks record them for any unit. An initiative counts for the unit it belongs to
and for every unit named among its authors, once each (`count_initiatives`): campaign
summaries, the year's report and the title prerequisites (issue 14 points 1, 3) call it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, delete, func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from wflow.clock import utcnow
from wflow.core.access import Action, is_committee, may
from wflow.core.errors import ServiceError
from wflow.core.uow import transactional
from wflow.councils import service as councils
from wflow.initiatives.models import LEVEL_ORDER, Initiative, InitiativeAuthor, InitiativeKind
from wflow.org.models import Unit, User
from wflow.org.service import clean_text
from wflow.people.models import Person
from wflow.people.registration import clean_year
from wflow.people.service import ensure_manage, is_clerk

KINDS = tuple(k.value for k in InitiativeKind)
LEVELS = tuple(LEVEL_ORDER)


@dataclass(frozen=True)
class Authors:
    """An initiative's authors: people and units, in the order given."""

    person_ids: Sequence[int] = ()
    unit_ids: Sequence[int] = ()


@dataclass(frozen=True)
class Recognition:
    """How and by whom an initiative was recognised."""

    level: str
    decision_number: str = ""
    decision_date: date | None = None
    decision_issuer: str = ""


# --- who may ---------------------------------------------------------------------------


def author_units(session: Session, initiative_id: int) -> list[int]:
    """Return the ids of the units named among an initiative's authors."""
    query = select(InitiativeAuthor.unit_id).where(
        InitiativeAuthor.initiative_id == initiative_id, col(InitiativeAuthor.unit_id).is_not(None)
    )
    return [u for u in session.exec(query).all() if u is not None]


def may_see(session: Session, user: User | None, initiative: Initiative) -> bool:
    """Tell whether the user sees the initiative: its units' people and the committee."""
    units = [initiative.unit_id, *author_units(session, initiative.id or 0)]
    return any(may(session, user, Action.VIEW, unit_id=u) for u in units)


def may_change(session: Session, user: User | None, initiative: Initiative) -> bool:
    """Tell whether the user may change it: the unit it belongs to, or the committee's clerks."""
    return is_clerk(user) or may(session, user, Action.ACT, unit_id=initiative.unit_id)


# --- verbs -------------------------------------------------------------------------------


def _check(
    session: Session,
    user: User,
    *,
    unit_id: int,
    kind: str,
    title: str,
    year: int | None,
    recognition: Recognition,
    description: str,
    authors: Authors,
    named: frozenset[int] | set[int] = frozenset(),
) -> dict[str, object]:
    """Return the initiative's fields cleaned, or refuse the first bad one (403, 422)."""
    if session.get(Unit, unit_id) is None:
        raise ServiceError(_l("Choose a unit from the list."), "unit_id")
    ensure_manage(session, user, unit_id)
    if kind not in KINDS:
        raise ServiceError(_l("Choose a kind from the list."), "kind")
    fields: dict[str, object] = {
        "unit_id": unit_id,
        "kind": kind,
        "title": clean_text(title, "title", max_len=500),
        "year": clean_year(year),
    }
    if recognition.level not in LEVELS:
        raise ServiceError(_l("Choose a recognition level from the list."), "level")
    when = recognition.decision_date
    if when is not None and not date(2000, 1, 1) <= when <= utcnow().date():
        raise ServiceError(_l("Give a decision date between 2000 and today."), "decision_date")
    fields.update(
        level=recognition.level,
        decision_number=clean_text(recognition.decision_number, "decision_number", max_len=50,
                                   required=False),
        decision_date=when,
        decision_issuer=clean_text(recognition.decision_issuer, "decision_issuer",
                                   required=False),
        description=clean_text(description, "description", max_len=20_000, required=False),
    )  # fmt: skip
    _check_authors(session, user, unit_id, authors, named)
    return fields


def _check_authors(
    session: Session, user: User, unit_id: int, authors: Authors, named: frozenset[int] | set[int]
) -> None:
    """Refuse no author, unknown ones, or another unit's people (but those named already)."""
    people, units = set(authors.person_ids), set(authors.unit_ids)
    if not people and not units:
        raise ServiceError(_l("Name at least one author, a person or a unit."), "person_ids")
    found = session.exec(select(Person).where(col(Person.id).in_(people))).all() if people else []
    if len(found) != len(people):
        raise ServiceError(_l("Choose the authors from the list."), "person_ids")
    if not is_clerk(user) and any(p.unit_id != unit_id and p.id not in named for p in found):
        raise ServiceError(_l("A unit names its own people as authors."), "person_ids")
    if units:
        known = session.exec(select(Unit.id).where(col(Unit.id).in_(units))).all()
        if len(known) != len(units):
            raise ServiceError(_l("Choose the author units from the list."), "unit_ids")


def _set_authors(session: Session, initiative_id: int, authors: Authors) -> None:
    session.exec(
        delete(InitiativeAuthor).where(col(InitiativeAuthor.initiative_id) == initiative_id)
    )
    position = 0
    for person_id in dict.fromkeys(authors.person_ids):
        session.add(InitiativeAuthor(initiative_id=initiative_id, person_id=person_id,
                                     position=position))  # fmt: skip
        position += 1
    for unit_id in dict.fromkeys(authors.unit_ids):
        session.add(InitiativeAuthor(initiative_id=initiative_id, unit_id=unit_id,
                                     position=position))  # fmt: skip
        position += 1


@transactional
def create_initiative(
    session: Session,
    *,
    user: User,
    unit_id: int,
    kind: str,
    title: str,
    year: int | None,
    recognition: Recognition,
    authors: Authors,
    description: str = "",
) -> Initiative:
    """Record an initiative, model or research topic of a unit with its authors."""
    fields = _check(session, user, unit_id=unit_id, kind=kind, title=title, year=year,
                    recognition=recognition, description=description,
                    authors=authors)  # fmt: skip
    initiative = Initiative(created_by_user_id=user.id, **fields)  # type: ignore[arg-type]
    session.add(initiative)
    session.flush()
    _set_authors(session, initiative.id or 0, authors)
    return initiative


@transactional
def update_initiative(
    session: Session,
    *,
    user: User,
    initiative: Initiative,
    kind: str,
    title: str,
    year: int | None,
    recognition: Recognition,
    authors: Authors,
    description: str = "",
) -> Initiative:
    """Change an initiative's record (the unit it belongs to stays)."""
    ensure_manage(session, user, initiative.unit_id)
    named = authors_by_initiative(session, [initiative.id or 0])[initiative.id or 0]
    fields = _check(session, user, unit_id=initiative.unit_id, kind=kind, title=title,
                    year=year, recognition=recognition, description=description,
                    authors=authors, named={a.person_id for a in named if a.person_id})  # fmt: skip
    for key, value in fields.items():
        setattr(initiative, key, value)
    initiative.updated_at = utcnow()
    session.add(initiative)
    _set_authors(session, initiative.id or 0, authors)
    return initiative


@transactional
def delete_initiative(session: Session, *, user: User, initiative: Initiative) -> None:
    """Remove an initiative recorded by mistake (its unit, or the committee's clerks)."""
    ensure_manage(session, user, initiative.unit_id)
    session.delete(initiative)


# --- reads -------------------------------------------------------------------------------


Units = Iterable[int] | SelectOfScalar[int | None]  # ids, or the query of them (`units_in`)


def _of_units(units: Units) -> ColumnElement[bool]:
    """The initiatives that belong to one of the units or name one of them as an author."""
    ids = units if isinstance(units, SelectOfScalar) else list(units)
    named = select(InitiativeAuthor.initiative_id).where(col(InitiativeAuthor.unit_id).in_(ids))
    return or_(col(Initiative.unit_id).in_(ids), col(Initiative.id).in_(named))


def _levels(level: str | None, at_least: bool) -> list[str] | None:
    if level is None:
        return None
    if level not in LEVEL_ORDER:
        raise ValueError(f"unknown recognition level {level!r}")
    return (
        [lv for lv, rank in LEVEL_ORDER.items() if rank >= LEVEL_ORDER[level]]
        if at_least
        else [level]
    )


def count_initiatives(
    session: Session,
    unit_ids: Iterable[int],
    year: int | None,
    level: str | None = None,
    *,
    at_least: bool = False,
    kind: str | None = None,
) -> int:
    """Count the units' initiatives of `year` (every year: None), each once.

    `level` keeps those recognised at that level (or higher, with `at_least`); `kind` keeps
    initiatives, models or research topics only.
    """
    query = select(func.count(func.distinct(Initiative.id))).where(_of_units(unit_ids))
    if year is not None:
        query = query.where(Initiative.year == year)
    levels = _levels(level, at_least)
    if levels is not None:
        query = query.where(col(Initiative.level).in_(levels))
    if kind is not None:
        query = query.where(Initiative.kind == kind)
    return int(session.exec(query).one())


def counts_by_unit(
    session: Session, unit_ids: Iterable[int], year: int | None, among: Units | None = None
) -> dict[int, dict[str, int]]:
    """Return, per unit, its initiatives of `year` by recognition level (and "total");
    `among`, the query of those units (`units_in`) to read them by."""
    ids = list(unit_ids)
    out: dict[int, dict[str, int]] = {u: dict.fromkeys((*LEVELS, "total"), 0) for u in ids}
    rows = visible_rows(session, among if among is not None else ids, year)
    named = authors_by_initiative(session, [r.id or 0 for r in rows])
    for row in rows:
        units = {row.unit_id, *(a.unit_id for a in named.get(row.id or 0, []) if a.unit_id)}
        for unit_id in units & set(ids):
            out[unit_id][row.level] += 1
            out[unit_id]["total"] += 1
    return out


def visible_rows(session: Session, units: Units | None, year: int | None) -> list[Initiative]:
    """Return the initiatives of the units (every one: None), of `year` when given, newest first."""
    query = select(Initiative)
    if units is not None:
        query = query.where(_of_units(units))
    if year is not None:
        query = query.where(Initiative.year == year)
    order = (col(Initiative.year).desc(), col(Initiative.title), col(Initiative.id))
    return list(session.exec(query.order_by(*order)).all())


def visible_initiatives(session: Session, user: User, year: int | None = None) -> list[Initiative]:
    """Return what the user sees: every initiative for the committee, else their unit's."""
    if is_committee(user):
        return visible_rows(session, councils.units_in(councils.seen_by(session, user)), year)
    if not user.unit_id:
        return []
    return visible_rows(session, [user.unit_id], year)


def authors_by_initiative(
    session: Session, initiative_ids: Iterable[int]
) -> dict[int, list[InitiativeAuthor]]:
    """Return the authors of each initiative, in order."""
    ids = list(initiative_ids)
    out: dict[int, list[InitiativeAuthor]] = {i: [] for i in ids}
    if not ids:
        return out
    query = (
        select(InitiativeAuthor)
        .where(col(InitiativeAuthor.initiative_id).in_(ids))
        .order_by(col(InitiativeAuthor.initiative_id), col(InitiativeAuthor.position))
    )
    for author in session.exec(query).all():
        out[author.initiative_id].append(author)
    return out


def author_names(session: Session, initiative_ids: Iterable[int]) -> dict[int, list[str]]:
    """Return each initiative's authors as people read them (names, never ids)."""
    authors = authors_by_initiative(session, initiative_ids)
    people_ids = {a.person_id for rows in authors.values() for a in rows if a.person_id}
    unit_ids = {a.unit_id for rows in authors.values() for a in rows if a.unit_id}
    people = (
        dict(
            session.exec(
                select(Person.id, Person.full_name).where(col(Person.id).in_(people_ids))
            ).all()
        )
        if people_ids
        else {}
    )
    units = (
        dict(session.exec(select(Unit.id, Unit.name).where(col(Unit.id).in_(unit_ids))).all())
        if unit_ids
        else {}
    )
    return {
        i: [people.get(a.person_id, "") if a.person_id else units.get(a.unit_id, "") for a in rows]
        for i, rows in authors.items()
    }


def initiatives_of_person(session: Session, person_id: int) -> list[Initiative]:
    """Return the initiatives a person is an author of, newest first (across units)."""
    mine = select(InitiativeAuthor.initiative_id).where(InitiativeAuthor.person_id == person_id)
    query = select(Initiative).where(col(Initiative.id).in_(mine))
    return list(session.exec(query.order_by(col(Initiative.year).desc(), col(Initiative.id))).all())


def has_recognised_initiative(
    session: Session, person_id: int, year: int, level: str = "unit"
) -> bool:
    """Tell whether the person authored an initiative of `year` recognised at `level` or higher.

    The prerequisite of Chiến sĩ thi đua cơ sở (issue 14 point 3).
    """
    mine = select(InitiativeAuthor.initiative_id).where(InitiativeAuthor.person_id == person_id)
    query = select(Initiative.id).where(
        col(Initiative.id).in_(mine),
        Initiative.year == year,
        col(Initiative.level).in_(_levels(level, True) or []),
    )
    return session.exec(query).first() is not None

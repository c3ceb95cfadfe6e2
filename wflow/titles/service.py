"""Deciding people's titles: the head of a unit grants its registered people their titles.

One decision (number, date) for one year's results grants awards decided by the unit head
(Lao động tiên tiến, Chiến sĩ thi đua cơ sở) to people of the unit registered for them.
Every choice is checked; one refusal refuses the whole decision and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from wflow.awards import catalogue as awards
from wflow.awards.models import Award
from wflow.clock import utcnow
from wflow.core.access import Action, may
from wflow.core.errors import Conflict, Forbidden, ServiceError
from wflow.core.uow import transactional
from wflow.org.models import Role, User
from wflow.org.service import clean_text
from wflow.people.models import Person, TitleRegistration
from wflow.people.registration import TITLES, clean_year
from wflow.titles import rules
from wflow.titles.models import PersonTitle, TitleDecision

FIELD = "grants"  # the form's field the choices come from


@dataclass(frozen=True)
class Grant:
    """A choice in a decision: this person, this award (by code)."""

    person_id: int
    award_code: str


def may_decide(user: User | None, unit_id: int) -> bool:
    """Tell whether `user` is the head of unit `unit_id` (who decides its people's titles)."""
    return (
        user is not None
        and user.is_active
        and user.unit_id == unit_id
        and user.has_role(Role.UNIT_HEAD)
    )


def may_read(session: Session, user: User | None, unit_id: int) -> bool:
    """Tell whether `user` may read the unit's decisions (the unit and the committee)."""
    return may(session, user, Action.VIEW, unit_id=unit_id)


def unit_head_awards(session: Session) -> list[Award]:
    """Return the active awards of people a unit's head decides, highest first."""
    return [
        a
        for a in awards.catalogue(session, active_only=True, nominee="person")
        if a.decided_by == "unit_head"
    ]


def award_names(session: Session) -> dict[str, str]:
    """Return every award's name by code."""
    return {a.code: a.name for a in awards.catalogue(session)}


def _clean_date(issued_on: date | None, year: int) -> date:
    today = utcnow().date()
    if issued_on is None or not date(year, 1, 1) <= issued_on <= today:
        raise ServiceError(
            _l("Give the decision's date, between 1 January %(year)d and today.", year=year),
            "issued_on",
        )
    return issued_on


def _registered(session: Session, unit_id: int, year: int, ids: list[int]) -> set[tuple[int, str]]:
    query = select(TitleRegistration.person_id, TitleRegistration.title).where(
        TitleRegistration.unit_id == unit_id,
        TitleRegistration.year == year,
        col(TitleRegistration.person_id).in_(ids),
    )
    return {(p, t) for p, t in session.exec(query).all()}


def already_granted(session: Session, grants: list[rules.Candidate], year: int) -> list[str]:
    """Return the choices already granted for the year, naming the earlier decision."""
    out = []
    for c in grants:
        query = (
            select(TitleDecision.number)
            .join(PersonTitle, col(PersonTitle.decision_id) == TitleDecision.id)
            .where(
                PersonTitle.person_id == c.person.id,
                PersonTitle.award_id == c.award.id,
                PersonTitle.year == year,
            )
        )
        number = session.exec(query).first()
        if number is not None:
            out.append(awards.already_awarded(c.person.full_name, c.award.name, str(year), number))
    return out


def _candidates(
    session: Session, unit_id: int, year: int, grants: Iterable[Grant]
) -> list[rules.Candidate]:
    """Return the choices as people and awards, refusing unknown or unregistered ones."""
    chosen = list(dict.fromkeys(grants))
    if not chosen:
        raise ServiceError(_l("Choose at least one person and title."), FIELD)
    by_code = {a.code: a for a in unit_head_awards(session)}
    ids = [g.person_id for g in chosen]
    people = {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(ids))).all()}
    for g in chosen:
        if g.award_code not in by_code:
            raise ServiceError(_l("Choose titles the unit's head decides."), FIELD)
        if g.person_id not in people:
            raise ServiceError(_l("Choose people from the list."), FIELD)
    registered = _registered(session, unit_id, year, ids)
    refused = []
    for g in chosen:
        person, award = people[g.person_id], by_code[g.award_code]
        if g.award_code in TITLES:
            if (g.person_id, g.award_code) not in registered:
                refused.append(str(_l("%(person)s is not registered by this unit for %(award)s "
                                      "in %(year)d.", person=person.full_name, award=award.name,
                                      year=year)))  # fmt: skip
        elif person.unit_id != unit_id:
            refused.append(str(_l("%(person)s does not work in this unit.",
                                  person=person.full_name)))  # fmt: skip
    if refused:
        raise ServiceError(" ".join(refused), FIELD)
    return [rules.Candidate(people[g.person_id], by_code[g.award_code]) for g in chosen]


def check(
    session: Session, unit_id: int, year: int, grants: Iterable[Grant]
) -> list[rules.Candidate]:
    """Return the choices checked (registration, once per year, prerequisites, quotas)."""
    chosen = _candidates(session, unit_id, year, grants)
    twice = already_granted(session, chosen, year)
    if twice:
        raise Conflict(" ".join(twice), FIELD)
    names = award_names(session)
    held = rules.held_titles(session, (c.person.id or 0 for c in chosen))
    held |= {(c.person.id or 0, c.award.code, year) for c in chosen}
    refused = [m for c in chosen for m in rules.missing(session, c, year, held, names)]
    refused += rules.over_quota(session, unit_id, year, chosen, names)
    if refused:
        raise ServiceError(" ".join(refused), FIELD)
    return chosen


@transactional
def decide(
    session: Session,
    *,
    user: User,
    unit_id: int,
    year: int | None,
    number: str | None,
    issued_on: date | None,
    grants: Iterable[Grant],
) -> TitleDecision:
    """Grant the chosen people their titles for `year` in one decision (all or nothing)."""
    if not may_decide(user, unit_id):
        raise Forbidden(_l("Only the head of the unit decides its people's titles."))
    year = clean_year(year)
    text = clean_text(number, "number", max_len=50)
    day = _clean_date(issued_on, year)
    chosen = check(session, unit_id, year, grants)
    clash = select(TitleDecision.id).where(
        TitleDecision.unit_id == unit_id, TitleDecision.year == year, TitleDecision.number == text
    )
    if session.exec(clash).first() is not None:
        raise Conflict(
            _l("The unit already has a decision numbered %(number)s for %(year)d.",
               number=text, year=year),
            "number",
        )  # fmt: skip
    decision = TitleDecision(unit_id=unit_id, year=year, number=text, issued_on=day,
                             decided_by_user_id=user.id)  # fmt: skip
    session.add(decision)
    try:
        session.flush()
        for c in chosen:
            row = PersonTitle(decision_id=decision.id or 0, person_id=c.person.id or 0,
                              award_id=c.award.id or 0, unit_id=unit_id, year=year)  # fmt: skip
            session.add(row)
        session.flush()
    except IntegrityError:  # a concurrent decision granted one of them (or took the number)
        raise Conflict(
            _l("This was changed meanwhile; reload the page and try again."), FIELD
        ) from None
    return decision


@dataclass(frozen=True)
class Granted:
    """A title granted by a decision, with its person and award."""

    title: PersonTitle
    person: Person
    award: Award


def decisions_of_unit(
    session: Session, unit_id: int, year: int
) -> list[tuple[TitleDecision, list[Granted]]]:
    """Return the unit's decisions for `year`, newest first, each with what it granted."""
    query = select(TitleDecision).where(
        TitleDecision.unit_id == unit_id, TitleDecision.year == year
    )
    decisions = list(session.exec(query.order_by(col(TitleDecision.issued_on).desc(),
                                                 col(TitleDecision.id).desc())).all())  # fmt: skip
    ids = [d.id for d in decisions]
    rows = session.exec(
        select(PersonTitle, Person, Award)
        .join(Person, col(Person.id) == PersonTitle.person_id)
        .join(Award, col(Award.id) == PersonTitle.award_id)
        .where(col(PersonTitle.decision_id).in_(ids))
    ).all()
    by_decision: dict[int, list[Granted]] = {d.id or 0: [] for d in decisions}
    for t, p, a in rows:
        by_decision[t.decision_id].append(Granted(t, p, a))
    for granted in by_decision.values():
        granted.sort(key=lambda g: (g.award.position, g.person.full_name))
    return [(d, by_decision[d.id or 0]) for d in decisions]


def decision_years(session: Session, unit_id: int) -> list[int]:
    """Return the years the unit decided titles for, newest first."""
    query = select(TitleDecision.year).where(TitleDecision.unit_id == unit_id).distinct()
    return sorted(session.exec(query).all(), reverse=True)

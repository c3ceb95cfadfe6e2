"""The award history (tra cứu khen thưởng): titles of people and awards of units across years.

Units' awards come from the council's signed decisions on nominations (revoked ones marked),
with the people and collectives its dossiers name;
people's titles from their units' decisions, whichever unit they work in now; ad-hoc awards
(to people and collectives) from the chair's decisions. The committee
searches everyone; a unit searches its own people (titles it granted, and the whole history
of the people working there now) and its own awards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from wflow.adhoc.models import AdhocAward
from wflow.awards import decisions as council
from wflow.awards.models import Award
from wflow.core import subjects
from wflow.core.access import is_committee
from wflow.councils import service as councils
from wflow.engine import WfInstance
from wflow.org.models import Unit, User
from wflow.people import service as people
from wflow.people.models import Person
from wflow.titles.models import PersonTitle, TitleDecision

KINDS = ("person", "unit")


@dataclass(frozen=True)
class Entry:
    """One award in someone's history: who, which year, what, by which decision."""

    kind: str  # "person" | "unit"
    name: str
    person_id: int | None
    unit_id: int  # the unit that received or decided it
    unit_name: str
    year: int
    award_code: str
    award_name: str
    decision_number: str
    decision_date: date
    decided_by: str  # the deciding unit's name, or the council's
    revoked: bool = False
    adhoc: str = ""  # the achievement of an ad-hoc award


@dataclass(frozen=True)
class Query:
    """What the look-up asks: a name (without diacritics is fine), a year, an award, a unit."""

    q: str = ""
    year: int | None = None
    award: str = ""  # an award code
    unit_id: int | None = None
    kind: str = ""  # "", "person" or "unit"


def scope(user: User) -> int | None:
    """Return the unit a user's look-up is limited to (None: everything, the committee)."""
    return None if is_committee(user) else user.unit_id


def _person_entries(
    session: Session, only_unit: int | None, person_id: int | None = None
) -> list[Entry]:
    query = (
        sa.select(PersonTitle, Person, Award, TitleDecision, Unit)
        .join(Person, col(Person.id) == PersonTitle.person_id)
        .join(Award, col(Award.id) == PersonTitle.award_id)
        .join(TitleDecision, col(TitleDecision.id) == PersonTitle.decision_id)
        .join(Unit, col(Unit.id) == PersonTitle.unit_id)
    )
    if only_unit is not None:
        query = query.where(
            (col(PersonTitle.unit_id) == only_unit) | (col(Person.unit_id) == only_unit)
        )
    if person_id is not None:
        query = query.where(col(PersonTitle.person_id) == person_id)
    return [
        Entry("person", p.full_name, p.id, u.id or 0, u.name, t.year, a.code, a.name, d.number,
              d.issued_on, u.name)
        for t, p, a, d, u in session.execute(query).all()
    ]  # fmt: skip


def _council_entries(
    session: Session, only_unit: int | None, person_id: int | None = None
) -> list[Entry]:
    """Return the council's awards: to units, and to the people named in its dossiers."""
    by = council.council_unit_name(session)
    return [
        Entry("person" if g.person else "unit", g.name, g.person.id if g.person else None,
              g.unit.id or 0, g.unit.name, g.nomination.year, g.award.code, g.award.name,
              g.decision.number, g.decision.issued_on, g.council.name if g.council else by,
              g.revoked_at is not None)
        for g in council.register(session, unit_id=only_unit, person_id=person_id)
    ]  # fmt: skip


def adhoc_entries(
    session: Session, only_unit: int | None, person_id: int | None = None
) -> list[Entry]:
    """Return the decided ad-hoc awards (of the unit's people and collectives, or a person's)."""
    chair = council.council_unit_name(session)
    query = (
        sa.select(AdhocAward, Award, col(WfInstance.council_id))
        .join(Award, col(Award.id) == AdhocAward.award_id)
        .join(WfInstance, col(WfInstance.id) == AdhocAward.instance_id)
        .where(col(WfInstance.state).in_(subjects.tagged(session, "adhoc_award", "decided")))
    )
    if person_id is not None:
        query = query.where(col(AdhocAward.person_id) == person_id)
    rows = session.execute(query).all()
    ids = {r.person_id for r, _a, _c in rows if r.person_id}
    people_by_id = {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(ids)))}
    names = people.unit_names(session)
    out = []
    bodies = {u.id: u.name for u in session.exec(select(Unit).where(
        col(Unit.id).in_({c for _r, _a, c in rows if c is not None})))}  # fmt: skip
    for r, a, council_id in rows:
        person = people_by_id.get(r.person_id)
        unit_id = person.unit_id if person is not None else (r.nominee_unit_id or 0)
        if only_unit is not None and only_unit not in (unit_id, r.unit_id):
            continue
        name = person.full_name if person is not None else names.get(unit_id, "")
        out.append(Entry("person" if person is not None else "unit", name, r.person_id, unit_id,
                         names.get(unit_id, ""), r.year, a.code, a.name, r.decision_number or "",
                         r.decision_date or r.achieved_on, bodies.get(council_id, chair),
                         adhoc=r.title))  # fmt: skip
    return out


def search(session: Session, user: User, query: Query) -> list[Entry]:
    """Return the history entries the user may see matching `query`, newest year first."""
    only = scope(user)
    if only is None and not is_committee(user):
        return []
    rows: list[Entry] = []
    if query.kind in ("", "person"):
        rows += _person_entries(session, only)
    rows += [e for e in _council_entries(session, only) if query.kind in ("", e.kind)]
    rows += [e for e in adhoc_entries(session, only) if query.kind in ("", e.kind)]
    name = people.fold(query.q)
    seen = councils.units_seen_by(session, user) if only is None else None
    kept = [
        e for e in rows
        if (seen is None or e.unit_id in seen)
        and name in people.fold(e.name)
        and (not query.year or e.year == query.year)
        and (not query.award or e.award_code == query.award)
        and (not query.unit_id or e.unit_id == query.unit_id)
    ]  # fmt: skip
    kept.sort(key=lambda e: (-e.year, e.kind, people.fold(e.name), e.award_name))
    return kept


def history_of_person(session: Session, person_id: int) -> list[Entry]:
    """Return a person's titles and awards across years and units, newest first."""
    rows = (_person_entries(session, None, person_id) + adhoc_entries(session, None, person_id)
            + _council_entries(session, None, person_id))  # fmt: skip
    rows.sort(key=lambda e: (-e.year, e.award_name))
    return rows

"""The prerequisites of an award (kept as data in the catalogue) evaluated for people.

A person's history is their titles across years and units (`PersonTitle`) plus the titles
being granted in the same decision; initiatives count in the year they were recognised.
Every refusal is a sentence naming the person, the award and the missing fact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.awards.models import Award
from wflow.initiatives import service as initiatives
from wflow.initiatives.text import LEVEL_LABELS
from wflow.people.models import Person
from wflow.titles.models import PersonTitle

Held = set[tuple[int, str, int]]  # (person id, award code, year)


@dataclass(frozen=True)
class Candidate:
    """A person proposed for an award in a decision."""

    person: Person
    award: Award


def held_titles(session: Session, person_ids: Iterable[int]) -> Held:
    """Return the awards the people hold, across years and units, as (person, code, year)."""
    ids = list(set(person_ids))
    if not ids:
        return set()
    query = (
        select(PersonTitle.person_id, Award.code, PersonTitle.year)
        .join(Award, col(Award.id) == PersonTitle.award_id)
        .where(col(PersonTitle.person_id).in_(ids))
    )
    return {(p, c, y) for p, c, y in session.exec(query).all()}


def quota_limit(holders: int, percent: Decimal) -> int:
    """Return how many may hold the award: the share of `holders` rounded down, at least one."""
    if holders <= 0:
        return 0
    share = (Decimal(holders) * percent / 100).to_integral_value(rounding=ROUND_FLOOR)
    return max(1, int(share))


def missing(
    session: Session,
    candidate: Candidate,
    year: int,
    held: Held,
    names: Mapping[str, str],
) -> list[str]:
    """Return why the person misses the award's prerequisites in `year` (quota aside)."""
    person, award = candidate.person, candidate.award
    pid = person.id or 0
    out: list[str] = []
    for rule in award.prerequisites:
        kind = rule.get("rule")
        if kind == "same_year" and (pid, rule["award"], year) not in held:
            needed = names.get(rule["award"], rule["award"])
            out.append(str(_l("%(person)s: %(award)s needs %(needed)s in %(year)d.",
                              person=person.full_name, award=award.name, needed=needed,
                              year=year)))  # fmt: skip
        elif kind == "initiative" and not initiatives.has_recognised_initiative(
            session, pid, year, rule["level"]
        ):
            level = LEVEL_LABELS.get(rule["level"], rule["level"])
            out.append(str(_l("%(person)s: %(award)s needs an initiative or model recognised "
                              "in %(year)d at %(level)s or higher.", person=person.full_name,
                              award=award.name, year=year, level=level)))  # fmt: skip
        elif kind == "consecutive":
            years = range(year - int(rule["years"]) + 1, year + 1)
            lacking = [y for y in years if (pid, rule["award"], y) not in held]
            if lacking:
                out.append(str(_l("%(person)s: %(award)s needs %(needed)s in each year from "
                                  "%(first)d to %(year)d; missing: %(lacking)s.",
                                  person=person.full_name, award=award.name,
                                  needed=names.get(rule["award"], rule["award"]),
                                  first=years[0], year=year,
                                  lacking=", ".join(str(y) for y in lacking))))  # fmt: skip
    return out


def _count(session: Session, unit_id: int, year: int, code: str) -> int:
    """Return how many people the unit granted the award `code` for `year`."""
    query = (
        select(PersonTitle.id)
        .join(Award, col(Award.id) == PersonTitle.award_id)
        .where(PersonTitle.unit_id == unit_id, PersonTitle.year == year, Award.code == code)
    )
    return len(session.exec(query).all())


def over_quota(
    session: Session,
    unit_id: int,
    year: int,
    chosen: list[Candidate],
    names: Mapping[str, str],
) -> list[str]:
    """Return the quotas the decision would exceed, counting the unit's earlier decisions."""
    out: list[str] = []
    awards: dict[str, Award] = {c.award.code: c.award for c in chosen}
    for code, award in awards.items():
        for rule in award.prerequisites:
            if rule.get("rule") != "quota":
                continue
            of = str(rule["of"])
            holders = _count(session, unit_id, year, of) + sum(
                1 for c in chosen if c.award.code == of
            )
            mine = [c.person.full_name for c in chosen if c.award.code == code]
            total = _count(session, unit_id, year, code) + len(mine)
            limit = quota_limit(holders, Decimal(str(rule["percent"])))
            if total > limit:
                out.append(str(_l("%(award)s: at most %(limit)d of the unit's %(holders)d "
                                  "%(of)s in %(year)d (%(percent)s%%); %(total)d would hold it "
                                  "(%(people)s).", award=award.name, limit=limit,
                                  holders=holders, of=names.get(of, of), year=year,
                                  percent=rule["percent"], total=total,
                                  people=", ".join(mine))))  # fmt: skip
    return out


def describe(rule: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """Return one prerequisite as a sentence for people (the decision page lists them)."""
    kind = rule.get("rule")
    if kind == "same_year":
        return str(_l("holds %(award)s the same year", award=names.get(rule["award"], "")))
    if kind == "initiative":
        level = LEVEL_LABELS.get(rule["level"], rule["level"])
        return str(_l("an initiative or model recognised that year at %(level)s or higher",
                      level=level))  # fmt: skip
    if kind == "consecutive":
        return str(_l("%(award)s in each of the %(n)d years ending that year",
                      award=names.get(rule["award"], ""), n=int(rule["years"])))  # fmt: skip
    if kind == "quota":
        return str(_l("at most %(percent)s%% of the unit's %(award)s that year",
                      percent=rule["percent"], award=names.get(rule["of"], "")))  # fmt: skip
    return str(kind)

"""Copy a block's plan as the draft of a later year: text, rules, scale and criteria table.

The copy is a new plan with its own workflow instance in the initial state (a draft the new
year's leading unit edits); the plan it copies is only read.
"""

from __future__ import annotations

from collections.abc import Collection
from copy import deepcopy
from datetime import date

from sqlmodel import Session, col, select

from wflow.core import subjects
from wflow.core.uow import transactional
from wflow.engine import Engine
from wflow.org.models import User
from wflow.plans.criteria import as_inputs, store
from wflow.plans.models import Plan
from wflow.plans.service import WORKFLOW


def plan_of_year(session: Session, block_id: int, year: int) -> Plan | None:
    """Return the block's plan whose period covers `year` (not a cancelled one), newest first."""
    return plans_of_years(session, [block_id], [year])[(block_id, year)]


def plans_of_years(
    session: Session, block_ids: Collection[int], years: Collection[int]
) -> dict[tuple[int, int], Plan | None]:
    """Return each block's plan covering each year (as `plan_of_year`), by (block id, year):
    the same statements whatever the number of blocks and years."""
    wanted = sorted(years)
    out: dict[tuple[int, int], Plan | None] = {(b, y): None for b in block_ids for y in wanted}
    if not out:
        return out
    query = (
        select(Plan)
        .where(col(Plan.block_id).in_(sorted(block_ids)), col(Plan.year) <= wanted[-1],
               col(Plan.year_end) >= wanted[0])
        .order_by(col(Plan.year).desc(), col(Plan.id).desc())
    )  # fmt: skip
    found = list(session.exec(query).all())
    states = subjects.states(session, found)
    dropped = subjects.tagged(session, WORKFLOW, "dropped")
    for plan in found:  # newest first: the first that covers a year is its plan
        if states.get(plan.id or 0) in dropped:
            continue
        for year in wanted:
            if plan.year <= year <= plan.year_end and out[(plan.block_id, year)] is None:
                out[(plan.block_id, year)] = plan
    return out


def title_for_year(title: str, period: str, year: int) -> str:
    """Return the title with the old period (or its last year) written as `year`."""
    if period in title:
        return title.replace(period, str(year))
    last = period.rsplit("-", 1)[-1]
    if last in title:
        return title.replace(last, str(year))
    return f"{title} – {year}"[:300]


def shift_date(day: date | None, years: int, last_year: int) -> date | None:
    """Return `day` moved by `years` (29 February becomes the 28th); None past `last_year`."""
    if day is None:
        return None
    year = day.year + years
    if year > last_year:
        return None
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=year, day=28)


@transactional
def clone_plan(
    session: Session, engine: Engine, *, plan: Plan, year: int, user: User | None
) -> Plan:
    """Draft a one-year plan for `year` as a copy of `plan`, its workflow started as the system.

    The council's act, not the leading unit's: the system starts the instance, and `user`
    (None from the command line) is recorded as who created it.
    """
    copy = Plan(
        block_id=plan.block_id,
        year=year,
        year_end=year,
        title=title_for_year(plan.title, plan.period, year),
        legal_bases=plan.legal_bases,
        purposes=plan.purposes,
        contents=deepcopy(plan.contents),
        rules=deepcopy(plan.rules),
        scale=plan.scale,
        registration_deadline=shift_date(plan.registration_deadline, year - plan.year, year),
        created_by_user_id=user.id if user else None,
    )
    session.add(copy)
    session.flush()
    store(session, copy, as_inputs(session, plan.id or 0))
    subjects.start(session, engine, copy, None)
    return copy

"""The day's work of a person: every task in words, grouped by block, overdue first.

A task is what moves the work on (`Definition.is_work`); commenting on a plan under consultation and
registering a unit's targets are work too, though no transition records them.

A secretariat may hold thousands of tasks: a page first counts them per deadline and block
(`page`), reads the task index's rows (`Entry`: workflow, block, due date) of only the
deadlines and blocks it reaches, sorts those, and describes only the rows it shows
(`words.describe`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from operator import attrgetter
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlmodel import Session, col, select

from wflow.clock import utcnow
from wflow.core import formats, installation, subjects
from wflow.core import workflow as wf
from wflow.core.access import Action, current_year, may, unit_seats
from wflow.core.paging import BADGE_CAP, Page, capped_count, page_count
from wflow.engine import WORK_COUNT, Engine, WfInstance, WorkRow
from wflow.i18n import state_name
from wflow.inbox.words import Names, WorkItem, describe, due_date
from wflow.inspections import service as inspections
from wflow.org.models import Position, User
from wflow.plans.models import Plan, PlanComment, Registration
from wflow.plans.registration import deadline_for

COMMENT = "comment"  # a member unit comments on a plan under consultation
REGISTER = "register_targets"  # a member unit registers its targets against a published plan
RECOMMENDATION = "answer_recommendation"  # a unit answers an inspection's recommendation
PAGE_SIZE = 50  # rows on a page of the inbox


@dataclass(frozen=True)
class BlockGroup:
    """The work of one block (or of none), in the order it should be done."""

    block_id: int | None
    name: str
    items: list[WorkItem]


@dataclass(slots=True)
class Entry:
    """A row of the inbox before it is put in words: what it is sorted and filtered by.

    Not frozen: a secretariat's inbox makes thousands, and a frozen init costs five times more.
    """

    key: str  # the WorkItem's key
    workflow: str
    block_id: int | None
    block: str
    due: date | None
    overdue: bool
    instance_id: int | None
    triggers: tuple[str, ...]
    item: WorkItem | None = None  # the row in words already (comments, registrations: a few)

    @property
    def order(self) -> tuple[bool, date, str, int, str]:
        """Return the sort key: overdue first, then due date, block name, then a stable key."""
        return (not self.overdue, self.due or date.max, self.block, self.instance_id or 0,
                self.key)  # fmt: skip


def work(
    session: Session,
    engine: Engine,
    user: User,
    now: datetime | None = None,
    workflow: str | None = None,
) -> list[WorkItem]:
    """Return what `user` should do now in words, in order (only `workflow`'s when given)."""
    today = installation.local_date(session, now or utcnow())
    names = Names(session)
    rows = entries(session, engine, user, today, workflow, names)
    return _words(session, engine, rows, today, names)


def page(
    session: Session,
    engine: Engine,
    user: User,
    number: int = 1,
    size: int = PAGE_SIZE,
    *,
    now: datetime | None = None,
    workflow: str | None = None,
) -> Page[WorkItem]:
    """Return page `number` of `user`'s work, only its rows described (past the end: the last).

    The instances of work are first counted per deadline and block (`wf.work_groups`); only
    the rows of the deadlines and blocks the page reaches are read, so a page of a
    secretariat's thousands of tasks reads about as much as a unit's ten.
    """
    today = installation.local_date(session, now or utcnow())
    extras = _extra_entries(session, engine, user, today, workflow)
    names = Names(session)
    groups = wf.work_groups(session, engine, user, workflow)
    names.load_blocks(g.block_id for g in groups)
    due_of = _due_dates(session)
    slots: dict[tuple[date, str], tuple[int, set[int | None]]] = {}  # (due, block): size, ids
    for g in groups:
        key = (due_of(g.due_at) or date.max, names.block(g.block_id))
        count, ids = slots.get(key, (0, set()))
        slots[key] = (count + g.instances, ids | {g.block_id})
    for e in extras:
        key = (e.due or date.max, e.block)
        count, ids = slots.get(key, (0, set()))
        slots[key] = (count + 1, ids)
    total = sum(count for count, _ids in slots.values())
    number = min(max(number, 1), page_count(total, size))
    start = (number - 1) * size
    before, reached = 0, 0  # rows of the slots before the page, and of those it reaches
    wanted: set[tuple[date, str]] = set()
    blocks: set[int | None] = set()
    for key in sorted(slots):  # in the order of `Entry.order`: overdue is due before today
        count, ids = slots[key]
        if not wanted and before + count <= start:
            before += count
        elif before + reached < start + size:
            wanted.add(key)
            blocks |= ids
            reached += count
        else:
            break
    rows = wf.work_rows(session, engine, user, workflow=workflow, blocks=blocks) if blocks else []
    found = [e for e in _instance_entries(session, rows, today, names)
             if (e.due or date.max, e.block) in wanted]  # fmt: skip
    found += [e for e in extras if (e.due or date.max, e.block) in wanted]
    found.sort(key=attrgetter("order"))
    shown = found[start - before : start - before + size]
    return Page(_words(session, engine, shown, today, names), number, size, total)


def entries(
    session: Session,
    engine: Engine,
    user: User,
    today: date,
    workflow: str | None = None,
    names: Names | None = None,
) -> list[Entry]:
    """Return `user`'s rows unworded: overdue first, then by due date, block and a stable key."""
    rows = wf.work_rows(session, engine, user, workflow=workflow)
    found = _instance_entries(session, rows, today, names or Names(session))
    found += _extra_entries(session, engine, user, today, workflow)
    return sorted(found, key=attrgetter("order"))


def _extra_entries(
    session: Session, engine: Engine, user: User, today: date, workflow: str | None
) -> list[Entry]:
    """Return the rows no task records: comments, registrations and recommendations."""
    seated = _seated(session, engine, user)
    found = [_entry(i) for i in _comment_work(session, engine, user, today, seated)]
    found += [_entry(i) for i in _register_work(session, user, today, seated)]
    found += [_entry(i) for i in _recommendation_work(session, user, today)]
    return [e for e in found if e.workflow == workflow] if workflow else found


# what the menu's badge reads in one statement, each part stopped at the cap however much
# work there is: the instances with work (the engine's count on the task index's (principal,
# work, instance) index), the unit's recommendations to answer and the answers to assess
TASKS = WORK_COUNT.scalar_subquery() + capped_count(inspections.WORK_IDS)
_COUNT = sa.select(TASKS)


def count_binds(
    session: Session, engine: Engine, user: User, now: datetime | None = None
) -> tuple[dict[str, Any], int]:
    """Return the values `TASKS` is read with for `user`, and the rows counted here: the
    comments and registrations to make, a person's few, listed as `work` lists them."""
    today = installation.local_date(session, now or utcnow())
    seated = _seated(session, engine, user)  # read once for both kinds of rows
    extra = len(_comment_work(session, engine, user, today, seated))
    extra += len(_register_work(session, user, today, seated))
    binds = {"principals": sorted(wf.actor_for(session, user).principals),
             **inspections.badge_binds(session, _recommendation_owner(session, user), today,
                                       inspections.is_secretariat(user))}  # fmt: skip
    return binds, extra


def count(session: Session, engine: Engine, user: User, now: datetime | None = None) -> int:
    """Return how many rows `user`'s inbox holds, up to BADGE_CAP, without describing them.

    One statement (`TASKS`) counts what the task index and the recommendations hold, its cost
    bounded by the cap however many tasks; the layout reads it with the other badges.
    """
    binds, extra = count_binds(session, engine, user, now)
    return badge(session.connection().execute(_COUNT, binds).scalar_one() + extra)


def badge(found: int) -> int:
    """Return a count as a badge holds it: at most BADGE_CAP."""
    return min(int(found), BADGE_CAP)


def grouped(items: Sequence[WorkItem]) -> list[BlockGroup]:
    """Group rows by block, in their order: a block's place is that of its most urgent row."""
    groups: dict[int | None, BlockGroup] = {}
    for item in items:
        group = groups.get(item.block_id)
        if group is None:
            name = item.block or _("Province-wide")
            group = groups[item.block_id] = BlockGroup(item.block_id, name, [])
        group.items.append(item)
    return list(groups.values())


def _due_dates(session: Session) -> Callable[[datetime | None], date | None]:
    """Return `due_date` in the installation's zone, each deadline worked out once."""
    zone = installation.zone(session)
    dues: dict[datetime | None, date | None] = {}  # many tasks share a deadline

    def due_of(value: datetime | None) -> date | None:
        if value not in dues:
            dues[value] = due_date(value, zone)
        return dues[value]

    return due_of


def _instance_entries(
    session: Session, tasks: Sequence[WorkRow], today: date, names: Names
) -> list[Entry]:
    """Return a row per instance of `tasks` (work only), from the task index alone; its
    deadline is the earliest of its tasks'."""
    triggers: dict[int, set[str]] = {}
    first: dict[int, WorkRow] = {}
    earliest: dict[int, datetime] = {}
    for t in tasks:
        triggers.setdefault(t.instance_id, set()).add(t.trigger)
        first.setdefault(t.instance_id, t)
        if t.due_at is not None and (t.instance_id not in earliest
                                     or t.due_at < earliest[t.instance_id]):  # fmt: skip
            earliest[t.instance_id] = t.due_at
    names.load_blocks(t.block_id for t in first.values())
    due_of = _due_dates(session)
    items = []
    for iid, held in triggers.items():
        t = first[iid]
        due = due_of(earliest.get(iid))
        items.append(Entry(
            key=f"i{iid}", workflow=t.workflow, block_id=t.block_id, block=names.block(t.block_id),
            due=due, overdue=due is not None and due < today, instance_id=iid,
            triggers=tuple(sorted(held)),
        ))  # fmt: skip
    return items


def _entry(item: WorkItem) -> Entry:
    """Return the entry of a row already in words."""
    return Entry(key=item.key, workflow=item.workflow, block_id=item.block_id, block=item.block,
                 due=item.due, overdue=item.overdue, instance_id=item.instance_id,
                 triggers=item.triggers, item=item)  # fmt: skip


def _words(
    session: Session, engine: Engine, rows: Sequence[Entry], today: date, names: Names
) -> list[WorkItem]:
    """Put `rows` in words, in their order: their instances read in a query per kind (and the
    names of blocks and units not in `names` yet)."""
    wanted = {r.instance_id: r for r in rows if r.item is None and r.instance_id is not None}
    said: dict[int, WorkItem] = {}
    if wanted:
        query = select(WfInstance).where(col(WfInstance.id).in_(wanted))
        instances = session.exec(query).all()
        loaded = names.preload(instances)  # kept alive while describing
        for row in instances:
            iid = row.id or 0
            said[iid] = describe(session, engine, row, wanted[iid].triggers, today, names)
        del loaded
    return [r.item if r.item is not None else said[r.instance_id or 0] for r in rows]


@dataclass(frozen=True)
class _Seated:
    """The block seats of the unit a user acts for, and the plans of those blocks that may
    ask work of it (under consultation, or published): read once for both kinds of rows."""

    seats: dict[tuple[int, int], str]  # (block id, year) -> position
    plans: list[tuple[Plan, WfInstance]]


def _seated(session: Session, engine: Engine, user: User) -> _Seated:
    """Return the unit's seats (kept per process: `access.unit_seats`) and its blocks' plans
    in a commentable or published state, in one statement (none for who cannot act for it)."""
    if user.unit_id is None or not may(session, user, Action.ACT, unit_id=user.unit_id):
        return _Seated({}, [])
    seats = {(b, y): position for b, y, position in unit_seats(session, user)}
    states = engine.tagged("plan", "commentable") | subjects.tagged(session, "plan", "published")
    if not seats or not states:
        return _Seated(seats, [])
    query = (
        select(Plan, WfInstance)
        .join(WfInstance, col(WfInstance.id) == col(Plan.instance_id))
        .where(col(WfInstance.state).in_(states), col(Plan.block_id).in_({b for b, _y in seats}))
    )
    return _Seated(seats, [(plan, row) for plan, row in session.exec(query).all()])


def _comment_work(
    session: Session, engine: Engine, user: User, today: date, seated: _Seated
) -> list[WorkItem]:
    """Plans under consultation in the user's blocks that the unit has not commented on yet."""
    states = engine.tagged("plan", "commentable")
    names = Names(session)
    items = []
    for plan, row in seated.plans:
        position = seated.seats.get((plan.block_id, plan.year))
        if row.state not in states or position is None or position == Position.LEADER.value:
            continue  # the leading unit drafted it: it answers the comments
        said = select(PlanComment.id).where(
            PlanComment.plan_id == plan.id, PlanComment.unit_id == user.unit_id
        )
        if session.exec(said).first() is not None:
            continue
        due = due_date(row.due_at, installation.zone(session))
        items.append(WorkItem(
            key=f"{COMMENT}-{plan.id}", action=_("Comment on the plan"), subject=plan.title,
            endpoint="plan.show", args={"plan_id": plan.id or 0}, block_id=plan.block_id,
            block=names.block(plan.block_id), unit="", period="",
            due=due, overdue=due is not None and due < today,
            state=state_name(engine.definition(row.workflow, row.version), row.state),
            workflow="plan", instance_id=row.id,
            triggers=(COMMENT,),
        ))  # fmt: skip
    return items


def _register_work(session: Session, user: User, today: date, seated: _Seated) -> list[WorkItem]:
    """Published plans of the user's blocks this year whose targets the unit has not
    registered."""
    year = current_year()
    blocks = {b for b, y in seated.seats if y == year}
    published = subjects.tagged(session, "plan", "published")
    names = Names(session)
    items = []
    for plan, row in seated.plans:
        if row.state not in published or plan.block_id not in blocks:
            continue
        if not plan.year <= year <= plan.year_end:  # a plan of the block's other years
            continue
        deadline = deadline_for(plan, year)
        if deadline is None or deadline < today:
            continue
        done = select(Registration.id).where(Registration.plan_id == plan.id,
                                             Registration.unit_id == user.unit_id,
                                             Registration.year == year)  # fmt: skip
        if session.exec(done).first() is not None:
            continue
        items.append(WorkItem(
            key=f"{REGISTER}-{plan.id}-{year}", action=_("Register your unit's targets"),
            subject=plan.title, endpoint="plan.register", args={"plan_id": plan.id or 0,
                                                                "year": year},
            block_id=plan.block_id, block=names.block(plan.block_id), unit="",
            period="" if str(year) in plan.title else str(year), due=deadline, overdue=False,
            workflow="plan", triggers=(REGISTER,),
        ))  # fmt: skip
    return items


def _recommendation_owner(session: Session, user: User) -> int | None:
    """Return the unit whose recommendations `user` answers (None: none, or may not act)."""
    if user.unit_id is None or not may(session, user, Action.ACT, unit_id=user.unit_id):
        return None
    return user.unit_id


def _recommendation_work(session: Session, user: User, today: date) -> list[WorkItem]:
    """Recommendations of inspections the user's unit is in charge of: to answer, or past due
    until the secretariat closes them; for the secretariat, the answers to assess."""
    owner = _recommendation_owner(session, user)
    found = inspections.owner_work(session, owner, today) if owner is not None else []
    if inspections.is_secretariat(user):
        found += inspections.answers_to_assess(session)
    found = list({rec.id: (rec, row) for rec, row in found}.values())  # once, if both
    names = Names(session)
    items = []
    for rec, row in found:
        late = rec.due_on < today
        if rec.state == inspections.OPEN:
            action, state = _("Answer the recommendation"), _("Not answered yet")
        elif owner is not None and rec.owner_unit_id == owner:
            action, state = _("Overdue recommendation"), _("Answered, awaiting closure")
        else:  # the secretariat assesses the answer
            action, state = _("Assess the answer and close the recommendation"), _("Answered")
        text = rec.text if len(rec.text) <= 120 else rec.text[:119] + "…"
        items.append(WorkItem(
            key=f"{RECOMMENDATION}-{rec.id}", action=action, subject=f"{row.title} — {text}",
            endpoint="inspections.show", args={"inspection_id": row.id or 0},
            block_id=row.block_id, block=names.block(row.block_id), unit="",
            period=str(row.year), due=rec.due_on, overdue=late, state=state,
            workflow=inspections.WORKFLOW, instance_id=row.instance_id, triggers=(RECOMMENDATION,),
        ))  # fmt: skip
    return items


def export_rows(items: Sequence[WorkItem], locale: str) -> list[dict[str, Any]]:
    """Return the rows of the inbox's CSV/XLSX export."""
    return [
        {"task": i.title, "block": i.block, "unit": i.unit, "period": i.period,
         "state": i.state, "due": formats.format_date(i.due, locale) if i.due else ""}
        for i in items
    ]  # fmt: skip

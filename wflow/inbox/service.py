"""The day's work of a person: every task in words, grouped by block, overdue first.

The engine's task index says who *may* fire what; a task is what moves the work on. Exceptional
or optional steps that stay available (revoking a decided award, closing a pact in force before
its period ends, withdrawing a draft) are offered on the subject's page, never listed as work.
Commenting on a plan under consultation and registering a unit's targets are work too, though no
transition records them. `describe` is the one place a task becomes words.

A secretariat may hold thousands of tasks: the rows are first listed from the task index alone
(`Entry`: workflow, block, due date), sorted and filtered on that, and only the rows a page
shows are described.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, cast

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from wflow.clock import utcnow
from wflow.core import formats, installation, subjects
from wflow.core import workflow as wf
from wflow.core.access import Action, current_year, may
from wflow.engine import Definition, Engine, WfInstance, WorkRow
from wflow.org.models import Block, BlockMembership, Position, Unit, User
from wflow.plans.models import Plan, PlanComment, Registration
from wflow.plans.registration import deadline_for

COMMENT = "comment"  # a member unit comments on a plan under consultation
REGISTER = "register_targets"  # a member unit registers its targets against a published plan
PAGE_SIZE = 50  # rows on a page of the inbox
# A naive time from this second on is the end of a UTC day: the deadline means its date.
_UTC_END = time(23, 59, 59)


@dataclass(frozen=True)
class WorkItem:
    """One thing a person should do now, in words: what, on which subject, where, by when."""

    key: str  # unique per row: the instance, or the kind of work and its plan
    action: str  # "Ký", "Nộp báo cáo", "Góp ý kế hoạch"
    subject: str  # the subject's title in words
    endpoint: str  # the page where it is done (url_for)
    args: dict[str, Any]
    block_id: int | None
    block: str  # the block's name ("" when the work belongs to no block)
    unit: str  # the unit it is about ("" when about the whole block)
    period: str  # "2026", "2026-2030"
    due: date | None
    overdue: bool
    state: str = ""  # where the subject stands, in words
    workflow: str = ""
    instance_id: int | None = None
    triggers: tuple[str, ...] = field(default=())

    @property
    def title(self) -> str:
        """Return the row's title: the action and its subject."""
        return f"{self.action}: {self.subject}"

    @property
    def where(self) -> str:
        """Return where the work belongs: block, unit and period, in words."""
        return " · ".join(p for p in (self.block, self.unit, self.period) if p)


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


@dataclass(frozen=True)
class Page:
    """One page of a person's inbox in words, and where it lies among the others."""

    items: list[WorkItem]
    number: int  # from 1
    size: int
    total: int  # the rows of every page

    @property
    def pages(self) -> int:
        """Return how many pages the rows fill (one when there is none)."""
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        """Return the place of the page's first row among all rows (from 1; 0 when empty)."""
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def last(self) -> int:
        """Return the place of the page's last row among all rows."""
        return (self.number - 1) * self.size + len(self.items)


def is_task(defn: Definition, state: str, trigger: str) -> bool:
    """Tell whether `trigger` in `state` is work to do, not an option that stays available.

    A participant's act (or refusal, or abstention) is work. A transition is not when it loops
    on its state, asks for a reason (an exception: revoke, withdraw, return, reject), ends
    without effect (`dropped`), or only hastens what the state's deadline does anyway (closing
    a pact in force, ending a consultation early).
    """
    st = defn.states.get(state)
    if st is None:
        return False
    part = st.participation
    if part is not None and trigger in (part.act, part.refuse, part.abstain):
        return True
    moves = [t for t in defn.transitions_from(state) if t.trigger == trigger and not t.system]
    if not moves:
        return False
    move = moves[0]
    if move.dest == state or "reason" in move.require:
        return False
    if defn.has_tag(move.dest, "dropped"):
        return False
    if st.deadline is not None:
        timed = [t.dest for t in defn.transitions_from(state) if t.trigger == st.deadline.fire]
        if move.dest in timed:
            return False
    return True


def due_date(value: datetime | date | None, tz: str) -> date | None:
    """Return the local date a deadline falls on (deadlines are dates that end at midnight)."""
    if value is None or not isinstance(value, datetime):
        return value
    if value.tzinfo is None and value.time() >= _UTC_END:
        return value.date()  # stored as the end of a UTC day: it means that date
    return formats.to_local(value, tz).date()


def trigger_words(defn: Definition, trigger: str) -> str:
    """Return what a trigger does, in the current language (never its name)."""
    for t in defn.transitions:
        if t.trigger == trigger:
            return str(t.label.get(_locale()))
    words: dict[str, str] = {
        "sign": _("Sign"),
        "decline": _("Decline"),
        "agree": _("Agree"),
        "object": _("Ask for changes"),
        "register": _("Register"),
        "report": _("Report"),
        "vote_yes": _("Vote"),
        "vote_no": _("Vote"),
        "vote_abstain": _("Vote"),
    }
    return str(words.get(trigger) or _("Act"))


def _locale() -> str:
    return str(get_locale() or "vi")


def action_words(defn: Definition, state: str, triggers: Iterable[str]) -> str:
    """Return what a row asks: the participant's act, the one step, or "Act" among several.

    Two ways on (a block's vote closed as approved or as rejected) are one decision: the row
    does not presume its outcome.
    """
    mine = set(triggers)
    if not mine:
        return ""
    part = defn.states[state].participation if state in defn.states else None
    if part is not None and part.act in mine:
        return trigger_words(defn, part.act)
    steps = [t.trigger for t in defn.transitions if t.trigger in mine]
    if len(set(steps)) == 1:
        return trigger_words(defn, steps[0])
    if not steps:
        return trigger_words(defn, sorted(mine)[0])
    return str(_("Act"))


_BLOCK_NAME = sa.select(col(Block.name)).where(col(Block.id) == sa.bindparam("id"))
_UNIT_NAME = sa.select(col(Unit.name)).where(col(Unit.id) == sa.bindparam("id"))


class _Names:
    """Block and unit names, each read once (a column, not the whole row)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.blocks: dict[int, str] = {}
        self.units: dict[int, str] = {}

    def load_blocks(self, ids: Iterable[int | None]) -> None:
        """Read the names of many blocks in one query."""
        wanted = {i for i in ids if i and i not in self.blocks}
        if wanted:
            query = sa.select(col(Block.id), col(Block.name)).where(col(Block.id).in_(wanted))
            for block_id, name in self.session.connection().execute(query):
                self.blocks[block_id or 0] = name or ""

    def block(self, block_id: int | None) -> str:
        if not block_id:
            return ""
        if block_id not in self.blocks:
            got = self.session.connection().execute(_BLOCK_NAME, {"id": block_id}).scalar()
            self.blocks[block_id] = got or ""
        return self.blocks[block_id]

    def unit(self, unit_id: int | None) -> str:
        if not unit_id:
            return ""
        if unit_id not in self.units:
            got = self.session.connection().execute(_UNIT_NAME, {"id": unit_id}).scalar()
            self.units[unit_id] = got or ""
        return self.units[unit_id]


def describe(
    session: Session,
    engine: Engine,
    row: WfInstance,
    triggers: Sequence[str],
    today: date,
    names: _Names | None = None,
) -> WorkItem:
    """Describe, in words, what may be done on an instance: the one place a task gets its title."""
    names = names or _Names(session)
    defn = engine.definition(row.workflow, row.version)
    subject = subjects.subject_of(session, row)
    kind = subjects.KINDS.get(row.subject_type or "")
    if subject is not None and kind is not None:
        title = subjects.title(session, subject)
        endpoint, args = kind.link(subject)
    else:
        title = defn.label.get(_locale())
        endpoint, args = "workflows.instance", {"instance_id": row.id or 0}
    period = str(row.year or "")
    if isinstance(subject, Plan):
        period = subject.period
    due = due_date(row.due_at, installation.zone(session))
    state = defn.states[row.state].label.get(_locale()) if row.state in defn.states else ""
    action = action_words(defn, row.state, triggers)
    unit = names.unit(row.unit_id)
    return WorkItem(
        key=f"i{row.id}", action=action, subject=title, endpoint=endpoint, args=args,
        block_id=row.block_id, block=names.block(row.block_id),
        unit="" if unit and unit in title else unit, period=period if period not in title else "",
        due=due, overdue=due is not None and due < today, state=state,
        workflow=row.workflow, instance_id=row.id, triggers=tuple(triggers),
    )  # fmt: skip


def work(
    session: Session,
    engine: Engine,
    user: User,
    now: datetime | None = None,
    workflow: str | None = None,
) -> list[WorkItem]:
    """Return what `user` should do now in words, in order (only `workflow`'s when given)."""
    today = installation.local_date(session, now or utcnow())
    return _words(session, engine, entries(session, engine, user, today, workflow), today)


def page(
    session: Session,
    engine: Engine,
    user: User,
    number: int = 1,
    size: int = PAGE_SIZE,
    *,
    now: datetime | None = None,
    workflow: str | None = None,
) -> Page:
    """Return page `number` of `user`'s work, only its rows described (past the end: the last)."""
    today = installation.local_date(session, now or utcnow())
    rows = entries(session, engine, user, today, workflow)
    number = min(max(number, 1), max(1, -(-len(rows) // size)))
    start = (number - 1) * size
    return Page(_words(session, engine, rows[start : start + size], today), number, size,
                len(rows))  # fmt: skip


def entries(
    session: Session, engine: Engine, user: User, today: date, workflow: str | None = None
) -> list[Entry]:
    """Return `user`'s rows unworded: overdue first, then by due date, block and a stable key."""
    found = _instance_entries(session, engine, wf.work_rows(session, engine, user), today)
    found += [_entry(i) for i in _comment_work(session, engine, user, today)]
    found += [_entry(i) for i in _register_work(session, user, today)]
    if workflow:
        found = [e for e in found if e.workflow == workflow]
    return sorted(found, key=lambda e: e.order)


def count(session: Session, engine: Engine, user: User, now: datetime | None = None) -> int:
    """Return how many rows `user`'s inbox holds, without describing them (the layout's badge).

    The instances with work are counted in the task index by a grouped query (one row per
    workflow, state and trigger, however many tasks); the comment and registration rows,
    a person's few, are listed as `work` lists them.
    """
    today = installation.local_date(session, now or utcnow())
    instances = engine.work_count(session, wf.actor_for(session, user), is_task)
    extra = _comment_work(session, engine, user, today) + _register_work(session, user, today)
    return instances + len(extra)


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


def _preload(session: Session, rows: Sequence[WfInstance]) -> list[Any]:
    """Load the subjects and units of many instances in a query per kind (not one per row).

    Describing then finds them in the session's identity map; the caller keeps the returned
    list alive while it describes.
    """
    wanted: dict[str, set[int]] = {}
    for row in rows:
        wanted.setdefault(row.subject_type or "", set()).add(row.subject_id)
    loaded: list[Any] = []
    for name, ids in wanted.items():
        kind = subjects.KINDS.get(name)
        if kind is not None:
            model: Any = kind.model
            loaded += session.exec(select(model).where(col(model.id).in_(ids))).all()
    units = {r.unit_id for r in rows if r.unit_id} | {
        u for u in (getattr(s, "unit_id", None) for s in loaded) if isinstance(u, int)
    }
    if units:
        loaded += session.exec(select(Unit).where(col(Unit.id).in_(units))).all()
    return loaded


def _instance_entries(
    session: Session, engine: Engine, tasks: Sequence[WorkRow], today: date
) -> list[Entry]:
    """Return a row per instance where `tasks` hold work, from the task index alone."""
    work: dict[tuple[str, int, str, str], bool] = {}  # is_task, once per kind of task
    triggers: dict[int, set[str]] = {}
    first: dict[int, WorkRow] = {}
    for t in tasks:
        kind = (t.workflow, t.version, t.state, t.trigger)
        if kind not in work:
            work[kind] = is_task(engine.definition(t.workflow, t.version), t.state, t.trigger)
        if work[kind]:
            triggers.setdefault(t.instance_id, set()).add(t.trigger)
            first.setdefault(t.instance_id, t)
    names = _Names(session)
    names.load_blocks(t.block_id for t in first.values())
    zone = installation.zone(session)
    dues: dict[datetime | None, date | None] = {}  # many tasks share a deadline
    items = []
    for iid, held in triggers.items():
        t = first[iid]
        if t.due_at not in dues:
            dues[t.due_at] = due_date(t.due_at, zone)
        due = dues[t.due_at]
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


def _words(session: Session, engine: Engine, rows: Sequence[Entry], today: date) -> list[WorkItem]:
    """Put `rows` in words, in their order: their instances read in a query per kind."""
    wanted = {r.instance_id: r for r in rows if r.item is None and r.instance_id is not None}
    said: dict[int, WorkItem] = {}
    if wanted:
        query = select(WfInstance).where(col(WfInstance.id).in_(wanted))
        instances = session.exec(query).all()
        loaded = _preload(session, instances)  # kept alive while describing: the map is weak
        names = _Names(session)
        names.units.update({u.id: u.name for u in loaded if isinstance(u, Unit) and u.id})
        for row in instances:
            iid = row.id or 0
            said[iid] = describe(session, engine, row, wanted[iid].triggers, today, names)
        del loaded
    return [r.item if r.item is not None else said[r.instance_id or 0] for r in rows]


def _member_seats(session: Session, user: User) -> list[BlockMembership]:
    """Return the block seats of the unit `user` acts for (none for who cannot act for it)."""
    if user.unit_id is None or not may(session, user, Action.ACT, unit_id=user.unit_id):
        return []
    query = select(BlockMembership).where(BlockMembership.unit_id == user.unit_id)
    return list(session.exec(query).all())


def _comment_work(session: Session, engine: Engine, user: User, today: date) -> list[WorkItem]:
    """Plans under consultation in the user's blocks that the unit has not commented on yet."""
    seats = {(s.block_id, s.year): s for s in _member_seats(session, user)}
    states = engine.tagged("plan", "commentable")
    if not seats or not states:
        return []
    query = (
        select(Plan, WfInstance)
        .join(WfInstance, col(WfInstance.id) == col(Plan.instance_id))
        .where(col(WfInstance.state).in_(states), col(Plan.block_id).in_({b for b, _y in seats}))
    )
    names = _Names(session)
    items = []
    for plan, row in session.exec(query).all():
        seat = seats.get((plan.block_id, plan.year))
        if seat is None or seat.position == Position.LEADER.value:
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
            state=_state_words(engine, row), workflow="plan", instance_id=row.id,
            triggers=(COMMENT,),
        ))  # fmt: skip
    return items


def _register_work(session: Session, user: User, today: date) -> list[WorkItem]:
    """Published plans of the user's blocks this year whose targets the unit has not registered."""
    year = current_year()
    blocks = {s.block_id for s in _member_seats(session, user) if s.year == year}
    if not blocks:
        return []
    published = subjects.tagged(session, "plan", "published")
    query = (
        select(Plan)
        .join(WfInstance, col(WfInstance.id) == col(Plan.instance_id))
        .where(col(WfInstance.state).in_(published), col(Plan.block_id).in_(blocks),
               col(Plan.year) <= year, col(Plan.year_end) >= year)
    )  # fmt: skip
    names = _Names(session)
    items = []
    for plan in session.exec(query).all():
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


def _state_words(engine: Engine, row: WfInstance) -> str:
    defn = engine.definition(row.workflow, row.version)
    return defn.states[row.state].label.get(_locale()) if row.state in defn.states else ""


def in_words(
    session: OrmSession, row: WfInstance, triggers: Sequence[str] = (), engine: Engine | None = None
) -> WorkItem:
    """Describe an instance in the current language, from any session (notifications, mails).

    `engine` is the one that fired (the installation's when None).
    """
    sess = cast(Session, session)  # describe only reads rows by key: any ORM session serves
    engine = engine or installation.workflows_of(sess)
    return describe(sess, engine, row, triggers, installation.local_date(sess, utcnow()))


def export_rows(items: Sequence[WorkItem], locale: str) -> list[dict[str, Any]]:
    """Return the rows of the inbox's CSV/XLSX export."""
    return [
        {"task": i.title, "block": i.block, "unit": i.unit, "period": i.period,
         "state": i.state, "due": formats.format_date(i.due, locale) if i.due else ""}
        for i in items
    ]  # fmt: skip

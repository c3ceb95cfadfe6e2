"""A task in words: what it asks, on which subject, where and by when, in the current language.

The engine's task index says who *may* fire what; a task is what moves the work on
(`Definition.is_work`, stored with each row of the index).
Exceptional or optional steps that stay available (revoking a decided award, closing a pact in
force before its period ends, withdrawing a draft) are offered on the subject's page, never
listed as work. `describe` is the one place a task becomes words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, cast

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col

from wflow.clock import utcnow
from wflow.core import formats, installation, subjects
from wflow.engine import Definition, Engine, WfInstance
from wflow.i18n import language, state_name
from wflow.org import directory, epoch
from wflow.org.models import Block, Unit
from wflow.plans.models import Plan

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
            return str(t.label.get(language()))
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


_NAMES = "block names"  # their kind among what is kept per process under the access epoch


class Names:
    """Block and unit names, each read once (a column, not the whole row)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.blocks: dict[int, str] = {}
        self.units: dict[int, str] = {}

    def load_blocks(self, ids: Iterable[int | None]) -> None:
        """Read the names of many blocks in one query; kept per process under the access
        epoch (a block renamed raises it: `wflow.org.epoch`), so a page seen again reads
        none."""
        wanted = {i for i in ids if i and i not in self.blocks}
        if not wanted:
            return
        known = epoch.kept(self.session, _NAMES, frozenset(wanted), lambda: self._read(wanted))
        self.blocks.update(known)

    def _read(self, ids: set[int]) -> dict[int, str]:
        query = sa.select(col(Block.id), col(Block.name)).where(col(Block.id).in_(ids))
        return {bid or 0: name or "" for bid, name in self.session.connection().execute(query)}

    def preload(self, rows: Sequence[Any]) -> list[Any]:
        """Load the subjects and units of instance `rows` (`subjects.preload`) and the names of
        their blocks and units; return what was loaded, for the caller to keep alive while it
        describes them (the session's identity map holds its objects weakly)."""
        loaded = subjects.preload(self.session, rows)
        self.load_blocks(r.block_id for r in rows)
        self.units.update({u.id: u.name for u in loaded if isinstance(u, Unit) and u.id})
        return loaded

    def block(self, block_id: int | None) -> str:
        """Return a block's name ("" for none)."""
        if not block_id:
            return ""
        if block_id not in self.blocks:
            label = directory.block_label(self.session, block_id)
            self.blocks[block_id] = label.name if label is not None else ""
        return self.blocks[block_id]

    def unit(self, unit_id: int | None) -> str:
        """Return a unit's name ("" for none)."""
        if not unit_id:
            return ""
        if unit_id not in self.units:
            self.units[unit_id] = directory.unit_name(self.session, unit_id) or ""
        return self.units[unit_id]


def all_in_words(session: OrmSession, rows: Sequence[WfInstance]) -> dict[int, WorkItem]:
    """Describe many instances as `in_words` does, by id: their subjects, units and block names
    read at once (`Names.preload`), not a few statements per row."""
    names = Names(cast(Session, session))
    loaded = names.preload(rows)  # kept alive while described
    said = {r.id or 0: in_words(session, r, names=names) for r in rows}
    del loaded
    return said


def describe(
    session: Session,
    engine: Engine,
    row: WfInstance,
    triggers: Sequence[str],
    today: date,
    names: Names | None = None,
) -> WorkItem:
    """Describe, in words, what may be done on an instance: the one place a task gets its title."""
    names = names or Names(session)
    defn = engine.definition(row.workflow, row.version)
    subject = subjects.subject_of(session, row)
    kind = subjects.KINDS.get(row.subject_type or "")
    if subject is not None and kind is not None:
        title = subjects.title(session, subject)
        endpoint, args = kind.link(subject)
    else:
        title = defn.label.get(language())
        endpoint, args = "workflows.instance", {"instance_id": row.id or 0}
    period = str(row.year or "")
    if isinstance(subject, Plan):
        period = subject.period
    due = due_date(row.due_at, installation.zone(session))
    state = state_name(defn, row.state)
    action = action_words(defn, row.state, triggers)
    unit = names.unit(row.unit_id)
    return WorkItem(
        key=f"i{row.id}", action=action, subject=title, endpoint=endpoint, args=args,
        block_id=row.block_id, block=names.block(row.block_id),
        unit="" if unit and unit in title else unit, period=period if period not in title else "",
        due=due, overdue=due is not None and due < today, state=state,
        workflow=row.workflow, instance_id=row.id, triggers=tuple(triggers),
    )  # fmt: skip


def in_words(
    session: OrmSession,
    row: WfInstance,
    triggers: Sequence[str] = (),
    engine: Engine | None = None,
    names: Names | None = None,
) -> WorkItem:
    """Describe an instance in the current language, from any session (notifications, mails).

    `engine` is the one that fired (the installation's when None); `names`, block and unit
    names read beforehand for many instances.
    """
    sess = cast(Session, session)  # describe only reads rows by key: any ORM session serves
    engine = engine or installation.workflows_of(sess)
    return describe(sess, engine, row, triggers, installation.local_date(sess, utcnow()), names)

"""The task index (`wf_task`): who may fire what now, and the inbox query over it."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from wflow.engine.compiled import Compiled, participation_triggers
from wflow.engine.fastsql import Db
from wflow.engine.participation import Seat, open_seats
from wflow.engine.registry import Actor, Scope
from wflow.engine.statements import (
    DELETE_TASK,
    INSERT_TASK,
    INST,
    REPLACE_TASK,
    SELECT_TASKS,
    TASK,
    UPDATE_TASK,
)


@dataclass(frozen=True, slots=True)
class Task:
    """Something an actor may do now on one instance."""

    instance_id: int
    workflow: str
    state: str
    trigger: str
    due_at: datetime | None
    subject_type: str
    subject_id: int
    block_id: int | None
    unit_id: int | None
    year: int | None


def task_rows(
    comp: Compiled,
    state: str,
    scope: Scope,
    instance_id: int,
    due_at: datetime | None,
    seats: Sequence[Seat] = (),
) -> list[dict[str, Any]]:
    """Return the wf_task rows of an instance in `state`: role holders and open participants."""
    keys = [(plan.transition.trigger, principal) for plan in comp.user_plans[state]
            for principal in sorted(plan.principals(scope))]  # fmt: skip
    part = comp.participation.get(state)
    if part is not None:
        keys += [(trigger, seat.principal) for seat in open_seats(part, seats)
                 for trigger in participation_triggers(part)]  # fmt: skip
    work = comp.work
    return [
        {"instance_id": instance_id, "trigger": trigger, "principal": principal, "due_at": due_at,
         "work": work[(state, trigger)], "announced": not work[(state, trigger)],
         "block_id": scope.block_id}
        for trigger, principal in dict.fromkeys(keys)  # each (trigger, principal) once, in order
    ]  # fmt: skip


TaskKey = tuple[str, str]  # (trigger, principal): one row of wf_task for an instance


@dataclass(slots=True)
class TaskChanges:
    """How one fire changed an instance's task rows: keys that appeared and that went."""

    added: set[TaskKey] = field(default_factory=set)
    gone: set[TaskKey] = field(default_factory=set)

    def note(self, added: set[TaskKey], removed: set[TaskKey]) -> None:
        """Fold in one rewrite (a key removed then added back within a fire is not new)."""
        for key in removed:
            if key in self.added:
                self.added.discard(key)
            else:
                self.gone.add(key)
        for key in added:
            if key in self.gone:
                self.gone.discard(key)
            else:
                self.added.add(key)


Held = Mapping[TaskKey, tuple[datetime | None, bool | None]]  # a task row's due_at and work


def tasks_of(db: Db, row: Any) -> Held:
    """Return the task rows of an instance read by `SELECT_INSTANCE_FOR_FIRE` (`row`).

    They came with the row, unless the read waited for another fire's lock: then they are
    from before that fire, and read again.
    """
    if row.seen_version != row.lock_version:
        found = SELECT_TASKS.all(db, {"instance_id": row.id})
        return {(t, p): (due, work) for t, p, due, work in found}
    return {
        (t, p): (None if due is None else _timestamp(due), None if work is None else bool(work))
        for t, p, due, work in row.tasks or ()
    }


def _timestamp(text: str) -> datetime:
    """Return a naive timestamp as JSON carries it (PostgreSQL's ISO text, SQLite's own)."""
    return datetime.fromisoformat(text)


@dataclass(slots=True)
class TaskWrite:
    """The statements that make an instance's task rows what they must be (`plan_tasks`)."""

    turned: list[dict[str, Any]]  # REPLACE_TASK: a row that went turned into one that came
    dropped: list[dict[str, Any]]  # DELETE_TASK
    added: list[dict[str, Any]]  # INSERT_TASK
    updated: list[dict[str, Any]]  # UPDATE_TASK: due date moved, or (no longer) work
    done: bool = False  # written already (with the instance's move: `single`)

    def single(self) -> tuple[str, dict[str, Any]] | None:
        """Return ("turn" or "drop", its parameters prefixed `t_`) when the write is one row
        turned or dropped, else None."""
        if self.added or self.updated or len(self.turned) + len(self.dropped) != 1:
            return None
        kind, params = ("turn", self.turned[0]) if self.turned else ("drop", self.dropped[0])
        return kind, {f"t_{k}": v for k, v in params.items()}


def plan_tasks(
    instance_id: int, rows: list[dict[str, Any]], have: Held, changes: TaskChanges
) -> TaskWrite:
    """Return how to make the instance's task rows `rows` from `have`, changing in place
    only what differs; note what appeared and went in `changes`.

    Rows that stay are left alone (updated if their due date moved or they became, or
    stopped being, work; their `announced` kept); `have` is empty when the instance just
    started. Rows of work that appear are unannounced.
    """
    wanted = {(r["trigger"], r["principal"]): r for r in rows}
    removed = [k for k in have if k not in wanted]
    added = [r for k, r in wanted.items() if k not in have]
    moved = [r for k, r in wanted.items() if k in have and have[k] != (r["due_at"], r["work"])]
    changes.note({(r["trigger"], r["principal"]) for r in added}, set(removed))
    # a row that went becomes one that came (one UPDATE instead of a DELETE and an INSERT)
    turned = min(len(removed), len(added))
    return TaskWrite(
        turned=[{"b_instance_id": instance_id, "b_trigger": t, "b_principal": p, **new}
                for (t, p), new in zip(removed[:turned], added[:turned], strict=True)],
        dropped=[{"b_instance_id": instance_id, "b_trigger": t, "b_principal": p}
                 for t, p in removed[turned:]],
        added=added[turned:],
        updated=[{"b_instance_id": instance_id, "b_trigger": r["trigger"],
                  "b_principal": r["principal"], "due_at": r["due_at"], "work": r["work"]}
                 for r in moved],
    )  # fmt: skip


def apply_tasks(db: Db, write: TaskWrite) -> None:
    """Run a planned task write (nothing when it was written with the instance's move)."""
    if write.done:
        return
    if write.turned:
        REPLACE_TASK.many(db, write.turned)
    if write.dropped:
        DELETE_TASK.many(db, write.dropped)
    if write.added:
        INSERT_TASK.many(db, write.added)
    if write.updated:
        UPDATE_TASK.many(db, write.updated)
    write.done = True


def write_tasks(
    db: Db, instance_id: int, rows: list[dict[str, Any]], have: Held, changes: TaskChanges
) -> None:
    """Make the instance's task rows `rows` from `have` (`plan_tasks`, then `apply_tasks`)."""
    apply_tasks(db, plan_tasks(instance_id, rows, have, changes))


_TASK_COLUMNS = (
    TASK.c.instance_id, INST.c.workflow, INST.c.state, TASK.c.trigger, TASK.c.due_at,
    INST.c.subject_type, INST.c.subject_id, INST.c.block_id, INST.c.unit_id, INST.c.year,
)  # fmt: skip
_PRINCIPALS: sa.BindParameter[Any] = sa.bindparam("principals", expanding=True)
_MINE = sa.select(*_TASK_COLUMNS).distinct().join_from(TASK, INST, TASK.c.instance_id == INST.c.id)
INBOX = _MINE.where(TASK.c.principal.in_(_PRINCIPALS)).order_by(
    TASK.c.due_at.asc().nulls_last(), TASK.c.instance_id, TASK.c.trigger
)
# what the inbox sorts and pages on, a row per task of work and principal: no DISTINCT, no
# ORDER BY
WORK_ROWS = (
    sa.select(TASK.c.instance_id, INST.c.workflow, INST.c.version, INST.c.state, TASK.c.trigger,
              TASK.c.due_at, INST.c.block_id)
    .join_from(TASK, INST, TASK.c.instance_id == INST.c.id)
    .where(TASK.c.principal.in_(_PRINCIPALS), TASK.c.work == sa.true())
)  # fmt: skip
INBOX_COUNT = sa.select(sa.func.count()).select_from(
    sa.select(TASK.c.instance_id, TASK.c.trigger)
    .distinct()
    .where(TASK.c.principal.in_(_PRINCIPALS))
    .subquery()
)
WORK_CAP = 100  # a count of work stops here (a menu shows "99+"): its cost is bounded
# the instances where an actor holds work, counted up to WORK_CAP: the scan stops at the cap
# however many tasks the actor holds (a count of them all read 48,000 rows, sequentially)
WORK_COUNT = sa.select(sa.func.count()).select_from(
    sa.select(TASK.c.instance_id)
    .distinct()
    .where(TASK.c.principal.in_(_PRINCIPALS), TASK.c.work == sa.true())
    .limit(sa.literal_column(str(WORK_CAP)))  # numbers written in the statement, not bound
    .offset(sa.literal_column("0"))  # (SQLite's dialect binds an OFFSET 0 otherwise)
    .subquery()
)


def work_count(session: Session, actor: Actor) -> int:
    """Count the instances where `actor` holds work (`Definition.is_work`), up to WORK_CAP."""
    if not actor.principals:
        return 0
    got = session.connection().execute(WORK_COUNT, {"principals": sorted(actor.principals)})
    return int(got.scalar_one())


# rows written before `wf_task.work` existed, by kind (a handful of rows, read at start-up)
_UNCLASSIFIED = (
    sa.select(INST.c.workflow, INST.c.version, INST.c.state, TASK.c.trigger)
    .distinct()
    .join_from(TASK, INST, TASK.c.instance_id == INST.c.id)
    .where(TASK.c.work.is_(None))
)  # fmt: skip


def classify(session: Session, is_work: Callable[[str, int, str, str], bool]) -> int:
    """Set `work` on task rows that have none, by `is_work(workflow, version, state,
    trigger)`; return how many kinds of rows were classified."""
    conn = session.connection()
    kinds = conn.execute(_UNCLASSIFIED).all()
    for workflow, version, state, trigger in kinds:
        of_kind = sa.select(INST.c.id).where(
            INST.c.workflow == workflow, INST.c.version == version, INST.c.state == state
        )
        conn.execute(
            sa.update(TASK)
            .where(TASK.c.work.is_(None), TASK.c.trigger == trigger,
                   TASK.c.instance_id.in_(of_kind))
            .values(work=is_work(workflow, version, state, trigger))
        )  # fmt: skip
    return len(kinds)


# the instances with news, oldest first (the partial index ix_wf_task_news), claimed whole
_NEWS_OF = (
    sa.select(TASK.c.instance_id)
    .where(TASK.c.announced == sa.false())
    .distinct()
    .order_by(TASK.c.instance_id)
    .limit(sa.bindparam("limit"))
)
CLAIM_NEWS = (
    sa.update(TASK)
    .where(TASK.c.announced == sa.false(), TASK.c.instance_id.in_(_NEWS_OF))
    .values(announced=True)
    .returning(TASK.c.instance_id, TASK.c.trigger, TASK.c.principal, TASK.c.work)
)
# PostgreSQL: another claimer may take some of the instances chosen, so the claim also says
# how many there were to choose (one CTE read twice). SQLite has one writer, and its driver
# would not open the transaction before a statement that starts with WITH.
_CHOSEN = _NEWS_OF.cte("news_of")
CLAIM_NEWS_COUNTED = (
    sa.update(TASK)
    .where(TASK.c.announced == sa.false(),
           TASK.c.instance_id.in_(sa.select(_CHOSEN.c.instance_id)))
    .values(announced=True)
    .returning(TASK.c.instance_id, TASK.c.trigger, TASK.c.principal, TASK.c.work,
               sa.select(sa.func.count()).select_from(_CHOSEN).scalar_subquery())
)  # fmt: skip


class News(NamedTuple):
    """A task row that appeared and nobody was told of yet."""

    instance_id: int
    trigger: str
    principal: str
    work: bool


class Claim(NamedTuple):
    """The news one claim took, and whether more may be waiting behind it."""

    news: list[News]
    more: bool


def claim_news(session: Session, limit: int) -> Claim:
    """Mark announced the unannounced rows of at most `limit` instances and return them.

    One UPDATE ... RETURNING: two claimers at once never get the same row (PostgreSQL
    re-checks `announced` on the row it waited for; SQLite has one writer). `more` is False
    when fewer than `limit` instances had news: what another claimer took of those is its to
    tell, and news that comes later is drained after its own commit.
    """
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        rows = conn.execute(CLAIM_NEWS_COUNTED, {"limit": limit}).all()
        return Claim([News._make(r[:4]) for r in rows], bool(rows) and rows[0][4] >= limit)
    news = [News._make(r) for r in conn.execute(CLAIM_NEWS, {"limit": limit})]
    return Claim(news, len({n.instance_id for n in news}) >= limit)


def inbox(session: Session, actor: Actor) -> list[Task]:
    """Return what `actor` may do now across all workflows (one query over the task index)."""
    if not actor.principals:
        return []
    rows = session.connection().execute(INBOX, {"principals": sorted(actor.principals)})
    return [Task(*r) for r in rows]  # type: ignore[call-arg]


class WorkRow(NamedTuple):
    """A task in the fewest columns: what a long inbox is sorted and paged on."""

    instance_id: int
    workflow: str
    version: int
    state: str
    trigger: str
    due_at: datetime | None
    block_id: int | None


_OF_WORKFLOW = INST.c.workflow == sa.bindparam("workflow")
_BLOCKS: sa.BindParameter[Any] = sa.bindparam("blocks", expanding=True)
_IN_BLOCKS_OR_NONE = sa.or_(INST.c.block_id.in_(_BLOCKS), INST.c.block_id.is_(None))
# The tasks on the instances of some blocks, found from the blocks: their instances by the
# index on block_id, then each one's tasks of the principals by the task index. Written on
# the instance's own columns alone (`INST.block_id IN …`), SQLite read every task of the
# principals first (a secretariat's 4,800, 2 ms) and kept those of the blocks; written on the
# task's alone (`instance_id IN (the blocks' instances)`), PostgreSQL read every instance to
# join the task rows to theirs (1.3 ms). Both conditions: each reads the blocks' few.
_OF_BLOCK = INST.alias("of_block")
_IN_BLOCKS = sa.and_(
    TASK.c.instance_id.in_(sa.select(_OF_BLOCK.c.id).where(_OF_BLOCK.c.block_id.in_(_BLOCKS))),
    INST.c.block_id.in_(_BLOCKS),
)


def work_rows(
    session: Session,
    actor: Actor,
    *,
    workflow: str | None = None,
    blocks: Collection[int | None] | None = None,
) -> list[WorkRow]:
    """Return the tasks of work of `actor`, unordered; one held through two principals comes
    twice. Only `workflow`'s, and only of `blocks` (None among them: of no block), if given."""
    if not actor.principals:
        return []
    query = WORK_ROWS
    binds: dict[str, Any] = {"principals": sorted(actor.principals)}
    if workflow is not None:
        query, binds["workflow"] = query.where(_OF_WORKFLOW), workflow
    if blocks is not None:
        query = query.where(_IN_BLOCKS_OR_NONE if None in blocks else _IN_BLOCKS)
        binds["blocks"] = sorted(b for b in blocks if b is not None)
    return [WorkRow._make(r) for r in session.connection().execute(query, binds)]


class WorkGroup(NamedTuple):
    """The instances where an actor holds work that share a deadline and a block."""

    due_at: datetime | None  # the earliest deadline of the actor's tasks on each instance
    block_id: int | None
    instances: int


# an instance's row of work: the earliest deadline of the actor's tasks on it, and its block
# (one: grouped by the instance alone, the index's order, SQLite sorts nothing); read from
# the task index alone, no instance
_PER_INSTANCE = (
    sa.select(TASK.c.instance_id, sa.func.min(TASK.c.due_at).label("due_at"),
              sa.func.min(TASK.c.block_id).label("block_id"))
    .where(TASK.c.principal.in_(_PRINCIPALS), TASK.c.work == sa.true())
    .group_by(TASK.c.instance_id)
)  # fmt: skip


def _grouped(per_instance: sa.Select[Any]) -> sa.Select[Any]:
    rows = per_instance.subquery()
    return sa.select(rows.c.due_at, rows.c.block_id, sa.func.count()).group_by(
        rows.c.due_at, rows.c.block_id
    )


WORK_GROUPS = _grouped(_PER_INSTANCE)
# of one workflow: the instances joined for it (the task index has no workflow)
WORK_GROUPS_OF = _grouped(
    _PER_INSTANCE.join_from(TASK, INST, TASK.c.instance_id == INST.c.id).where(_OF_WORKFLOW)
)


def work_groups(session: Session, actor: Actor, workflow: str | None = None) -> list[WorkGroup]:
    """Return the instances where `actor` holds work (`workflow`'s only, if given), counted
    per earliest deadline and block: a few hundred rows for thousands of tasks."""
    if not actor.principals:
        return []
    binds: dict[str, Any] = {"principals": sorted(actor.principals)}
    query = WORK_GROUPS
    if workflow is not None:
        query, binds["workflow"] = WORK_GROUPS_OF, workflow
    return [WorkGroup._make(r) for r in session.connection().execute(query, binds)]


def inbox_count(session: Session, actor: Actor) -> int:
    """Return how many tasks `actor` has now."""
    if not actor.principals:
        return 0
    got = session.connection().execute(INBOX_COUNT, {"principals": sorted(actor.principals)})
    return int(got.scalar_one())

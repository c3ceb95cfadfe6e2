"""The task index (`wf_task`): who may fire what now, and the inbox query over it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    SELECT_TASKS,
    TASK,
    UPDATE_TASK_DUE,
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
    rows: list[dict[str, Any]] = []
    for plan in comp.user_plans[state]:
        trigger = plan.transition.trigger
        for principal in sorted(plan.principals(scope)):
            rows.append(
                {"instance_id": instance_id, "trigger": trigger, "principal": principal,
                 "due_at": due_at}
            )  # fmt: skip
    part = comp.participation.get(state)
    if part is not None:
        for seat in open_seats(part, seats):
            for trigger in participation_triggers(part):
                rows.append(
                    {"instance_id": instance_id, "trigger": trigger,
                     "principal": seat.principal, "due_at": due_at}
                )  # fmt: skip
    return list({(r["trigger"], r["principal"]): r for r in rows}.values())


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


def write_tasks(
    db: Db, instance_id: int, rows: list[dict[str, Any]], clear: bool, changes: TaskChanges
) -> None:
    """Make the instance's task rows `rows`, changing in place only what differs.

    Rows that stay are left alone (their due date updated if it moved); with `clear` False
    the instance has no rows yet (it just started) and `rows` are inserted.
    """
    wanted = {(r["trigger"], r["principal"]): r for r in rows}
    have: dict[TaskKey, Any] = {}
    if clear:
        have = {(t, p): due for t, p, due in SELECT_TASKS.all(db, {"instance_id": instance_id})}
    removed = [k for k in have if k not in wanted]
    added = [r for k, r in wanted.items() if k not in have]
    moved = [r for k, r in wanted.items() if k in have and have[k] != r["due_at"]]
    if removed:
        DELETE_TASK.many(db, [{"b_instance_id": instance_id, "b_trigger": t, "b_principal": p}
                              for t, p in removed])  # fmt: skip
    if added:
        INSERT_TASK.many(db, added)
    if moved:
        UPDATE_TASK_DUE.many(db, [{"b_instance_id": instance_id, "b_trigger": r["trigger"],
                                   "b_principal": r["principal"], "due_at": r["due_at"]}
                                  for r in moved])  # fmt: skip
    changes.note({(r["trigger"], r["principal"]) for r in added}, set(removed))


_TASK_COLUMNS = (
    TASK.c.instance_id, INST.c.workflow, INST.c.state, TASK.c.trigger, TASK.c.due_at,
    INST.c.subject_type, INST.c.subject_id, INST.c.block_id, INST.c.unit_id, INST.c.year,
)  # fmt: skip
_PRINCIPALS: sa.BindParameter[Any] = sa.bindparam("principals", expanding=True)
_MINE = sa.select(*_TASK_COLUMNS).distinct().join_from(TASK, INST, TASK.c.instance_id == INST.c.id)
INBOX = _MINE.where(TASK.c.principal.in_(_PRINCIPALS)).order_by(
    TASK.c.due_at.asc().nulls_last(), TASK.c.instance_id, TASK.c.trigger
)
# what the inbox sorts and pages on, a row per task and principal: no DISTINCT, no ORDER BY
WORK_ROWS = (
    sa.select(TASK.c.instance_id, INST.c.workflow, INST.c.version, INST.c.state, TASK.c.trigger,
              TASK.c.due_at, INST.c.block_id)
    .join_from(TASK, INST, TASK.c.instance_id == INST.c.id)
    .where(TASK.c.principal.in_(_PRINCIPALS))
)  # fmt: skip
INBOX_COUNT = sa.select(sa.func.count()).select_from(
    sa.select(TASK.c.instance_id, TASK.c.trigger)
    .distinct()
    .where(TASK.c.principal.in_(_PRINCIPALS))
    .subquery()
)
# what an actor may do, counted per (workflow, version, state, trigger): a handful of rows
_GROUP = (INST.c.workflow, INST.c.version, INST.c.state, TASK.c.trigger)
INBOX_GROUPS = (
    sa.select(*_GROUP, sa.func.count(sa.distinct(TASK.c.instance_id)))
    .join_from(TASK, INST, TASK.c.instance_id == INST.c.id)
    .where(TASK.c.principal.in_(_PRINCIPALS))
    .group_by(*_GROUP)
)
# the same for one principal: a (trigger, principal) comes once per instance (the key of
# wf_task), so rows are counted without sorting them for DISTINCT (the secretariat's thousands)
INBOX_GROUPS_ONE = (
    sa.select(*_GROUP, sa.func.count())
    .join_from(TASK, INST, TASK.c.instance_id == INST.c.id)
    .where(TASK.c.principal == sa.bindparam("principal"))
    .group_by(*_GROUP)
)
# instances of one state where the actor holds any of several triggers (each counted once)
INBOX_STATE_COUNT = (
    sa.select(sa.func.count(sa.distinct(TASK.c.instance_id)))
    .join_from(TASK, INST, TASK.c.instance_id == INST.c.id)
    .where(
        TASK.c.principal.in_(_PRINCIPALS),
        INST.c.workflow == sa.bindparam("workflow"),
        INST.c.version == sa.bindparam("version"),
        INST.c.state == sa.bindparam("state"),
        TASK.c.trigger.in_(sa.bindparam("triggers", expanding=True)),
    )
)


def work_count(
    session: Session, actor: Actor, is_work: Callable[[str, int, str, str], bool]
) -> int:
    """Count the instances where `actor` holds a trigger `is_work(workflow, version, state,
    trigger)` accepts: one grouped query over the task index, and one more per state where
    several triggers are work (an instance is counted once)."""
    if not actor.principals:
        return 0
    who = sorted(actor.principals)
    conn = session.connection()
    states: dict[tuple[str, int, str], list[tuple[str, int]]] = {}
    groups = (
        conn.execute(INBOX_GROUPS_ONE, {"principal": who[0]})
        if len(who) == 1
        else conn.execute(INBOX_GROUPS, {"principals": who})
    )
    for workflow, version, state, trigger, n in groups:
        if is_work(workflow, version, state, trigger):
            states.setdefault((workflow, version, state), []).append((trigger, n))
    total = 0
    for (workflow, version, state), held in states.items():
        if len(held) == 1:
            total += held[0][1]
            continue
        params = {"principals": who, "workflow": workflow, "version": version,
                  "state": state, "triggers": [t for t, _n in held]}  # fmt: skip
        total += int(conn.execute(INBOX_STATE_COUNT, params).scalar_one())
    return total


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


def work_rows(session: Session, actor: Actor) -> list[WorkRow]:
    """Return the tasks of `actor`, unordered; a task held through two principals comes twice."""
    if not actor.principals:
        return []
    rows = session.connection().execute(WORK_ROWS, {"principals": sorted(actor.principals)})
    return [WorkRow._make(r) for r in rows]


def inbox_count(session: Session, actor: Actor) -> int:
    """Return how many tasks `actor` has now."""
    if not actor.principals:
        return 0
    got = session.connection().execute(INBOX_COUNT, {"principals": sorted(actor.principals)})
    return int(got.scalar_one())

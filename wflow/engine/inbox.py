"""The task index (`wf_task`): who may fire what now, and the inbox query over it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from wflow.engine.compiled import Compiled, participation_triggers
from wflow.engine.fastsql import Db
from wflow.engine.participation import Seat, open_seats
from wflow.engine.registry import Actor, Scope
from wflow.engine.statements import DELETE_TASKS, INSERT_TASK, INST, TASK


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


def write_tasks(db: Db, instance_id: int, rows: list[dict[str, Any]], clear: bool) -> None:
    """Replace the instance's task rows (DELETE by instance, then one executemany INSERT)."""
    if clear:
        DELETE_TASKS.run(db, {"instance_id": instance_id})
    if rows:
        INSERT_TASK.many(db, rows)


_TASK_COLUMNS = (
    TASK.c.instance_id, INST.c.workflow, INST.c.state, TASK.c.trigger, TASK.c.due_at,
    INST.c.subject_type, INST.c.subject_id, INST.c.block_id, INST.c.unit_id, INST.c.year,
)  # fmt: skip
_PRINCIPALS: sa.BindParameter[Any] = sa.bindparam("principals", expanding=True)
_MINE = sa.select(*_TASK_COLUMNS).distinct().join_from(TASK, INST, TASK.c.instance_id == INST.c.id)
INBOX = _MINE.where(TASK.c.principal.in_(_PRINCIPALS)).order_by(
    TASK.c.due_at.asc().nulls_last(), TASK.c.instance_id, TASK.c.trigger
)
INBOX_COUNT = sa.select(sa.func.count()).select_from(
    sa.select(TASK.c.instance_id, TASK.c.trigger)
    .distinct()
    .where(TASK.c.principal.in_(_PRINCIPALS))
    .subquery()
)


def inbox(session: Session, actor: Actor) -> list[Task]:
    """Return what `actor` may do now across all workflows (one query over the task index)."""
    if not actor.principals:
        return []
    rows = session.connection().execute(INBOX, {"principals": sorted(actor.principals)})
    return [Task(*r) for r in rows]  # type: ignore[call-arg]


def inbox_count(session: Session, actor: Actor) -> int:
    """Return how many tasks `actor` has now."""
    if not actor.principals:
        return 0
    got = session.connection().execute(INBOX_COUNT, {"principals": sorted(actor.principals)})
    return int(got.scalar_one())

"""SQLAlchemy Core statements of the firing path, built once with bind parameters.

Building a statement costs more than SQLite executing it, so every statement the engine
runs per fire is constructed here at import time, compiled once per dialect by `Prepared`
and only executed with parameters.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from wflow.engine.fastsql import Prepared
from wflow.engine.tables import WfBallot, WfEvent, WfInstance, WfParticipant, WfTask, WfTimer

INST: sa.Table = WfInstance.__table__  # type: ignore[attr-defined]
EVT: sa.Table = WfEvent.__table__  # type: ignore[attr-defined]
PART: sa.Table = WfParticipant.__table__  # type: ignore[attr-defined]
TMR: sa.Table = WfTimer.__table__  # type: ignore[attr-defined]
TASK: sa.Table = WfTask.__table__  # type: ignore[attr-defined]
BALLOT: sa.Table = WfBallot.__table__  # type: ignore[attr-defined]

_b = sa.bindparam


def _insert(table: sa.Table, *, returning: bool = False) -> Prepared:
    """Return an INSERT of every column but the id, each as a bind parameter of its name.

    With `returning`, `Prepared.insert` gives the new id (RETURNING, or SQLite's lastrowid).
    """
    stmt = sa.insert(table).values({c.name: _b(c.name) for c in table.c if c.name != "id"})
    return Prepared(stmt, stmt.returning(table.c["id"]) if returning else None)


INSTANCE_COLUMNS = tuple(
    INST.c[name]
    for name in (
        "id", "workflow", "version", "state", "lock_version", "entry", "last_seq", "last_hash",
        "subject_type", "subject_id", "unit_id", "block_id", "year", "council_id", "data",
        "due_at",
    )
)  # fmt: skip

_SELECT_INSTANCE = sa.select(*INSTANCE_COLUMNS).where(INST.c.id == _b("id"))
SELECT_INSTANCE = Prepared(_SELECT_INSTANCE)


class _RowArray(FunctionElement[Any]):
    """JSON array of one JSON array per row of its arguments (an aggregate)."""

    type = sa.JSON()
    inherit_cache = True
    name = "row_array"


@compiles(_RowArray, "postgresql")
def _row_array_pg(element: _RowArray, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_agg(json_build_array({compiler.process(element.clauses, **kw)}))"


@compiles(_RowArray)
def _row_array(element: _RowArray, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


_SEEN = INST.alias("seen")
# The instance row, locked on PostgreSQL so concurrent fires on one instance queue up
# (SQLite ignores FOR UPDATE: its writers are serialized and the UPDATE's version check
# catches a concurrent change), with its task rows ([trigger, principal, due_at, work] each)
# read by the same statement. They are as of the statement's start: when it waited for the
# lock, `seen_version` (the version as of its start) differs from `lock_version` and the
# task rows must be read again (see `tasks_of`).
SELECT_INSTANCE_FOR_FIRE = Prepared(
    sa.select(
        *INSTANCE_COLUMNS,
        sa.select(_RowArray(TASK.c.trigger, TASK.c.principal, TASK.c.due_at, TASK.c.work))
        .where(TASK.c.instance_id == INST.c.id)
        .scalar_subquery()
        .label("tasks"),
        sa.select(_SEEN.c.lock_version)
        .where(_SEEN.c.id == _b("id"))
        .scalar_subquery()
        .label("seen_version"),
    )
    .where(INST.c.id == _b("id"))
    .with_for_update(of=INST)
)
INSERT_INSTANCE = _insert(INST, returning=True)
# instances as they stand, each with the user whose event is the last of its chain
SELECT_HEADS = (
    sa.select(*INSTANCE_COLUMNS, EVT.c.actor_user_id)
    .outerjoin(EVT, (EVT.c.instance_id == INST.c.id) & (EVT.c.seq == INST.c.last_seq))
    .where(INST.c.id.in_(sa.bindparam("ids", expanding=True)))
)

_WHERE_CURRENT = (
    (INST.c.id == _b("b_id"))
    & (INST.c.lock_version == _b("b_lock"))
    & (INST.c.last_seq == _b("b_seq"))
)
_SET: dict[str, Any] = {
    name: _b(name)
    for name in ("state", "lock_version", "entry", "last_seq", "last_hash", "due_at", "updated_at")
}
UPDATE_INSTANCE = Prepared(sa.update(INST).where(_WHERE_CURRENT).values(**_SET))
UPDATE_INSTANCE_DATA = Prepared(
    sa.update(INST).where(_WHERE_CURRENT).values(**_SET, data=_b("data"))
)


def _advance(update: sa.Update, task: str | None = None) -> Prepared:
    """Return one statement that moves the instance (`update`, its version checked) and
    appends the event, on PostgreSQL; it returns the event's id, no row when the version
    check failed. The event's columns are bind parameters named `e_<column>`.

    With `task`, it also turns one task row of the instance into another ("turn", as
    REPLACE_TASK) or drops one ("drop", as DELETE_TASK), parameters prefixed `t_`.
    """
    moved = update.returning(INST.c.id).cte("moved")
    columns = [c for c in EVT.c if c.name not in {"id", "instance_id"}]
    values = [_b(f"e_{c.name}", type_=c.type) for c in columns]
    stmt = (
        sa.insert(EVT)
        .from_select(["instance_id", *(c.name for c in columns)], sa.select(moved.c.id, *values))
        .returning(EVT.c.id)
    )
    if task is not None:
        this = (
            TASK.c.instance_id.in_(sa.select(moved.c.id))
            & (TASK.c.trigger == _b("t_b_trigger"))
            & (TASK.c.principal == _b("t_b_principal"))
        )
        change: sa.Update | sa.Delete = (
            sa.update(TASK).where(this).values(
                {c.name: _b(f"t_{c.name}", type_=c.type) for c in TASK.c
                 if c.name != "instance_id"})
            if task == "turn" else sa.delete(TASK).where(this)
        )  # fmt: skip
        stmt = stmt.add_cte(change.cte("task"))
    return Prepared(stmt)


# by whether the instance's data changes, and the task row change that rides along
ADVANCE = {
    (data, task): _advance(UPDATE_INSTANCE_DATA.stmt if data else UPDATE_INSTANCE.stmt, task)
    for data in (False, True)
    for task in (None, "turn", "drop")
}
# a reminder extends the chain without changing state or version
UPDATE_CHAIN_HEAD = Prepared(
    sa.update(INST)
    .where((INST.c.id == _b("b_id")) & (INST.c.last_seq == _b("b_seq")))
    .values(last_seq=_b("last_seq"), last_hash=_b("last_hash"))
)

INSERT_EVENT = _insert(EVT, returning=True)

_THIS_TASK = (
    (TASK.c.instance_id == _b("b_instance_id"))
    & (TASK.c.trigger == _b("b_trigger"))
    & (TASK.c.principal == _b("b_principal"))
)
SELECT_TASKS = Prepared(
    sa.select(TASK.c.trigger, TASK.c.principal, TASK.c.due_at, TASK.c.work).where(
        TASK.c.instance_id == _b("instance_id")
    )
)
DELETE_TASK = Prepared(sa.delete(TASK).where(_THIS_TASK))
# a row that stays: its due date moved, or it is (no longer) work in the new state
UPDATE_TASK = Prepared(
    sa.update(TASK).where(_THIS_TASK).values(due_at=_b("due_at"), work=_b("work"))
)
INSERT_TASK = _insert(TASK)
# a row that went turned into one that came, in place
REPLACE_TASK = Prepared(
    sa.update(TASK)
    .where(_THIS_TASK)
    .values({c.name: _b(c.name) for c in TASK.c if c.name != "instance_id"})
)

INSERT_PARTICIPANT = _insert(PART)
SELECT_PARTICIPANTS = Prepared(
    sa.select(
        PART.c.position, PART.c.key, PART.c.principal, PART.c.label, PART.c.choice, PART.c.stage
    )
    .where((PART.c.instance_id == _b("instance_id")) & (PART.c.round == _b("round")))
    .order_by(PART.c.position)
)
RECORD_CHOICE = Prepared(
    sa.update(PART)
    .where(
        (PART.c.instance_id == _b("b_instance_id"))
        & (PART.c.round == _b("b_round"))
        & (PART.c.key == _b("b_key"))
        & PART.c.choice.is_(None)
    )
    .values(
        choice=_b("choice"), acted_at=_b("acted_at"), actor_user_id=_b("actor_user_id"),
        data=_b("data"),
    )
)  # fmt: skip

# a secret round's ballots: read and rewritten whole, in id order (see WfBallot)
_ROUND = (BALLOT.c.instance_id == _b("instance_id")) & (BALLOT.c.round == _b("round"))
SELECT_BALLOTS = Prepared(
    sa.select(BALLOT.c.id, BALLOT.c.choice, BALLOT.c.paper).where(_ROUND).order_by(BALLOT.c.id)
)
DELETE_BALLOTS = Prepared(sa.delete(BALLOT).where(_ROUND))
INSERT_BALLOT = Prepared(sa.insert(BALLOT).values({c.name: _b(c.name) for c in BALLOT.c}))

INSERT_TIMER = _insert(TMR)
CANCEL_TIMERS = Prepared(
    sa.update(TMR)
    .where(
        (TMR.c.instance_id == _b("b_instance_id"))
        & (TMR.c.entry == _b("b_entry"))
        & TMR.c.fired_at.is_(None)
    )
    .values(cancelled=_b("cancelled"))
)

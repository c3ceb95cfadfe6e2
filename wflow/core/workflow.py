"""Verbs on workflow instances for people: start, fire, see tasks, timeline and history.

The only code outside the engine that commits workflow changes: each verb is one
transaction, rolled back whole when the engine refuses.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from wflow.core.access import principals
from wflow.core.uow import after_commit, transactional, unit_of_work
from wflow.councils import service as councils
from wflow.engine import (
    Actor,
    Definition,
    Engine,
    FireResult,
    InstanceNotFound,
    Scope,
    Task,
    WfDefinition,
    WfEvent,
    WfInstance,
    WfParticipant,
    WfTask,
    WorkflowError,
    WorkGroup,
    WorkRow,
)
from wflow.org.models import Unit, User

log = logging.getLogger(__name__)
_ACTORS = "wflow.actors"
TaskKeys = frozenset[tuple[str, str]]  # (trigger, principal) rows of wf_task


def actor_for(session: Session, user: User) -> Actor:
    """Return the engine's view of a user: id, unit, principals, name.

    The actor is computed once per transaction (a page asks for the task count, the
    notifications and the view); a commit or rollback forgets it, as memberships may change.
    Its principals come from `access.principals`, kept per process by the access epoch.
    """
    cache: dict[int, Actor] = session.info.setdefault(_ACTORS, {})
    if user.id is not None and user.id in cache:
        return cache[user.id]
    actor = Actor(
        user_id=user.id, unit_id=user.unit_id, principals=principals(session, user),
        name=user.display_name,
    )  # fmt: skip
    if user.id is not None:
        cache[user.id] = actor
    return actor


@sa.event.listens_for(OrmSession, "after_commit")
@sa.event.listens_for(OrmSession, "after_soft_rollback")
def _forget_actors(session: OrmSession, *_args: Any) -> None:
    session.info.pop(_ACTORS, None)


Listener = Callable[[Session], None]
_LISTENERS: list[Listener] = []


def on_new_work(listener: Listener) -> None:
    """Call `listener(session)` once a start or fire that added tasks has committed.

    The notifications subscribe here: they deliver from the task index (its rows of new work
    are unannounced), after the change and never in its transaction; a listener must not
    raise, and whatever it does cannot undo the change.
    """
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def task_keys(session: OrmSession, instance_id: int) -> TaskKeys:
    """Return who may fire what on an instance now (its wf_task rows)."""
    query = select(WfTask.trigger, WfTask.principal).where(WfTask.instance_id == instance_id)
    return frozenset((t, p) for t, p in session.execute(query).all())


def _changed(session: Session, new: TaskKeys) -> None:
    if new:
        for listener in _LISTENERS:
            after_commit(session, functools.partial(listener, session), once=listener)


def start(
    session: Session,
    engine: Engine,
    workflow: str,
    scope: Scope,
    user: User | None,
    data: Mapping[str, Any] | None = None,
) -> int:
    """Start an instance of `workflow` about `scope` in the caller's unit of work; its id.

    The instance belongs to the council of its block, else of its unit (`scope.council_id`
    when the caller names it), whose committee acts on it.
    """
    if scope.council_id is None:
        scope = replace(scope, council_id=councils.of_scope(session, scope.unit_id,
                                                            scope.block_id))  # fmt: skip
    actor = actor_for(session, user) if user is not None else Actor.system()
    with unit_of_work(session):
        instance_id = engine.start(session, workflow, scope, actor, data)
        _changed(session, task_keys(session, instance_id))
    return instance_id


def fire(
    session: Session,
    engine: Engine,
    user: User | None,
    instance_id: int,
    trigger: str,
    data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    *,
    actor: Actor | None = None,
) -> FireResult:
    """Fire `trigger` as `user` (or as `actor`, e.g. a written ballot) in one unit of work.

    Every transition people cause goes through here, so the inbox follows and the
    notifications are told after the commit; a refusal rolls the whole unit back and
    re-raises. `user` None is the system (a scheduled job).
    """
    actor = actor or (actor_for(session, user) if user is not None else Actor.system())
    with unit_of_work(session):
        result = engine.fire(session, instance_id, trigger, actor, data, expected_version)
        _changed(session, result.new_tasks)
    return result


@transactional
def sync_versions(session: Session, engine: Engine) -> None:
    """Store the loaded definitions' new versions (and load older ones instances still use)."""
    engine.sync_versions(session)


@dataclass(frozen=True)
class StoredVersion:
    """One stored definition version, with how many instances use it."""

    name: str
    version: int
    instances: int
    current: bool


def stored_versions(session: Session, engine: Engine) -> list[StoredVersion]:
    """Return every stored version of every workflow, with its instance count."""
    grouped = select(WfInstance.workflow, WfInstance.version, sa.func.count()).group_by(
        col(WfInstance.workflow), col(WfInstance.version)
    )
    counts = {(w, v): n for w, v, n in session.exec(grouped).all()}
    ordered = select(WfDefinition).order_by(col(WfDefinition.name), col(WfDefinition.version))
    current = {name: d.version for name, d in engine.definitions.items()}
    return [
        StoredVersion(
            d.name, d.version, counts.get((d.name, d.version), 0), current.get(d.name) == d.version
        )
        for d in session.exec(ordered).all()
    ]


def instance_count(session: Session) -> int:
    """Return how many workflow instances exist."""
    return int(session.exec(select(sa.func.count()).select_from(WfInstance)).one())


@dataclass(frozen=True)
class InstanceView:
    """An instance with its definition and what the viewer may do now."""

    row: WfInstance
    definition: Definition
    triggers: list[str]


def load_instance(
    session: Session, engine: Engine, instance_id: int
) -> tuple[WfInstance, Definition]:
    """Return an instance row and its definition version, or raise InstanceNotFound."""
    row = session.get(WfInstance, instance_id)
    if row is None:
        raise InstanceNotFound(f"Instance {instance_id} does not exist.")
    return row, engine.definition(row.workflow, row.version)


def view(session: Session, engine: Engine, user: User, instance_id: int) -> InstanceView:
    """Return an instance for the page, with the triggers `user` may fire now."""
    row, definition = load_instance(session, engine, instance_id)
    triggers = engine.available(session, instance_id, actor_for(session, user))
    return InstanceView(row=row, definition=definition, triggers=triggers)


@dataclass(frozen=True)
class TimelineEntry:
    """One audit event as people read it: who, for which unit, when, from, to, why."""

    seq: int
    at: datetime
    who: str
    unit: str
    trigger: str
    source: str
    dest: str
    reason: str


def timeline(session: Session, instance_id: int) -> list[TimelineEntry]:
    """Return an instance's audit events, oldest first, with unit names."""
    events = session.exec(
        select(WfEvent).where(WfEvent.instance_id == instance_id).order_by(col(WfEvent.seq))
    ).all()
    unit_ids = {e.actor_unit_id for e in events if e.actor_unit_id}
    names = {
        u.id: u.name for u in session.exec(select(Unit).where(col(Unit.id).in_(unit_ids))).all()
    } if unit_ids else {}  # fmt: skip
    return [
        TimelineEntry(
            seq=e.seq,
            at=e.at,
            who=e.actor_name or "",
            unit=names.get(e.actor_unit_id, ""),
            trigger=e.trigger,
            source=e.source or "",
            dest=e.dest,
            reason=str((e.data or {}).get("reason", "")),
        )
        for e in events
    ]


def tasks(session: Session, engine: Engine, user: User) -> list[Task]:
    """Return everything `user` may do now, across all workflows (one query)."""
    return engine.inbox(session, actor_for(session, user))


def work_rows(
    session: Session,
    engine: Engine,
    user: User,
    *,
    workflow: str | None = None,
    blocks: Collection[int | None] | None = None,
) -> list[WorkRow]:
    """Return `user`'s tasks in the fewest columns, unordered (one query; of `workflow` and
    `blocks` only, if given)."""
    return engine.work_rows(session, actor_for(session, user), workflow=workflow, blocks=blocks)


def work_groups(
    session: Session, engine: Engine, user: User, workflow: str | None = None
) -> list[WorkGroup]:
    """Return how many instances `user` holds work on, per earliest deadline and block."""
    return engine.work_groups(session, actor_for(session, user), workflow)


def task_count(session: Session, engine: Engine, user: User) -> int:
    """Return how many things `user` may do now."""
    return engine.inbox_count(session, actor_for(session, user))


def instances(
    *,
    workflow: str | None = None,
    block_id: int | None = None,
    year: int | None = None,
    state: str | None = None,
) -> SelectOfScalar[WfInstance]:
    """Return the query of instances filtered by workflow, block, year and state, newest first
    (for `subjects.instances_seen`, which narrows it to what a person may see)."""
    query = select(WfInstance).order_by(col(WfInstance.id).desc())
    if workflow:
        query = query.where(WfInstance.workflow == workflow)
    if block_id:
        query = query.where(WfInstance.block_id == block_id)
    if year:
        query = query.where(WfInstance.year == year)
    if state:
        query = query.where(WfInstance.state == state)
    return query


__all__ = ["InstanceView", "TimelineEntry", "WorkflowError", "actor_for", "fire", "start"]


def participants(session: Session, row: WfInstance) -> list[WfParticipant]:
    """Return the parties of the instance's current multi-party step, in their order."""
    query = (
        select(WfParticipant)
        .where(WfParticipant.instance_id == row.id, WfParticipant.round == row.entry)
        .order_by(col(WfParticipant.position))
    )
    return list(session.exec(query).all())


def possible_in(definition: Definition, state: str, trigger: str) -> bool:
    """Tell whether `trigger` may be fired from `state` at all (its step's act, or a transition)."""
    part = definition.states[state].participation
    if part is not None and trigger in (part.act, part.refuse, part.abstain):
        return True
    return any(t.trigger == trigger for t in definition.transitions_from(state))


def required_fields(definition: Definition, state: str, trigger: str) -> tuple[str, ...]:
    """Return the fields a person must give to fire `trigger` from `state` (e.g. a reason)."""
    part = definition.states[state].participation
    if part is not None and trigger == part.refuse:
        return part.require_refuse
    for t in definition.transitions_from(state):
        if t.trigger == trigger:
            return t.require
    return ()

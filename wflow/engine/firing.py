"""The write path of the engine: fire a trigger, participate, enter states, settle steps.

`Firing` holds the loaded definitions (compiled once) and everything a fire writes; `Engine`
(`wflow.engine.runtime`) adds the public API on top. Every statement is pre-built
(`wflow.engine.statements`) and runs on the DBAPI cursor of the caller's connection, inside
the caller's transaction; nothing here commits.

A self-loop (source == dest) does not re-enter its state: it bumps the version and writes an
event, but keeps the entry's participants, timers and tasks.

The data given to a successful transition is stored in its event and merged into the
instance's data (latest wins), so a deadline `at` can name a date given when entering the
state. Participation acts keep their data in the participant row and the event only; a
secret step's choice is a ballot apart (`participation.cast_ballot`), its receipt returned
in the fire's `Trail`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from typing import Any

from wflow.clock import utcnow
from wflow.engine import inbox as _inbox
from wflow.engine import timers as _timers
from wflow.engine.audit import HASH_V, event_hash, json_safe
from wflow.engine.compiled import Compiled
from wflow.engine.definition import Definition, Participation, Transition
from wflow.engine.fastsql import Db
from wflow.engine.participation import (
    CAST,
    PAPER,
    Choice,
    Seat,
    ballot_paper,
    cast_ballot,
    choice_of,
    choices_of,
    decide,
    load_seats,
    open_seats,
    store_seats,
)
from wflow.engine.registry import Actor, FireContext, GuardFn, Registry, Scope
from wflow.engine.runtime_errors import (
    AlreadyActed,
    GuardFailed,
    InstanceNotFound,
    MissingFields,
    NotAllowed,
    StaleVersion,
    UnknownTrigger,
    UnknownWorkflow,
    WorkflowError,
    WrongState,
)  # fmt: skip
from wflow.engine.statements import (
    ADVANCE,
    INSERT_EVENT,
    RECORD_CHOICE,
    SELECT_INSTANCE,
    SELECT_INSTANCE_FOR_FIRE,
    UPDATE_INSTANCE,
    UPDATE_INSTANCE_DATA,
)  # fmt: skip

InstanceRow = Any  # a row of statements.INSTANCE_COLUMNS
MAX_CASCADE = 20  # completion triggers fired in a row before we call it a loop
SYSTEM = Actor.system()


@dataclass(slots=True)
class Trail:
    """What one fire leaves besides its move: consequences fired, a secret ballot's receipt."""

    completed: list[str] = field(default_factory=list)
    receipt: str | None = None
    tasks: _inbox.TaskChanges = field(default_factory=_inbox.TaskChanges)


def scope_of(row: InstanceRow, data: Mapping[str, Any] | None = None) -> Scope:
    """Return the scope of an instance row (with `data` instead of its own when given)."""
    return Scope(row.subject_type, row.subject_id, row.unit_id, row.block_id, row.year,
                 row.data if data is None else data, row.council_id)  # fmt: skip


def check_required(names: tuple[str, ...], data: Mapping[str, Any]) -> None:
    """Raise MissingFields naming each key of `names` missing or blank in `data`."""
    missing = [n for n in names if _blank(data.get(n))]
    if missing:
        raise MissingFields(missing)


def check_guards(guards: Sequence[tuple[str, GuardFn]], ctx: FireContext) -> None:
    """Run `(name, guard)` pairs in order; raise GuardFailed at the first that refuses."""
    for name, guard in guards:
        verdict = guard(ctx)
        if verdict is not True:
            reason = verdict if isinstance(verdict, str) and verdict else None
            raise GuardFailed(name, reason or f"Condition {name!r} is not met.")


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list | tuple | dict | set) and not value


class Firing:
    """The loaded definitions and the write path of firing."""

    def __init__(
        self, definitions: Mapping[str, Definition], registry: Registry, zone: tzinfo = UTC
    ) -> None:
        self.registry = registry
        self.zone = zone  # where a date-only deadline ends: local midnight
        self._current: dict[str, int] = {}
        self._compiled: dict[tuple[str, int], Compiled] = {}
        for d in definitions.values():
            self._add(d)
            self._current[d.name] = d.version

    def _add(self, d: Definition) -> None:
        self._compiled[(d.name, d.version)] = Compiled(d, self.registry)

    @property
    def definitions(self) -> dict[str, Definition]:
        """Return the current version of every loaded workflow, by name."""
        return {n: self._compiled[(n, v)].definition for n, v in self._current.items()}

    def definition(self, name: str, version: int | None = None) -> Definition:
        """Return a loaded definition (the current version unless `version` is given)."""
        return self._comp(name, version).definition

    def _comp(self, name: str, version: int | None = None) -> Compiled:
        v = self._current.get(name) if version is None else version
        comp = self._compiled.get((name, v)) if v is not None else None
        if comp is None:
            which = name if version is None else f"{name} version {version}"
            raise UnknownWorkflow(f"Workflow {which} is not loaded (run sync_versions).")
        return comp

    def _fire(
        self,
        db: Db,
        iid: int,
        trigger: str,
        actor: Actor,
        data: Mapping[str, Any],
        expected: int | None,
        trail: Trail,
        depth: int,
    ) -> tuple[str, str, int, int]:
        row = SELECT_INSTANCE_FOR_FIRE.first(db, {"id": iid})
        if row is None:
            raise InstanceNotFound(iid)
        comp = self._comp(row.workflow, row.version)
        if trigger not in comp.triggers:
            raise UnknownTrigger(row.workflow, trigger)
        state: str = row.state
        part = comp.participation.get(state)
        if part is not None:
            choice = choice_of(part, trigger)
            if choice is not None:
                return self._participate(
                    db, row, comp, part, trigger, choice, actor, data, expected,
                    trail, depth,
                )  # fmt: skip
        dest = comp.dest(trigger, state)
        if dest is None:
            raise WrongState(trigger, state)
        plan = comp.plans[(trigger, state)]
        t = plan.transition
        scope = scope_of(row)
        if not actor.is_system:
            if t.system:
                raise NotAllowed(f"Action {trigger!r} is performed by the system only.")
            if not plan.allows(actor.principals, scope):
                raise NotAllowed(f"You may not perform {trigger!r} on this item.")
        if expected is not None and expected != row.lock_version:
            raise StaleVersion(iid)
        if t.require:
            check_required(t.require, data)
        now = utcnow()
        ctx = None
        if plan.guards or plan.effects:
            ctx = FireContext(db.session, comp.definition, iid, state, scope, actor, data, now, t)
            check_guards(plan.guards, ctx)
        clean = json_safe(data) if data else {}
        new_data = {**row.data, **clean} if clean else None
        moved = dest != state
        entry = row.entry + 1 if moved else row.entry
        due = self._due(comp, dest, now, new_data or row.data) if moved else row.due_at
        enter_scope = scope if new_data is None else scope_of(row, new_data)
        tasks = None
        if moved and dest not in comp.participation:  # the task rows follow from the state
            rows = _inbox.task_rows(comp, dest, enter_scope, iid, due)
            tasks = _inbox.plan_tasks(iid, rows, _inbox.tasks_of(db, row), trail.tasks)
        version, event_id = self._advance(
            db, row, actor, trigger, state, dest, clean, now, entry, due, new_data, tasks=tasks
        )
        if moved:
            if comp.has_deadline[state]:
                _timers.cancel(db, iid, row.entry)
            have = _inbox.tasks_of(db, row) if tasks is None else {}
            self._enter(db, comp, row, dest, state, entry, enter_scope, actor, now, due,
                        t, trail.tasks, have, tasks)  # fmt: skip
        if ctx is not None:
            for effect in plan.effects:
                effect(ctx)
        if moved and dest in comp.participation:
            self._settle(db, iid, dest, entry, comp, None, trail, depth)
        return state, dest, version, event_id

    def _advance(
        self,
        db: Db,
        row: InstanceRow,
        actor: Actor,
        trigger: str,
        source: str,
        dest: str,
        data: dict[str, Any],
        now: datetime,
        entry: int,
        due: datetime | None,
        new_data: dict[str, Any] | None,
        snapshot: bool = False,
        tasks: _inbox.TaskWrite | None = None,
    ) -> tuple[int, int]:
        """Move the instance row (optimistic lock) and append the chained audit event.

        The event's hash covers the row as this leaves it (state, lock_version, data); the
        event keeps the data when it changed (`new_data`) or when asked to (`snapshot`). On
        PostgreSQL one statement does both, and the task write `tasks` too when it is one
        row turned or dropped (marked done).
        """
        seq = row.last_seq + 1
        version = row.lock_version + 1
        after = row.data if new_data is None else new_data
        kept = new_data if new_data is not None else (row.data if snapshot else None)
        h = event_hash(row.last_hash, row.id, seq, version, now, actor.user_id, actor.unit_id,
                       actor.name, trigger, source, dest, data, after)  # fmt: skip
        params = {"b_id": row.id, "b_lock": row.lock_version, "b_seq": row.last_seq,
                  "state": dest, "lock_version": version, "entry": entry, "last_seq": seq,
                  "last_hash": h, "due_at": due, "updated_at": now}  # fmt: skip
        if new_data is not None:
            params["data"] = new_data
        event = {"seq": seq, "version": version, "at": now, "actor_user_id": actor.user_id,
                 "actor_unit_id": actor.unit_id, "actor_name": actor.name, "trigger": trigger,
                 "source": source, "dest": dest, "data": data, "prev_hash": row.last_hash,
                 "hash": h, "hash_v": HASH_V, "data_after": kept}  # fmt: skip
        if db.dialect.name == "postgresql":  # one round trip: the move and its event
            params.update({f"e_{k}": v for k, v in event.items()})
            rider = tasks.single() if tasks is not None else None
            if rider is not None:
                params.update(rider[1])
            stmt_ = ADVANCE[(new_data is not None, rider[0] if rider is not None else None)]
            got = stmt_.run(db, params).fetchone()
            if got is None:
                raise StaleVersion(row.id)
            if rider is not None and tasks is not None:
                tasks.done = True
            return version, int(got[0])
        stmt = UPDATE_INSTANCE if new_data is None else UPDATE_INSTANCE_DATA
        if stmt.run(db, params).rowcount != 1:
            raise StaleVersion(row.id)
        return version, INSERT_EVENT.insert(db, {"instance_id": row.id, **event})

    def _due(
        self, comp: Compiled, state: str, now: datetime, data: Mapping[str, Any]
    ) -> datetime | None:
        deadline = comp.definition.states[state].deadline
        return None if deadline is None else _timers.deadline_due(deadline, now, data, self.zone)

    def _enter(
        self,
        db: Db,
        comp: Compiled,
        row: InstanceRow,
        state: str,
        source: str,
        entry: int,
        scope: Scope,
        actor: Actor,
        now: datetime,
        due: datetime | None,
        transition: Transition | None,
        changes: _inbox.TaskChanges,
        have: _inbox.Held,
        tasks: _inbox.TaskWrite | None = None,
    ) -> None:
        """Enter a state: its participants, deadline and reminders, and the task index
        (whose rows were `have`; or planned already: `tasks`)."""
        deadline = comp.definition.states[state].deadline
        if deadline is not None and due is not None:
            _timers.schedule(db, deadline, row.id, entry, now, due)
        seats: list[Seat] = []
        part = comp.participation.get(state)
        if part is not None:
            ctx = FireContext(db.session, comp.definition, row.id, source, scope, actor, {}, now,
                              transition)  # fmt: skip
            seats = store_seats(db, row.id, entry, comp.resolvers[state](ctx))
        if tasks is not None:
            _inbox.apply_tasks(db, tasks)
            return
        rows = _inbox.task_rows(comp, state, scope, row.id, due, seats)
        _inbox.write_tasks(db, row.id, rows, have, changes)

    # ---------------------------------------------------------------- participation

    def _participate(
        self,
        db: Db,
        row: InstanceRow,
        comp: Compiled,
        part: Participation,
        trigger: str,
        choice: Choice,
        actor: Actor,
        data: Mapping[str, Any],
        expected: int | None,
        trail: Trail,
        depth: int,
    ) -> tuple[str, str, int, int]:
        iid, state = row.id, row.state
        seats = load_seats(db, iid, row.entry)
        mine = [s for s in seats if s.principal in actor.principals]
        if actor.is_system or not mine:
            raise NotAllowed("You are not a participant of this step.")
        pending = [s for s in mine if s.choice is None]
        if not pending:
            raise AlreadyActed(f"{mine[0].label or mine[0].key} has already taken part.")
        seat = pending[0]
        turn = open_seats(part, seats)
        if seat not in turn:
            waiting = turn[0].label or turn[0].key if turn else "?"
            raise NotAllowed(f"It is not your turn yet: waiting for {waiting}.")
        if expected is not None and expected != row.lock_version:
            raise StaleVersion(iid)
        if choice == "refuse" and part.require_refuse:
            check_required(part.require_refuse, data)
        now = utcnow()
        if choice == "act" and part.guards:
            ctx = FireContext(db.session, comp.definition, iid, state, scope_of(row), actor,
                              data, now)  # fmt: skip
            check_guards([(name, self.registry.guards[name]) for name in part.guards], ctx)
        paper = None
        if part.secret:  # a ballot paper goes with the ballot, never with the voter's row
            try:
                paper = ballot_paper(data.get(PAPER))
            except ValueError as exc:
                raise GuardFailed(PAPER, str(exc)) from None
            data = {k: v for k, v in data.items() if k != PAPER}
        clean = json_safe(data)
        stored = CAST if part.secret else choice  # a secret choice is a ballot, apart
        recorded = RECORD_CHOICE.run(
            db,
            {"b_instance_id": iid, "b_round": row.entry, "b_key": seat.key, "choice": stored,
             "acted_at": now, "actor_user_id": actor.user_id, "data": clean},
        )  # fmt: skip
        if recorded.rowcount != 1:
            raise AlreadyActed(f"{seat.label or seat.key} has already taken part.")
        if part.secret:
            trail.receipt = cast_ballot(db, iid, row.entry, choice, paper)
        # a secret step records who took part, never how (neither choice nor trigger)
        ev_trigger, ev_data = (
            ("participate", {"participant": seat.key}) if part.secret
            else (trigger, {"participant": seat.key, "choice": choice, **clean})
        )  # fmt: skip
        version, event_id = self._advance(
            db, row, actor, ev_trigger, state, state, ev_data, now, row.entry, row.due_at, None
        )
        seats = [replace(s, choice=stored) if s.key == seat.key else s for s in seats]
        rows = _inbox.task_rows(comp, state, scope_of(row), iid, row.due_at, seats)
        _inbox.write_tasks(db, iid, rows, _inbox.tasks_of(db, row), trail.tasks)
        self._settle(db, iid, state, row.entry, comp, seats, trail, depth)
        return state, state, version, event_id

    def _settle(
        self,
        db: Db,
        iid: int,
        state: str,
        entry: int,
        comp: Compiled,
        seats: list[Seat] | None,
        trail: Trail,
        depth: int,
    ) -> None:
        """Fire the step's completion or refusal trigger once its outcome is certain."""
        part = comp.participation[state]
        if seats is None:
            seats = load_seats(db, iid, entry)
        outcome = decide(part.complete, choices_of(part, db, iid, entry, seats))
        trigger = part.on_complete if outcome == "complete" else None
        if outcome == "refuse":
            trigger = part.on_refuse
        if trigger is None:
            return
        if depth >= MAX_CASCADE:
            raise WorkflowError(f"Workflow {comp.definition.name!r} loops through {trigger!r}.")
        trail.completed.append(trigger)
        self._fire(db, iid, trigger, SYSTEM, {}, None, trail, depth + 1)

    # ---------------------------------------------------------------- reading
    def _row(self, db: Db, instance_id: int) -> InstanceRow:
        row = SELECT_INSTANCE.first(db, {"id": instance_id})
        if row is None:
            raise InstanceNotFound(instance_id)
        return row

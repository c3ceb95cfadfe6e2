"""The engine: start instances, fire triggers, answer who may do what, run timers.

`fire` is one database transaction owned by the caller (it never commits): on any exception
the caller rolls back and nothing is written. It takes the caller's ORM Session or a bare
Connection (the lighter choice for batch work). The hot path runs Core statements built once
on the connection's DBAPI cursor; the shared machine of each (workflow, version) decides where
a trigger leads, and `wflow.engine.firing` adds roles, guards, required fields, the optimistic
lock, the audit chain, participation, timers and the task index.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from wflow.clock import utcnow
from wflow.engine import inbox as _inbox
from wflow.engine import timers as _timers
from wflow.engine import versions as _versions
from wflow.engine.audit import HASH_V, Broken, Drift, event_hash, json_safe, verify_instances
from wflow.engine.compiled import Compiled, participation_triggers
from wflow.engine.definition import SCOPES, Definition
from wflow.engine.fastsql import Db
from wflow.engine.firing import SYSTEM, Firing, Trail, check_guards, check_required, scope_of
from wflow.engine.participation import load_choices, load_seats, open_seats
from wflow.engine.registry import Actor, FireContext, Scope
from wflow.engine.runtime_errors import NotAllowed, StaleVersion, WorkflowError
from wflow.engine.statements import (
    EVT,
    INSERT_EVENT,
    INSERT_INSTANCE,
    SELECT_HEADS,
    SELECT_INSTANCE,
    SELECT_INSTANCE_FOR_FIRE,
    TASK,
    UPDATE_CHAIN_HEAD,
)  # fmt: skip
from wflow.engine.tables import WfEvent

_PRINCIPALS_OF = (
    sa.select(TASK.c.principal).distinct().where(TASK.c.instance_id == sa.bindparam("i"))
)
_AS_OF = (
    sa.select(EVT.c.dest, EVT.c.version)
    .where((EVT.c.instance_id == sa.bindparam("i")) & (EVT.c.at <= sa.bindparam("when")))
    .order_by(EVT.c.seq.desc())
    .limit(1)
)


@dataclass(frozen=True, slots=True)
class FireResult:
    """What a fire did: the trigger's move, the version after it, consequences fired."""

    instance_id: int
    trigger: str
    source: str
    dest: str
    version: int  # lock_version after the fire and its consequences
    event_id: int
    completed: tuple[str, ...] = ()  # system triggers fired as a consequence, in order
    state: str = ""  # the state after the consequences (== dest when there are none)
    receipt: str | None = None  # a secret ballot's receipt, for the voter to check it
    new_tasks: frozenset[tuple[str, str]] = frozenset()  # (trigger, principal) that appeared


class Engine(Firing):
    """Runs the loaded workflow definitions against the wf_* tables."""

    def sync_versions(
        self, session: Session, parse: _versions.Parse | None = None
    ) -> list[Definition]:
        """Store loaded versions' text; load older versions instances still use; return those.

        Task rows from before `wf_task.work` are classified here, once.
        """
        _versions.store_versions(session, list(self.definitions.values()))
        if parse is None:
            from wflow.engine.loader import parse_definition  # lazy: the loader is optional

            parse = parse_definition
        older = _versions.load_used_versions(session, set(self._compiled), self.registry, parse)
        for d in older:
            self._add(d)
        _inbox.classify(session, self.is_work)
        return older

    def is_work(self, workflow: str, version: int, state: str, trigger: str) -> bool:
        """Tell whether a task row of `trigger` in `state` is work (`Definition.is_work`,
        computed once per loaded version)."""
        return self._comp(workflow, version).work.get((state, trigger), False)

    # ---------------------------------------------------------------- start and fire
    def start(
        self,
        session: Session | Connection,
        workflow: str,
        scope: Scope,
        actor: Actor,
        data: Mapping[str, Any] | None = None,
    ) -> int:
        """Create an instance in the initial state of the current version; return its id.

        When the definition has a `start:` section, the scope must carry what it is about
        (WorkflowError), and a person (not the system actor) must hold one of its roles on
        the new instance (NotAllowed), give its required data (MissingFields) and pass its
        guards (GuardFailed); nothing is written when it refuses.
        """
        comp = self._comp(workflow)
        d = comp.definition
        db = Db(session)
        now = utcnow()
        clean = json_safe(data)
        inst_data = json_safe({**scope.data, **clean})
        if d.start is not None:
            self._check_start(db, comp, replace(scope, data=inst_data), actor, clean, now)
        iid = INSERT_INSTANCE.insert(
            db,
            {"workflow": d.name, "version": d.version, "state": d.initial,
             "subject_type": scope.subject_type, "subject_id": scope.subject_id,
             "unit_id": scope.unit_id, "block_id": scope.block_id, "year": scope.year,
             "council_id": scope.council_id, "data": inst_data, "lock_version": 0, "entry": 1,
             "last_seq": 0, "last_hash": "", "due_at": None, "created_at": now, "updated_at": now},
        )  # fmt: skip
        row = SELECT_INSTANCE.first(db, {"id": iid})
        due = self._due(comp, d.initial, now, inst_data)
        self._advance(db, row, actor, "start", "", d.initial, clean, now, 1, due, None, True)
        trail = Trail()
        self._enter(db, comp, row, d.initial, "", 1, scope_of(row), actor, now, due, None,
                    trail.tasks, {})  # fmt: skip
        if d.initial in comp.participation:
            self._settle(db, iid, d.initial, 1, comp, None, trail, 0)
        return iid

    def may_start(self, workflow: str, scope: Scope, actor: Actor) -> bool:
        """Tell whether `actor` holds a role of the workflow's `start:` on an instance of `scope`.

        `scope.data` stands for the new instance's data (data roles read it). True without a
        `start:` section or for the system actor; required data and guards are not checked.
        """
        comp = self._comp(workflow)
        if comp.definition.start is None or actor.is_system:
            return True
        return _holds(comp, actor.principals, scope)

    def tagged(self, workflow: str, tag: str, version: int | None = None) -> frozenset[str]:
        """Return the states carrying `tag` in one version, or in any loaded version if None.

        Without `version` it spans every loaded version (the current one and the older ones
        running instances still use), e.g. for `WfInstance.state.in_(...)` across versions.
        """
        if version is not None:
            return self._comp(workflow, version).definition.tagged(tag)
        self._comp(workflow)  # UnknownWorkflow when it is not loaded
        out: set[str] = set()
        for (name, _v), comp in self._compiled.items():
            if name == workflow:
                out |= comp.definition.tagged(tag)
        return frozenset(out)

    def _check_start(
        self, db: Db, comp: Compiled, scope: Scope, actor: Actor, given: Mapping[str, Any],
        now: datetime,
    ) -> None:  # fmt: skip
        d = comp.definition
        start = d.start
        assert start is not None
        missing = [f for f in SCOPES[start.scope] if getattr(scope, f) is None]
        if missing:
            needs = ", ".join(missing)
            raise WorkflowError(f"Workflow {d.name!r} is about a {start.scope}: give {needs}.")
        if actor.is_system:
            return
        if not comp.start_roles:
            raise NotAllowed(f"Workflow {d.name!r} is started by the application only.")
        if not _holds(comp, actor.principals, scope):
            raise NotAllowed(f"You may not start a {d.name!r} here.")
        if start.require:
            check_required(start.require, scope.data)
        if comp.start_guards:
            ctx = FireContext(db.session, d, 0, "", scope, actor, given, now)
            check_guards(comp.start_guards, ctx)

    def fire(
        self,
        session: Session | Connection,
        instance_id: int,
        trigger: str,
        actor: Actor,
        data: Mapping[str, Any] | None = None,
        expected_version: int | None = None,
    ) -> FireResult:
        """Fire `trigger` on an instance as `actor` in the caller's transaction (no commit)."""
        db = Db(session)
        trail = Trail()
        source, dest, version, event_id = self._fire(
            db, instance_id, trigger, actor, data or {}, expected_version, trail, 0
        )
        state = dest
        if trail.completed:
            row = SELECT_INSTANCE.first(db, {"id": instance_id})
            version, state = row.lock_version, row.state
        return FireResult(instance_id, trigger, source, dest, version, event_id,
                          tuple(trail.completed), state, trail.receipt,
                          frozenset(trail.tasks.added))  # fmt: skip

    def available(self, session: Session, instance_id: int, actor: Actor) -> list[str]:
        """Return the triggers `actor` may fire now (roles, state, open seats; no guards)."""
        db = Db(session)
        row = self._row(db, instance_id)
        comp = self._comp(row.workflow, row.version)
        if actor.is_system:
            return []
        scope = scope_of(row)
        out = [p.transition.trigger for p in comp.user_plans[row.state]
               if p.allows(actor.principals, scope)]  # fmt: skip
        part = comp.participation.get(row.state)
        if part is not None:
            turn = open_seats(part, load_seats(db, instance_id, row.entry))
            if any(s.principal in actor.principals for s in turn):
                out.extend(participation_triggers(part))
        return list(dict.fromkeys(out))

    def row(self, session: Session, instance_id: int) -> Any:
        """Return the instance's row as it stands, read by the firing path's own statement.

        A named tuple with `WfInstance`'s column names (no ORM object to build): for code
        that only reads it right after a fire, such as the notifications.
        """
        return self._row(Db(session), instance_id)

    def heads(self, session: Session, ids: Sequence[int]) -> dict[int, Any]:
        """Return instances' rows as they stand, by id, each with `actor_user_id`, the user
        whose event is the last of its chain (None: the system): one query."""
        found = session.connection().execute(SELECT_HEADS, {"ids": sorted(set(ids))})
        return {r.id: r for r in found}

    def ballots(self, session: Session, instance_id: int, round_: int) -> list[str]:
        """Return the choices of a secret round's ballots (act, refuse, abstain; unordered)."""
        return load_choices(Db(session), instance_id, round_)

    def history(self, session: Session, instance_id: int) -> list[WfEvent]:
        """Return the instance's audit events in order."""
        self._row(Db(session), instance_id)
        stmt = sa.select(WfEvent).where(EVT.c.instance_id == instance_id).order_by(EVT.c.seq)
        return list(session.execute(stmt).scalars())

    def as_of(self, session: Session, instance_id: int, when: datetime) -> tuple[str, int] | None:
        """Return (state, version) the instance had at `when`, None before it started."""
        db = Db(session)
        self._row(db, instance_id)
        got = db.conn.execute(_AS_OF, {"i": instance_id, "when": when}).first()
        return None if got is None else (got.dest, got.version)

    def inbox(self, session: Session, actor: Actor) -> list[_inbox.Task]:
        """Return what `actor` may do now across all workflows (one query)."""
        return _inbox.inbox(session, actor)

    def work_rows(
        self,
        session: Session,
        actor: Actor,
        *,
        workflow: str | None = None,
        blocks: Collection[int | None] | None = None,
    ) -> list[_inbox.WorkRow]:
        """Return `actor`'s tasks in the fewest columns, unordered (of `workflow` and `blocks`
        only, if given)."""
        return _inbox.work_rows(session, actor, workflow=workflow, blocks=blocks)

    def work_groups(
        self, session: Session, actor: Actor, workflow: str | None = None
    ) -> list[_inbox.WorkGroup]:
        """Count the instances where `actor` holds work per earliest deadline and block."""
        return _inbox.work_groups(session, actor, workflow)

    def work_count(self, session: Session, actor: Actor) -> int:
        """Count the instances where `actor` holds work: one indexed query on the task index."""
        return _inbox.work_count(session, actor)

    def claim_news(self, session: Session, limit: int = 200) -> _inbox.Claim:
        """Claim the task rows of work nobody was told of yet, of at most `limit` instances."""
        return _inbox.claim_news(session, limit)

    def inbox_count(self, session: Session, actor: Actor) -> int:
        """Return how many tasks `actor` has now."""
        return _inbox.inbox_count(session, actor)

    def verify_chains(self, session: Session) -> list[Broken]:
        """Recompute every audit chain; return the first broken link of each instance."""
        return [f for f in verify_instances(session) if isinstance(f, Broken)]

    def verify_instances(self, session: Session) -> list[Broken | Drift]:
        """Recompute every chain and check every instance row against its head (first finding)."""
        return verify_instances(session)

    # ---------------------------------------------------------------- timers
    def tick(
        self, session_factory: Callable[[], Session], now: datetime | None = None
    ) -> _timers.TickReport:
        """Fire due deadlines and send due reminders, each in its own transaction."""
        return _timers.tick(self, session_factory, now)

    def run_timer(
        self, session: Session, instance_id: int, entry: int, kind: str, trigger: str,
        due_at: datetime,
    ) -> str:  # fmt: skip
        """Run one claimed timer: fire its deadline or send its reminder; "stale" if left."""
        db = Db(session)
        row = SELECT_INSTANCE_FOR_FIRE.first(db, {"id": instance_id})
        if row is None or row.entry != entry:
            return "stale"
        comp = self._comp(row.workflow, row.version)
        principals = sorted(db.conn.execute(_PRINCIPALS_OF, {"i": instance_id}).scalars())
        now = utcnow()
        if kind == "deadline":
            self._fire(db, instance_id, trigger, SYSTEM, {}, None, Trail(), 0)
            ctx = FireContext(db.session, comp.definition, instance_id, row.state, scope_of(row),
                              SYSTEM, {}, now)  # fmt: skip
            for deadline_hook in self.registry.deadline_hooks:
                deadline_hook(ctx, trigger, principals)
            return "fired"
        deadline_at: datetime = row.due_at or due_at
        ctx = FireContext(db.session, comp.definition, instance_id, row.state, scope_of(row),
                          SYSTEM, {}, now)  # fmt: skip
        for hook in self.registry.reminder_hooks:
            hook(ctx, deadline_at, principals)
        data = {"due_at": deadline_at.isoformat(), "principals": principals}
        seq = row.last_seq + 1
        h = event_hash(row.last_hash, instance_id, seq, row.lock_version, now, None, None,
                       SYSTEM.name, "remind", row.state, row.state, data, row.data)  # fmt: skip
        moved = UPDATE_CHAIN_HEAD.run(
            db, {"b_id": instance_id, "b_seq": row.last_seq, "last_seq": seq,
                                "last_hash": h},
        )  # fmt: skip
        if moved.rowcount != 1:
            raise StaleVersion(instance_id)
        INSERT_EVENT.run(
            db,
            {"instance_id": instance_id, "seq": seq, "version": row.lock_version, "at": now,
             "actor_user_id": None, "actor_unit_id": None, "actor_name": SYSTEM.name,
             "trigger": "remind", "source": row.state, "dest": row.state, "data": data,
             "prev_hash": row.last_hash, "hash": h, "hash_v": HASH_V, "data_after": None},
        )  # fmt: skip
        return "reminded"


def _holds(comp: Compiled, principals: frozenset[str], scope: Scope) -> bool:
    """Tell whether one of the `start:` roles yields one of `principals` for `scope`."""
    return any(p in principals for role in comp.start_roles for p in role(scope))

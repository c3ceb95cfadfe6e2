"""Named roles, guards, effects, resolvers and hooks that definitions refer to.

The engine knows no domain: the services layer registers these functions by name, the
validator checks every name a definition uses against the registry, and the runtime calls
them while firing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from wflow.engine.definition import Definition, Transition


@dataclass(frozen=True, slots=True)
class Actor:
    """Who fires: a user (with the principals they hold) or the engine itself.

    Principals are opaque strings the domain computes for a user, e.g. "unit:5:head",
    "unit:5:member", "block:3:leader", "block:3:member", "secretariat", "council".
    A role grants a trigger when one of the principals it yields for an instance is among
    the actor's principals.
    """

    user_id: int | None
    unit_id: int | None
    principals: frozenset[str]
    name: str = ""

    @classmethod
    def system(cls) -> Actor:
        """Return the engine's own actor (timers, completion triggers)."""
        return cls(user_id=None, unit_id=None, principals=frozenset({"system"}), name="system")

    @property
    def is_system(self) -> bool:
        """Tell whether this is the engine's own actor."""
        return self.user_id is None and "system" in self.principals


@dataclass(frozen=True, slots=True)
class Scope:
    """What an instance is about: the subject row and the unit / block / year it belongs to."""

    subject_type: str
    subject_id: int
    unit_id: int | None = None
    block_id: int | None = None
    year: int | None = None
    data: Mapping[str, Any] = field(default_factory=dict, hash=False)
    council_id: int | None = None  # the body whose committee acts on it (the domain's id)


@dataclass(frozen=True, slots=True)
class Participant:
    """One party of a participation step: a stable key, the principal that may act, a label."""

    key: str  # e.g. "unit:5"
    principal: str  # e.g. "unit:5:head"
    label: str = ""
    stage: int = 0  # in a parallel step, stage n opens once every earlier stage has answered


@dataclass(frozen=True, slots=True)
class FireContext:
    """Everything a guard, effect or resolver may look at while a trigger fires."""

    session: Session
    definition: Definition
    instance_id: int
    state: str  # the state before the transition
    scope: Scope
    actor: Actor
    data: Mapping[str, Any]
    now: datetime
    transition: Transition | None = None


RoleFn = Callable[[Scope], Iterable[str]]
GuardFn = Callable[[FireContext], "bool | str"]  # True passes; False or a reason fails
EffectFn = Callable[[FireContext], None]
ResolverFn = Callable[[FireContext], Sequence[Participant]]
# Read from the instance's data (`{role: …, from: key}`, `who: {resolver: …, from: key}`):
# the second argument is `data_values(data[key])`, e.g. the unit ids listed in data.parties.
DataRoleFn = Callable[[Scope, Sequence[Any]], Iterable[str]]
DataResolverFn = Callable[[FireContext, Sequence[Any]], Sequence[Participant]]
ReminderFn = Callable[[FireContext, datetime, Sequence[str]], None]  # due date, principals
DeadlineFn = Callable[[FireContext, str, Sequence[str]], None]  # trigger fired, principals
TickFn = Callable[["Session", datetime], int]  # a scheduled job: returns how much it did


@dataclass
class Registry:
    """The names a definition may use, each bound to a function."""

    roles: dict[str, RoleFn] = field(default_factory=dict)
    guards: dict[str, GuardFn] = field(default_factory=dict)
    effects: dict[str, EffectFn] = field(default_factory=dict)
    resolvers: dict[str, ResolverFn] = field(default_factory=dict)
    data_roles: dict[str, DataRoleFn] = field(default_factory=dict)
    data_resolvers: dict[str, DataResolverFn] = field(default_factory=dict)
    reminder_hooks: list[ReminderFn] = field(default_factory=list)
    deadline_hooks: list[DeadlineFn] = field(default_factory=list)
    tick_jobs: list[TickFn] = field(default_factory=list)

    def role(self, name: str) -> Callable[[RoleFn], RoleFn]:
        """Register a role: a function from an instance's scope to the principals holding it."""
        return _register(self.roles, name, self.data_roles)

    def data_role(self, name: str) -> Callable[[DataRoleFn], DataRoleFn]:
        """Register a role read from the instance's data: `fn(scope, values) -> principals`.

        A definition names it with the data key to read: `roles: [{role: name, from: key}]`;
        `values` is `data_values(scope.data.get(key))` (e.g. the unit ids in data.parties).
        """
        return _register(self.data_roles, name, self.roles)

    def guard(self, name: str) -> Callable[[GuardFn], GuardFn]:
        """Register a guard: a predicate that must pass before a transition fires."""
        return _register(self.guards, name)

    def effect(self, name: str) -> Callable[[EffectFn], EffectFn]:
        """Register an effect: an action run in the firing transaction after the state changes."""
        return _register(self.effects, name)

    def resolver(self, name: str) -> Callable[[ResolverFn], ResolverFn]:
        """Register a resolver: the participants of a participation step."""
        return _register(self.resolvers, name, self.data_resolvers)

    def data_resolver(self, name: str) -> Callable[[DataResolverFn], DataResolverFn]:
        """Register a resolver read from the instance's data: `fn(ctx, values) -> participants`.

        A definition names it with the data key to read: `who: {resolver: name, from: key}`;
        `values` is `data_values(ctx.scope.data.get(key))` when the step is entered.
        """
        return _register(self.data_resolvers, name, self.resolvers)

    def on_reminder(self, fn: ReminderFn) -> ReminderFn:
        """Register a hook called when a reminder timer is due (e.g. to notify people)."""
        self.reminder_hooks.append(fn)
        return fn

    def on_deadline(self, fn: DeadlineFn) -> DeadlineFn:
        """Register a hook called after a deadline fired (with who held the tasks before)."""
        self.deadline_hooks.append(fn)
        return fn

    def on_tick(self, fn: TickFn) -> TickFn:
        """Register a job run at every tick in its own transaction (e.g. open due reviews).

        A job must be idempotent and safe when several tick processes run it at once.
        """
        self.tick_jobs.append(fn)
        return fn


def data_values(value: Any) -> tuple[Any, ...]:
    """Return a data value as the tuple a data role or resolver receives.

    A list (or tuple) gives its items, a missing or null value none, any other value itself:
    `[3, 5]` -> (3, 5), `None` -> (), `7` -> (7,).
    """
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(value)
    return (value,)


def _register(
    table: dict[str, Any], name: str, other: dict[str, Any] | None = None
) -> Callable[[Any], Any]:
    def decorate(fn: Any) -> Any:
        if name in table or (other is not None and name in other):
            raise ValueError(f"{name!r} is registered twice")
        table[name] = fn
        return fn

    return decorate

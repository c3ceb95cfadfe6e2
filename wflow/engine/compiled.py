"""A definition prepared for firing: its shared `transitions.Machine` and per-trigger plans.

Built once per (workflow, version) and shared by every instance and thread: the machine only
decides the destination of a trigger from a state (fired on a throwaway `_Proxy`, never
`add_model`), while the plans hold the registry functions resolved once by name, so the hot
path does no lookups by name and builds no objects but the proxy and the scope.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from transitions import Machine, MachineError

from wflow.engine.definition import DataRef, Definition, Participation, Transition
from wflow.engine.registry import (
    DataResolverFn,
    DataRoleFn,
    EffectFn,
    FireContext,
    GuardFn,
    Participant,
    Registry,
    ResolverFn,
    RoleFn,
    Scope,
    data_values,
)


class _Proxy:
    """The plain object a shared machine fires on: only a `state` attribute."""

    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


@dataclass(frozen=True, slots=True)
class Plan:
    """One transition from one source state, with its registry functions resolved."""

    transition: Transition
    roles: tuple[RoleFn, ...]
    guards: tuple[tuple[str, GuardFn], ...]
    effects: tuple[EffectFn, ...]

    def principals(self, scope: Scope) -> set[str]:
        """Return every principal that holds one of the transition's roles for `scope`."""
        out: set[str] = set()
        for role in self.roles:
            out.update(role(scope))
        return out

    def allows(self, principals: frozenset[str], scope: Scope) -> bool:
        """Tell whether an actor with `principals` holds one of the transition's roles."""
        for role in self.roles:
            for p in role(scope):
                if p in principals:
                    return True
        return False


class Compiled:
    """A definition with its shared machine, plans per (trigger, source) and state facts."""

    def __init__(self, definition: Definition, registry: Registry) -> None:
        self.definition = definition
        self.registry = registry
        d = definition
        non_final = [s for s, st in d.states.items() if not st.final]
        specs = []
        for t in d.transitions:
            sources = non_final if "*" in t.sources else list(t.sources)
            specs.append({"trigger": t.trigger, "source": sources, "dest": t.dest})
        self.machine = Machine(
            model=None,
            states=list(d.states),
            transitions=specs,
            initial=d.initial,
            auto_transitions=False,
            queued=False,
            send_event=False,
        )
        self._dests: dict[tuple[str, str], str | None] = {}
        self.plans: dict[tuple[str, str], Plan] = {}
        for t in d.transitions:
            plan = Plan(
                transition=t,
                roles=role_functions(registry, t.roles, t.data_roles),
                guards=tuple((g, registry.guards[g]) for g in t.guards),
                effects=tuple(registry.effects[e] for e in t.effects),
            )
            for s in non_final if "*" in t.sources else t.sources:
                self.plans.setdefault((t.trigger, s), plan)
        self.participation: dict[str, Participation] = {
            s: st.participation for s, st in d.states.items() if st.participation is not None
        }
        self.resolvers: dict[str, ResolverFn] = {
            s: _resolver(registry, part) for s, part in self.participation.items()
        }
        start = d.start
        self.start_roles: tuple[RoleFn, ...] = (
            () if start is None else role_functions(registry, start.roles, start.data_roles)
        )
        self.start_guards: tuple[tuple[str, GuardFn], ...] = (
            () if start is None else tuple((g, registry.guards[g]) for g in start.guards)
        )
        self.triggers: frozenset[str] = frozenset(
            [t.trigger for t in d.transitions]
            + [p for part in self.participation.values() for p in participation_triggers(part)]
        )
        # user-facing plans per state, for the task index and `available`
        self.user_plans: dict[str, tuple[Plan, ...]] = {
            s: tuple(
                self.plans[(t.trigger, s)]
                for t in d.transitions_from(s)
                if not t.system and (t.trigger, s) in self.plans
            )
            for s in d.states
        }
        # whether an instance in this state may have live timers
        self.has_deadline: dict[str, bool] = {
            s: st.deadline is not None for s, st in d.states.items()
        }
        # whether each (state, trigger) a task row can hold is work (`Definition.is_work`)
        self.work: dict[tuple[str, str], bool] = {
            (s, t): d.is_work(s, t) for s in d.states for t in self.triggers
        }

    def dest(self, trigger: str, state: str) -> str | None:
        """Return where `trigger` leads from `state` (the machine decides), None if nowhere.

        The machine has no conditions and no callbacks, so its answer depends on (trigger,
        state) alone: it is asked once per pair and its answer remembered.
        """
        key = (trigger, state)
        if key in self._dests:
            return self._dests[key]
        event = self.machine.events.get(trigger)
        dest: str | None = None
        if event is not None:
            proxy = _Proxy(state)
            try:
                event.trigger(proxy)
                dest = proxy.state
            except MachineError:
                dest = None
        self._dests[key] = dest
        return dest


def role_functions(
    registry: Registry, names: tuple[str, ...], refs: tuple[DataRef, ...]
) -> tuple[RoleFn, ...]:
    """Return the role functions of a roles list, data roles bound to the key they read."""
    plain = tuple(registry.roles[r] for r in names)
    return plain + tuple(_data_role(registry.data_roles[r.name], r.key) for r in refs)


def _data_role(fn: DataRoleFn, key: str) -> RoleFn:
    def role(scope: Scope) -> Iterable[str]:
        return fn(scope, data_values(scope.data.get(key)))

    return role


def _resolver(registry: Registry, part: Participation) -> ResolverFn:
    if part.who_from is None:
        return registry.resolvers[part.who]
    return _data_resolver(registry.data_resolvers[part.who], part.who_from)


def _data_resolver(fn: DataResolverFn, key: str) -> ResolverFn:
    def resolver(ctx: FireContext) -> Sequence[Participant]:
        return fn(ctx, data_values(ctx.scope.data.get(key)))

    return resolver


def participation_triggers(part: Participation) -> Iterable[str]:
    """Return the act / refuse / abstain triggers of a participation step."""
    return [t for t in (part.act, part.refuse, part.abstain) if t]

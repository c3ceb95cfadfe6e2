"""Checks that need the whole definition: state names, the graph, participation, registry."""

from __future__ import annotations

import difflib
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from wflow.engine.definition import TAGS, DataRef, Definition, Label, Start, State, Transition
from wflow.engine.errors import DefinitionProblem
from wflow.engine.registry import Registry

NodePath = tuple[str | int, ...]  # keys and list indexes from the YAML root


@dataclass
class Draft:
    """What the loader could read from one file, with the line of every YAML node."""

    path: str
    text: str
    lines: dict[NodePath, int]
    name: str | None = None
    version: int | None = None
    label: Label | None = None
    initial: str | None = None
    states: dict[str, State] = field(default_factory=dict)
    transitions: list[tuple[int, Transition]] = field(default_factory=list)  # (YAML index, t)
    graph_complete: bool = True  # False when a state or transition could not be read
    partial: set[int] = field(default_factory=set)  # transitions read with some problem
    start: Start | None = None
    start_partial: bool = False  # `start` was read with some problem
    own_tags: dict[str, str] = field(default_factory=dict)  # the top-level `tags:` map
    tag_order: dict[str, tuple[str, ...]] = field(default_factory=dict)  # state -> its tags list

    def definition(self) -> Definition:
        """Return the frozen definition (only call when no problem was found)."""
        assert self.name and self.version and self.label and self.initial
        return Definition(
            name=self.name,
            version=self.version,
            initial=self.initial,
            label=self.label,
            states=dict(self.states),
            transitions=tuple(t for _, t in self.transitions),
            source=self.text,
            path=self.path,
            start=self.start,
            own_tags=dict(self.own_tags),
        )


def suggest(name: str, candidates: Iterable[str], kind: str) -> str:
    """Return a fix sentence naming the closest candidate, or listing the known ones."""
    known = sorted(candidates)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`?"
    if not known:
        return f"no {kind} is known here; remove `{name}` or declare it"
    shown = ", ".join(f"`{k}`" for k in known[:12])
    return f"use one of: {shown}" + (", …" if len(known) > 12 else "")


def validate(draft: Draft, registry: Registry) -> list[DefinitionProblem]:
    """Return every cross-reference, graph and registry problem of `draft`."""
    checker = _Checker(draft, registry)
    checker.run()
    return checker.problems


class _Checker:
    def __init__(self, draft: Draft, registry: Registry) -> None:
        self.d = draft
        self.registry = registry
        self.problems: list[DefinitionProblem] = []

    def report(self, path: NodePath, message: str, fix: str) -> None:
        line = 0
        for cut in range(len(path), 0, -1):  # the deepest node that has a line
            if path[:cut] in self.d.lines:
                line = self.d.lines[path[:cut]]
                break
        self.problems.append(DefinitionProblem(self.d.path, line, message, fix))

    def covers(self, t: Transition, state: str) -> bool:
        final = self.d.states[state].final if state in self.d.states else False
        return state in t.sources or ("*" in t.sources and not final)

    def run(self) -> None:
        initial_ok = self.check_initial()
        implicit = self.implicit_triggers()
        for index, t in self.d.transitions:
            self.check_transition(index, t, implicit, index in self.d.partial)
        self.check_duplicates()
        for state in self.d.states.values():
            self.check_state(state)
            self.check_tags(state)
        self.check_own_tags()
        if self.d.start is not None and not self.d.start_partial:
            self.check_start(self.d.start)
        if initial_ok and self.d.graph_complete:
            self.check_reachable()
            self.check_exits()

    def check_initial(self) -> bool:
        initial = self.d.initial
        if initial is None:
            return False
        if initial not in self.d.states:
            self.report(
                ("initial",),
                f"initial state `{initial}` is not declared under `states`",
                suggest(initial, self.d.states, "state"),
            )
            return False
        if self.d.states[initial].final:
            self.report(
                ("initial",),
                f"initial state `{initial}` is final, so nothing could ever happen",
                "start from a non-final state",
            )
        return True

    def implicit_triggers(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for state in self.d.states.values():
            p = state.participation
            if p is not None:
                for trigger in (p.act, p.refuse, p.abstain):
                    if trigger:
                        found.setdefault(trigger, state.name)
        return found

    def check_transition(
        self, i: int, t: Transition, implicit: dict[str, str], partial: bool
    ) -> None:
        at: NodePath = ("transitions", i)
        if t.trigger in implicit:
            self.report(
                (*at, "trigger"),
                f"`{t.trigger}` is a participation trigger of state `{implicit[t.trigger]}`"
                " and must not be declared as a transition",
                "remove this transition: the engine records each participant's act and fires"
                " `on_complete` / `on_refuse` itself",
            )
        listed = t.sources != ("*",)
        for j, source in enumerate(t.sources):
            where: NodePath = (*at, "source", j) if listed else (*at, "source")
            if source == "*":
                continue
            if source not in self.d.states:
                self.report(
                    where,
                    f"transition `{t.trigger}`: unknown source state `{source}`",
                    suggest(source, self.d.states, "state"),
                )
            elif self.d.states[source].final:
                self.report(
                    where,
                    f"transition `{t.trigger}` leaves final state `{source}`",
                    f"remove `{source}` from the source, or drop `final: true` from it",
                )
        if t.dest not in self.d.states:
            self.report(
                (*at, "dest"),
                f"transition `{t.trigger}`: unknown destination state `{t.dest}`",
                suggest(t.dest, self.d.states, "state"),
            )
        if t.system and (t.roles or t.data_roles):
            self.report(
                (*at, "roles"),
                f"system transition `{t.trigger}` lists roles, but only the engine fires it",
                "remove `roles`, or drop `system: true` if people fire it",
            )
        if partial:  # a list or flag could not be read: it was already reported
            return
        if not t.system and not t.roles and not t.data_roles:
            self.report(
                at,
                f"transition `{t.trigger}` has no roles, so nobody could fire it",
                "add `roles: [...]`, or `system: true` if only the engine fires it",
            )
        self.check_roles(at, t.roles, t.data_roles)
        self.check_registered(at, "guards", t.guards, self.registry.guards, "guard")
        self.check_registered(at, "effects", t.effects, self.registry.effects, "effect")

    def check_roles(self, at: NodePath, plain: tuple[str, ...], refs: tuple[DataRef, ...]) -> None:
        """Check a roles list: plain names are roles, `{role, from}` items data roles."""
        items = [j for j in range(len(plain) + len(refs)) if (*at, "roles", j) in self.d.lines]
        ref_at = [j for j in items if (*at, "roles", j, "role") in self.d.lines]
        plain_at = [j for j in items if j not in ref_at]
        roles, data_roles = self.registry.roles, self.registry.data_roles
        for j, name in zip(plain_at, plain, strict=False):
            if name in roles:
                continue
            if name in data_roles:
                self.report(
                    (*at, "roles", j),
                    f"role `{name}` reads the instance's data: it needs the key to read",
                    f"write `{{role: {name}, from: <data key>}}`, e.g. `from: parties`",
                )
            else:
                self.report(
                    (*at, "roles", j),
                    f"unknown role `{name}` (not in the registry)",
                    suggest(name, [*roles, *data_roles], "role")
                    + " (or register it with `registry.role`)",
                )
        for j, ref in zip(ref_at, refs, strict=False):
            if ref.name in data_roles:
                continue
            where = (*at, "roles", j, "role")
            if ref.name in roles:
                self.report(
                    where,
                    f"role `{ref.name}` does not read the instance's data",
                    f"write `{ref.name}` alone, or register a data role with `registry.data_role`",
                )
            else:
                self.report(
                    where,
                    f"unknown data role `{ref.name}` (not in the registry)",
                    suggest(ref.name, data_roles, "data role")
                    + " (or register it with `registry.data_role`)",
                )

    def check_who(self, pat: NodePath, who: str, key: str | None) -> None:
        """Check `who`: a resolver, or `{resolver, from}` naming a data resolver."""
        resolvers, data_resolvers = self.registry.resolvers, self.registry.data_resolvers
        if key is None and who in data_resolvers:
            self.report(
                (*pat, "who"),
                f"resolver `{who}` reads the instance's data: it needs the key to read",
                f"write `who: {{resolver: {who}, from: <data key>}}`, e.g. `from: parties`",
            )
        elif key is not None and who in resolvers:
            self.report(
                (*pat, "who", "resolver"),
                f"resolver `{who}` does not read the instance's data",
                f"write `who: {who}`, or register a data resolver with `registry.data_resolver`",
            )
        elif key is None and who not in resolvers:
            self.report(
                (*pat, "who"),
                f"unknown resolver `{who}` (not in the registry)",
                suggest(who, [*resolvers, *data_resolvers], "resolver")
                + " (or register it with `registry.resolver`)",
            )
        elif key is not None and who not in data_resolvers:
            self.report(
                (*pat, "who", "resolver"),
                f"unknown data resolver `{who}` (not in the registry)",
                suggest(who, data_resolvers, "data resolver")
                + " (or register it with `registry.data_resolver`)",
            )

    def check_tags(self, state: State) -> None:
        known = {*TAGS, *self.d.own_tags} - {"final"}
        for j, tag in enumerate(self.d.tag_order.get(state.name, ())):
            where: NodePath = ("states", state.name, "tags", j)
            if tag == "final":
                self.report(
                    where,
                    "tag `final` is never written: `final: true` implies it",
                    "remove `final` from `tags`"
                    + ("" if state.final else ", and write `final: true` if the state ends it"),
                )
            elif tag not in known:
                self.report(
                    where,
                    f"unknown tag `{tag}` on state `{state.name}`",
                    suggest(tag, known, "tag")
                    + " (or declare it in the top-level `tags:` with its meaning)",
                )

    def check_own_tags(self) -> None:
        used = {tag for state in self.d.states.values() for tag in state.tags}
        for tag in self.d.own_tags:
            if tag in TAGS:
                self.report(
                    ("tags", tag),
                    f"`{tag}` is a built-in tag: it is not declared again",
                    f"remove `{tag}` from the top-level `tags:`",
                )
            elif tag not in used and self.d.graph_complete:
                self.report(
                    ("tags", tag),
                    f"tag `{tag}` is declared but no state carries it",
                    f"add `tags: [{tag}]` to a state, or remove the declaration",
                )

    def check_start(self, start: Start) -> None:
        self.check_roles(("start",), start.roles, start.data_roles)
        self.check_registered(("start",), "guards", start.guards, self.registry.guards, "guard")

    def check_registered(
        self, at: NodePath, key: str, names: tuple[str, ...], known: Iterable[str], kind: str
    ) -> None:
        table = set(known)
        for j, name in enumerate(names):
            if name not in table:
                self.report(
                    (*at, key, j),
                    f"unknown {kind} `{name}` (not in the registry)",
                    suggest(name, table, kind) + f" (or register it with `registry.{kind}`)",
                )

    def check_duplicates(self) -> None:
        seen: dict[tuple[str, str], int] = {}
        kinds: dict[str, tuple[bool, int]] = {}
        for i, t in self.d.transitions:
            line = self.d.lines.get(("transitions", i), 0)
            if t.trigger in kinds and kinds[t.trigger][0] != t.system:
                self.report(
                    ("transitions", i, "trigger"),
                    f"trigger `{t.trigger}` is a system trigger in one transition and not in"
                    f" another (line {kinds[t.trigger][1]})",
                    "give the engine's trigger and the people's trigger different names",
                )
            kinds.setdefault(t.trigger, (t.system, line))
            states = [s for s in self.d.states if self.covers(t, s)]
            for state in states:
                key = (t.trigger, state)
                if key in seen:
                    self.report(
                        ("transitions", i, "trigger"),
                        f"trigger `{t.trigger}` from state `{state}` is already declared on"
                        f" line {seen[key]}",
                        "merge the two transitions or rename one trigger",
                    )
                else:
                    seen[key] = line

    def check_state(self, state: State) -> None:
        at: NodePath = ("states", state.name)
        p, deadline = state.participation, state.deadline
        if state.final and (p is not None or deadline is not None):
            key = "participation" if p is not None else "deadline"
            self.report(
                (*at, key),
                f"final state `{state.name}` has a {key}, but nothing can leave a final state",
                f"remove `{key}`, or drop `final: true`",
            )
            return
        if p is not None:
            pat: NodePath = (*at, "participation")
            self.check_who(pat, p.who, p.who_from)
            self.check_registered(pat, "guards", p.guards, self.registry.guards, "guard")
            names = {"act": p.act, "refuse": p.refuse, "abstain": p.abstain}
            names |= {"on_complete": p.on_complete, "on_refuse": p.on_refuse}
            seen: dict[str, str] = {}
            for key, trigger in names.items():
                if trigger and trigger in seen:
                    self.report(
                        (*pat, key),
                        f"`{key}` and `{seen[trigger]}` both name trigger `{trigger}`",
                        "give each participation trigger its own name",
                    )
                elif trigger:
                    seen[trigger] = key
            manual = p.complete.kind == "manual"
            if (p.refuse or p.abstain) and not p.on_refuse and not manual:
                self.report(
                    pat,
                    f"participation in `{state.name}` can fail but has no `on_refuse`",
                    "add `on_refuse: <system trigger>` to leave the state when the rule can"
                    " no longer be met",
                )
            if p.require_refuse and not p.refuse:
                self.report(
                    (*pat, "require_refuse"),
                    "`require_refuse` without a `refuse` trigger",
                    "add `refuse: decline` or remove `require_refuse`",
                )
            if p.require_refuse and p.secret:
                self.report(
                    (*pat, "require_refuse"),
                    "`require_refuse` in a secret step would keep a reason beside the voter",
                    "remove `require_refuse` or `secret: true`",
                )
            if p.on_complete:
                self.check_fired(state, p.on_complete, (*pat, "on_complete"))
            if p.on_refuse:
                self.check_fired(state, p.on_refuse, (*pat, "on_refuse"))
        if deadline is not None:
            self.check_fired(state, deadline.fire, (*at, "deadline", "fire"))

    def check_fired(self, state: State, trigger: str, at: NodePath) -> None:
        named = [t for _, t in self.d.transitions if t.trigger == trigger]
        leaving = [t for t in named if self.covers(t, state.name)]
        if not named:
            self.report(
                at,
                f"the engine fires `{trigger}` in state `{state.name}`, but no transition"
                " has that trigger",
                f"add `{{trigger: {trigger}, source: {state.name}, dest: …, system: true,"
                " label: …}`",
            )
        elif not leaving:
            self.report(
                at,
                f"the engine fires `{trigger}` in state `{state.name}`, but no `{trigger}`"
                f" transition has `{state.name}` as its source",
                f"add `{state.name}` to the source of the `{trigger}` transition",
            )
        elif not all(t.system for t in leaving):
            self.report(
                at,
                f"`{trigger}` is fired by the engine in state `{state.name}`, but its"
                " transition is not `system: true`",
                f"mark the `{trigger}` transition `system: true` and remove its roles",
            )

    def check_reachable(self) -> None:
        assert self.d.initial is not None
        reached = {self.d.initial}
        queue = deque([self.d.initial])
        while queue:
            state = queue.popleft()
            for _, t in self.d.transitions:
                if self.covers(t, state) and t.dest in self.d.states and t.dest not in reached:
                    reached.add(t.dest)
                    queue.append(t.dest)
        for name in self.d.states:
            if name not in reached:
                self.report(
                    ("states", name),
                    f"state `{name}` cannot be reached from the initial state `{self.d.initial}`",
                    f"add a transition with `dest: {name}`, or remove the state",
                )

    def check_exits(self) -> None:
        for name, state in self.d.states.items():
            if state.final:
                continue
            if not any(self.covers(t, name) and t.dest != name for _, t in self.d.transitions):
                self.report(
                    ("states", name),
                    f"non-final state `{name}` has no way out (no transition leads elsewhere)",
                    "add a transition from it, or mark it `final: true`",
                )

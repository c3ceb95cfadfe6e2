"""Typed, frozen model of a workflow definition (what a `workflows/*.yaml` file declares)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from fractions import Fraction
from typing import Literal

LOCALES: tuple[str, ...] = ("vi", "en", "fr", "hu")

# The built-in state tags: what domain code may ask of any workflow's states (documented in
# workflows/README.md, "State tags"). A workflow adds its own in its top-level `tags:` map.
TAGS: dict[str, str] = {
    "editable": "the subject's owner may still change its content",
    "commentable": "the parties may comment on the subject (a consultation is open)",
    "answerable": "the owner may answer the comments received",
    "signing": "the parties are signing",
    "voting": "the participants are voting",
    "approved": "approved, waiting for its final act (publication, decision)",
    "published": "published: the subject is issued and applies",
    "in_force": "in force: binds its parties",
    "decided": "a decision was taken on it (it stays decided when later revoked)",
    "counted": "its results count (scoreboards, rankings, year-end results)",
    "done": "its work is finished: its results no longer change",
    "dropped": "ended without effect (withdrawn, rejected, cancelled)",
    "final": "a final state (never written: implied by `final: true`)",
}
SCOPES: dict[str, tuple[str, ...]] = {  # what an instance is about -> Scope fields it needs
    "unit": ("unit_id",),
    "block": ("block_id", "year"),
    "council": (),
}


@dataclass(frozen=True, slots=True)
class Label:
    """A text in every UI language; `get` falls back to Vietnamese, then to the key."""

    vi: str
    en: str
    fr: str
    hu: str

    def get(self, locale: str) -> str:
        """Return the label in `locale` (vi when unknown)."""
        return str(getattr(self, locale, None) or self.vi)


@dataclass(frozen=True, slots=True)
class Completion:
    """When a participation step is decided.

    kind:
      - "all": every participant acts; any refusal fails it.
      - "any": one act completes it; it fails when every participant refused.
      - "at_least": `count` acts, or `fraction` of the base, complete it.
      - "manual": the engine only records each answer and never decides the step; a
        transition leaving the state decides it (e.g. a closing trigger whose guard counts
        the answers against a rule kept in the domain's data).
    `quorum` (a fraction of all participants) must have taken part (acted, refused or
    abstained) before success can be declared; `of` says whether `fraction` counts all
    participants or only those present (who took part).
    The step is decided as soon as the outcome is certain: success when the rule is met,
    refusal when it can no longer be met.
    """

    kind: Literal["all", "any", "at_least", "manual"]
    count: int | None = None
    fraction: Fraction | None = None
    quorum: Fraction | None = None
    of: Literal["all", "present"] = "all"


@dataclass(frozen=True, slots=True)
class DataRef:
    """A registered name applied to a value of the instance's data.

    `{role: unit_head_of, from: parties}` in YAML: the data role `unit_head_of` receives the
    list stored in the instance's `data["parties"]`.
    """

    name: str  # a registered data role or data resolver
    key: str  # the key in the instance's data it reads

    def __str__(self) -> str:
        """Return `name(key)`, as diagrams and messages show it."""
        return f"{self.name}({self.key})"


@dataclass(frozen=True, slots=True)
class Participation:
    """A multi-party step: every participant from `who` acts, refuses or abstains once."""

    who: str  # name of a registered resolver (a data resolver when `who_from` is set)
    act: str  # trigger a participant fires to act (sign, vote yes)
    refuse: str | None  # trigger a participant fires to refuse (decline, vote no)
    abstain: str | None  # trigger to abstain (counts as present, neither yes nor no)
    complete: Completion
    on_complete: str | None  # system trigger fired once when the rule is met (None: manual)
    on_refuse: str | None  # system trigger fired once when the rule can no longer be met
    order: Literal["parallel", "sequential"] = "parallel"
    secret: bool = False  # the audit event of each act omits the choice; others see tallies
    require_refuse: tuple[str, ...] = ()  # fields a refusal must carry (e.g. reason)
    guards: tuple[str, ...] = ()  # registered guards an act must pass (e.g. the signed file)
    who_from: str | None = None  # data key whose value the data resolver `who` receives


@dataclass(frozen=True, slots=True)
class Deadline:
    """A timer set when the state is entered: `after` a duration or `at` a date in data."""

    fire: str  # system trigger fired when due
    after: timedelta | None = None
    at: str | None = None  # key in the instance's data holding an ISO date/datetime
    remind_before: tuple[timedelta, ...] = ()


@dataclass(frozen=True, slots=True)
class State:
    """A state of the workflow."""

    name: str
    label: Label
    final: bool = False
    participation: Participation | None = None
    deadline: Deadline | None = None
    line: int = 0  # line in the source file, for error messages
    tags: frozenset[str] = frozenset()  # as written (`final` is implied, see Definition.tagged)


@dataclass(frozen=True, slots=True)
class Transition:
    """A named trigger moving an instance from one of `sources` to `dest`."""

    trigger: str
    sources: tuple[str, ...]  # ("*",) means any non-final state
    dest: str
    label: Label
    roles: tuple[str, ...] = ()  # registered role names; no role at all and not system: nobody
    guards: tuple[str, ...] = ()  # registered guard names, all must pass
    require: tuple[str, ...] = ()  # keys the actor must give in `data`, non-empty
    effects: tuple[str, ...] = ()  # registered effect names, run in order, same transaction
    system: bool = False  # only the engine fires it (timers, participation completion)
    line: int = 0
    data_roles: tuple[DataRef, ...] = ()  # roles read from the instance's data


@dataclass(frozen=True, slots=True)
class Start:
    """Who may start an instance, what it is about, and what the starter must give.

    Checked by `Engine.start` for people; code starting as the system actor skips the roles,
    required data and guards (it is trusted), but not the scope.
    """

    scope: Literal["unit", "block", "council"]  # the Scope fields it needs: see SCOPES
    roles: tuple[str, ...] = ()  # registered roles on the new instance; none: only code
    data_roles: tuple[DataRef, ...] = ()  # roles read from the new instance's data
    require: tuple[str, ...] = ()  # keys the new instance's data must hold, non-empty
    guards: tuple[str, ...] = ()  # registered guards (ctx.instance_id is 0, ctx.state "")
    line: int = 0


@dataclass(frozen=True, slots=True)
class Definition:
    """One version of one workflow."""

    name: str
    version: int
    initial: str
    label: Label
    states: dict[str, State] = field(hash=False)
    transitions: tuple[Transition, ...]
    source: str = ""  # the YAML text it was parsed from (stored per version)
    path: str = ""  # the file it came from, for messages
    start: Start | None = None  # None: only code starts it, unchecked
    own_tags: dict[str, str] = field(default_factory=dict, hash=False)  # tag -> meaning

    def tagged(self, tag: str) -> frozenset[str]:
        """Return the names of the states carrying `tag` (`final: true` implies `final`).

        An unknown tag carries no state: the result is empty.
        """
        return frozenset(name for name, st in self.states.items() if _has(st, tag))

    def has_tag(self, state: str, tag: str) -> bool:
        """Tell whether `state` carries `tag` (KeyError for a state not in this version)."""
        return _has(self.states[state], tag)

    def is_work(self, state: str, trigger: str) -> bool:
        """Tell whether `trigger` in `state` is work to do, not an option that stays available.

        A participant's act (or refusal, or abstention) is work. A transition is not when it
        loops on its state, asks for a reason (an exception: revoke, withdraw, return,
        reject), ends without effect (`dropped`), or only hastens what the state's deadline
        does anyway (closing a pact in force, ending a consultation early).
        """
        st = self.states.get(state)
        if st is None:
            return False
        part = st.participation
        if part is not None and trigger in (part.act, part.refuse, part.abstain):
            return True
        moves = [t for t in self.transitions_from(state) if t.trigger == trigger and not t.system]
        if not moves:
            return False
        move = moves[0]
        if move.dest == state or "reason" in move.require or self.has_tag(move.dest, "dropped"):
            return False
        if st.deadline is not None:
            timed = [t.dest for t in self.transitions_from(state) if t.trigger == st.deadline.fire]
            if move.dest in timed:
                return False
        return True

    def transitions_from(self, state: str) -> tuple[Transition, ...]:
        """Return the transitions whose source includes `state` (`*` matches non-final)."""
        final = self.states[state].final
        return tuple(
            t for t in self.transitions if state in t.sources or ("*" in t.sources and not final)
        )


def _has(state: State, tag: str) -> bool:
    return tag in state.tags or (tag == "final" and state.final)

"""Small workflow definitions and a registry for the runtime tests, built in Python.

The pact flow: a unit head drafts and submits, the block leader opens signing (the pact needs a
title), every member unit's head signs (or declines with a reason), the secretariat closes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from wflow.engine import (
    Actor,
    Completion,
    Deadline,
    Definition,
    FireContext,
    Label,
    Participant,
    Participation,
    Registry,
    Scope,
    State,
    Transition,
)


def label(text: str) -> Label:
    """Return the same text in every language."""
    return Label(vi=text, en=text, fr=text, hu=text)


def t(trigger: str, source: str | tuple[str, ...], dest: str, **kw: Any) -> Transition:
    """Return a transition (one source or several)."""
    sources = (source,) if isinstance(source, str) else source
    return Transition(trigger=trigger, sources=sources, dest=dest, label=label(trigger), **kw)


def s(name: str, **kw: Any) -> State:
    """Return a state."""
    return State(name=name, label=label(name), **kw)


def definition(
    name: str,
    version: int,
    initial: str,
    states: Sequence[State],
    transitions: Sequence[Transition],
) -> Definition:
    """Return a definition from its parts."""
    return Definition(
        name=name, version=version, initial=initial, label=label(name),
        states={st.name: st for st in states}, transitions=tuple(transitions),
        source=f"# {name} v{version}\n", path=f"workflows/{name}.yaml",
    )  # fmt: skip


def signing(complete: Completion, **kw: Any) -> Participation:
    """Return the signing step of the pact flow with a given completion rule."""
    base: dict[str, Any] = dict(
        who="member_heads", act="sign", refuse="decline", abstain="abstain", complete=complete,
        on_complete="all_signed", on_refuse="declined", require_refuse=("reason",),
    )  # fmt: skip
    base.update(kw)
    return Participation(**base)


def pact(complete: Completion | None = None, version: int = 1, **participation: Any) -> Definition:
    """Return the pact flow (signing by all member heads unless told otherwise)."""
    part = signing(complete or Completion(kind="all"), **participation)
    return definition(
        "pact", version, "draft",
        [
            s("draft"),
            s("submitted"),
            s("signing", participation=part,
              deadline=Deadline(fire="expire", after=timedelta(days=21),
                                remind_before=(timedelta(days=3), timedelta(days=1)))),
            s("in_force", deadline=Deadline(fire="mark_late", at="report_due")),
            s("closed", final=True),
        ],
        [
            t("submit", "draft", "submitted", roles=("unit_head",), effects=("note",)),
            t("reject", "submitted", "draft", roles=("block_leader",), require=("reason",)),
            t("open_signing", "submitted", "signing", roles=("block_leader",),
              guards=("has_title",), effects=("note",)),
            t("all_signed", "signing", "in_force", system=True, effects=("note",)),
            t("declined", "signing", "draft", system=True),
            t("expire", "signing", "draft", system=True),
            t("mark_late", "in_force", "in_force", system=True),
            t("close", "in_force", "closed", roles=("secretariat",)),
        ],
    )  # fmt: skip


def approval(version: int = 1) -> Definition:
    """Return the bench's flow: draft -> submitted -> reviewed -> approved."""
    return definition(
        "approval", version, "draft",
        [s("draft"), s("submitted"), s("reviewed"), s("approved", final=True)],
        [
            t("submit", "draft", "submitted", roles=("unit_head",)),
            t("review", "submitted", "reviewed", roles=("block_leader",)),
            t("approve", "reviewed", "approved", roles=("secretariat",)),
            t("withdraw", ("submitted", "reviewed"), "draft", roles=("unit_head",)),
        ],
    )  # fmt: skip


@dataclass
class Journal:
    """What the test registry's effects and hooks saw."""

    effects: list[tuple[str, str, int]] = field(default_factory=list)
    reminders: list[tuple[int, datetime, tuple[str, ...]]] = field(default_factory=list)
    fail_effect: bool = False


def make_registry(journal: Journal) -> Registry:
    """Return the registry the test flows use, recording into `journal`."""
    reg = Registry()

    @reg.role("unit_head")
    def unit_head(scope: Scope) -> Iterable[str]:
        return [f"unit:{scope.unit_id}:head"]

    @reg.role("block_leader")
    def block_leader(scope: Scope) -> Iterable[str]:
        return [f"block:{scope.block_id}:leader"]

    @reg.role("secretariat")
    def secretariat(scope: Scope) -> Iterable[str]:
        return ["secretariat"]

    @reg.guard("has_title")
    def has_title(ctx: FireContext) -> bool | str:
        return True if ctx.scope.data.get("title") else "The pact has no title yet."

    @reg.effect("note")
    def note(ctx: FireContext) -> None:
        if journal.fail_effect:
            raise RuntimeError("effect failed")
        assert ctx.transition is not None
        journal.effects.append((ctx.transition.trigger, ctx.state, ctx.instance_id))

    @reg.resolver("member_heads")
    def member_heads(ctx: FireContext) -> Sequence[Participant]:
        last = ctx.scope.data.get("last")  # a unit whose stage opens after the others
        return [
            Participant(key=f"unit:{u}", principal=f"unit:{u}:head", label=f"Unit {u}",
                        stage=int(u == last))
            for u in ctx.scope.data.get("members", [])
        ]  # fmt: skip

    @reg.data_role("unit_head_of")
    def unit_head_of(scope: Scope, units: Sequence[Any]) -> Iterable[str]:
        return [f"unit:{u}:head" for u in units]

    @reg.data_resolver("unit_heads")
    def unit_heads(ctx: FireContext, units: Sequence[Any]) -> Sequence[Participant]:
        return [Participant(key=f"unit:{u}", principal=f"unit:{u}:head", label=f"Unit {u}")
                for u in units]  # fmt: skip

    @reg.guard("two_parties")
    def two_parties(ctx: FireContext) -> bool | str:
        return len(ctx.scope.data.get("parties") or ()) >= 2 or "Name at least two parties."

    @reg.on_reminder
    def remind(ctx: FireContext, due: datetime, principals: Sequence[str]) -> None:
        journal.reminders.append((ctx.instance_id, due, tuple(principals)))

    return reg


def head(unit: int, user: int | None = None) -> Actor:
    """Return the head of a unit."""
    return Actor(user_id=user or 100 + unit, unit_id=unit, principals=frozenset(
        {f"unit:{unit}:head", f"unit:{unit}:member"}), name=f"Head {unit}")  # fmt: skip


LEADER = Actor(user_id=7, unit_id=1, principals=frozenset({"block:3:leader", "unit:1:head"}),
               name="Leader")  # fmt: skip
SECRETARIAT = Actor(user_id=9, unit_id=None, principals=frozenset({"secretariat"}), name="Sec")
STRANGER = Actor(user_id=99, unit_id=99, principals=frozenset({"unit:99:head"}), name="Nobody")
SCOPE = Scope("pact", 1, unit_id=1, block_id=3, year=2025,
              data={"title": "Pact 2025", "members": [1, 2, 3]})  # fmt: skip
TWO_THIRDS = Completion(kind="at_least", fraction=Fraction(2, 3))


def snapshot(session: Any) -> dict[str, Any]:
    """Return everything the engine may write, to assert a refusal changed nothing."""
    import sqlalchemy as sa

    from wflow.engine.tables import TABLES

    conn = session.connection()
    out: dict[str, Any] = {}
    for table in TABLES:
        rows = conn.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        out[table.name] = [tuple(r) for r in rows]
    return out

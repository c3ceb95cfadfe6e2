"""What the API accepts, read from the loaded workflow definitions: names, states, triggers.

One source for the OpenAPI document's enums and for the checks the fire route makes, so the
document says exactly what the server takes: a workflow name or state that no definition
has, a trigger people cannot fire (an engine-only one), a data field the trigger never takes
or a value not in its field's form is refused with a 422 by both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from wflow.engine import Definition

# A text a person gives with an action: not blank, no NUL (PostgreSQL refuses it).
TEXT = {
    "type": "string",
    "minLength": 1,
    "maxLength": 5000,
    "pattern": r"^[^\x00]*[^\s\x00][^\x00]*$",
}
# The form of the data fields a trigger requires; any other field is such a text.
FIELDS: dict[str, dict[str, Any]] = {
    "session_id": {"type": "string", "pattern": r"^[1-9][0-9]{0,8}$",
                   "description": "The id of a council session of the nomination's year."},
    "signing_until": {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                      "description": "The last day of signing (YYYY-MM-DD), within 90 days."},
    "consultation_until": {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                           "description": "The last day of the consultation (YYYY-MM-DD)."},
    "review_year": {"type": "string", "pattern": r"^[0-9]{4}$",
                    "description": "A year of the programme's period, up to this one."},
}  # fmt: skip


@dataclass(frozen=True)
class TriggerData:
    """The data a trigger takes: the fields it may carry and those it always requires."""

    fields: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Vocabulary:
    """The names, states and person-fired triggers of the loaded definitions."""

    states: dict[str, tuple[str, ...]]  # workflow -> its states, in definition order
    triggers: dict[str, TriggerData] = field(default_factory=dict)

    @property
    def workflows(self) -> list[str]:
        """Return the workflow names, sorted."""
        return sorted(self.states)

    @property
    def all_states(self) -> list[str]:
        """Return every state of every workflow, sorted, once each."""
        return sorted({s for states in self.states.values() for s in states})


def vocabulary(definitions: Iterable[Definition]) -> Vocabulary:
    """Return what the API accepts given the loaded definitions."""
    states: dict[str, tuple[str, ...]] = {}
    needs: dict[str, list[frozenset[str]]] = {}
    for defn in definitions:
        states[defn.name] = tuple(defn.states)
        for state in defn.states.values():
            part = state.participation
            if part is None:
                continue
            for act in (part.act, part.abstain):
                if act:
                    needs.setdefault(act, []).append(frozenset())
            if part.refuse:
                needs.setdefault(part.refuse, []).append(frozenset(part.require_refuse))
        for t in defn.transitions:
            if not t.system:
                needs.setdefault(t.trigger, []).append(frozenset(t.require))
    triggers = {
        name: TriggerData(frozenset().union(*sets), frozenset.intersection(*sets))
        for name, sets in sorted(needs.items())
    }
    return Vocabulary(states, triggers)


def field_schema(name: str) -> dict[str, Any]:
    """Return the JSON schema of the data field `name`."""
    return dict(FIELDS.get(name, TEXT))


def data_problems(vocab: Vocabulary, trigger: str, data: Mapping[str, str]) -> dict[str, str]:
    """Return the data fields at fault for `trigger` (unknown, or not in their form)."""
    taken = vocab.triggers.get(trigger, TriggerData()).fields
    problems: dict[str, str] = {}
    for key, value in data.items():
        if key not in taken:
            problems[f"data.{key}"] = "unknown"
            continue
        schema = field_schema(key)
        if not value.strip():
            continue  # blank: the engine names it as a required field missing
        if not re.search(schema["pattern"], value) or len(value) > schema.get("maxLength", 5000):
            problems[f"data.{key}"] = "form"
    return problems


def fire_request_schema(vocab: Vocabulary, version_schema: dict[str, Any]) -> dict[str, Any]:
    """Return the schema of a fire request: one branch per trigger, its data exactly."""
    branches = []
    for name, spec in vocab.triggers.items():
        data: dict[str, Any] = {
            "type": "object",
            "properties": {f: field_schema(f) for f in sorted(spec.fields)},
            "additionalProperties": False,
        }
        if spec.required:
            data["required"] = sorted(spec.required)
        branch: dict[str, Any] = {
            "type": "object",
            "properties": {
                "trigger": {"const": name},
                "data": data,
                "expected_version": version_schema,
            },
            "required": ["trigger", "data"] if spec.required else ["trigger"],
            "additionalProperties": False,
        }
        branches.append(branch)
    return {
        "title": "FireRequest",
        "description": "Fire a trigger: the data it requires and, to be safe, the version you "
        "saw. Each trigger takes exactly its own data fields.",
        "oneOf": branches,
    }

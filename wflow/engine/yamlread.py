"""Read composed YAML nodes into typed values, recording a located problem for each bad one."""

from __future__ import annotations

import difflib
import keyword
import re
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from wflow.engine.definition import LOCALES, Label
from wflow.engine.errors import DefinitionProblem
from wflow.engine.validate import NodePath

EXAMPLES = {  # what a fix proposes to add when a required key is missing
    "name": "`name: <the file name without .yaml>`",
    "version": "`version: 1`",
    "label": "`label: {vi: …, en: …, fr: …, hu: …}`",
    "initial": "`initial: <the first state>`",
    "states": "`states:` followed by one mapping per state",
    "transitions": "`transitions:` followed by a list of `{trigger, source, dest, label, roles}`",
    "who": "`who: <a registered resolver, e.g. block_member_heads>`",
    "act": "`act: sign`",
    "complete": '`complete: all` (or `complete: any`, or `complete: {at_least: "2/3"}`)',
    "on_complete": "`on_complete: <a system trigger leaving this state>`",
    "fire": "`fire: <a system trigger leaving this state>`",
    "trigger": "`trigger: submit`",
    "source": '`source: <a state, a list of states, or "*">`',
    "dest": "`dest: <a state>`",
    "at_least": '`at_least: 3` (or `"2/3"`, or `"90%"`)',
    "roles": "`roles: [a_registered_role]` (or `roles: []`: only code starts it)",
    "scope": "`scope: unit` (or `block`, or `council`)",
    "resolver": "`resolver: <a registered data resolver, e.g. unit_heads>`",
    "role": "`role: <a registered data role, e.g. unit_head_of>`",
    "from": "`from: <the key of the instance's data to read, e.g. parties>`",
}
_WHAT = {"complete": "completion rule `complete`"}
NAME_RE = re.compile(r"[a-z][a-z0-9_]*")
NAME_FIX = "use lowercase letters, digits and underscores, starting with a letter (e.g. `submit`)"
_STR, _INT, _BOOL = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:bool"
_DURATION = re.compile(
    r"P(?:(?P<w>\d+)W|(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?)"
)
DURATION_FIX = "write an ISO-8601 duration in weeks, days, hours, minutes or seconds, e.g. P21D"


class DurationError(ValueError):
    """A text that is not a duration wflow accepts; `fix` says what to write instead."""

    def __init__(self, message: str, fix: str = DURATION_FIX) -> None:
        super().__init__(message)
        self.fix = fix


def parse_duration(text: str) -> timedelta:
    """Parse an ISO-8601 duration (`P21D`, `PT12H`, `P1DT2H`, `P2W`) into a timedelta."""
    match = _DURATION.fullmatch(text)
    if match is None or text in ("P", "PT") or text.endswith("T"):
        if re.fullmatch(r"P(\d+Y)?(\d+M)?(\d+[WD])?(T.*)?", text) and re.match(r"P[^T]*[YM]", text):
            raise DurationError(
                f"`{text}` uses years or months, which have no fixed length",
                "write days or weeks instead, e.g. P30D for a month or P52W for a year",
            )
        raise DurationError(f"`{text}` is not an ISO-8601 duration")
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    result = timedelta(
        weeks=parts.get("w", 0),
        days=parts.get("d", 0),
        hours=parts.get("h", 0),
        minutes=parts.get("m", 0),
        seconds=parts.get("s", 0),
    )
    if result <= timedelta(0):
        raise DurationError(f"duration `{text}` is zero", "give a positive duration, e.g. P1D")
    return result


def parse_fraction(text: str) -> Fraction:
    """Parse `"2/3"` or `"90%"` into a Fraction in (0, 1]; raise ValueError otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    try:
        if match:
            value = Fraction(int(match[1]), int(match[2]))
        elif text.strip().endswith("%"):
            value = Fraction(Decimal(text.strip()[:-1])) / 100
        else:
            raise ValueError(text)
    except (ZeroDivisionError, InvalidOperation) as exc:
        raise ValueError(text) from exc
    if not 0 < value <= 1:
        raise ValueError(text)
    return value


def kind_of(node: Node) -> str:
    """Describe what a node holds, for messages (`a list`, `empty`, `text` …)."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return {
        "tag:yaml.org,2002:null": "empty",
        _INT: "a number",
        "tag:yaml.org,2002:float": "a number",
        _BOOL: "true/false",
        _STR: "text",
    }.get(node.tag, "a value")


def line_of(node: Node) -> int:
    """Return the 1-based line where a node starts."""
    return int(node.start_mark.line) + 1


def index_lines(
    node: Node, path: NodePath = (), out: dict[NodePath, int] | None = None
) -> dict[NodePath, int]:
    """Map the path of every key and list item in a composed YAML tree to its 1-based line."""
    out = {} if out is None else out
    out.setdefault(path, line_of(node))
    if len(path) > 12:  # recursive aliases
        return out
    if isinstance(node, MappingNode):
        for key, value in node.value:
            sub = (*path, str(key.value))
            out.setdefault(sub, line_of(key))
            index_lines(value, sub, out)
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            index_lines(item, (*path, i), out)
    return out


class NodeReader:
    """Reads YAML nodes into values, recording a problem for each wrong one."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[DefinitionProblem] = []
        self._constructor = SafeConstructor()

    def report(self, where: Node | int, message: str, fix: str) -> None:
        line = where if isinstance(where, int) else line_of(where)
        self.problems.append(DefinitionProblem(self.path, line, message, fix))

    def mapping(
        self, node: Node, what: str, keys: Mapping[str, bool], owner: Node | None = None
    ) -> dict[str, Node] | None:
        if not isinstance(node, MappingNode):
            self.report(
                owner or node,
                f"{what} must be a mapping, not {kind_of(node)}",
                f"write {what} as indented `key: value` lines or as `{{key: value}}`",
            )
            return None
        found: dict[str, Node] = {}
        first: dict[str, int] = {}
        for key_node, value in node.value:
            key = str(key_node.value) if isinstance(key_node, ScalarNode) else "?"
            if key in found:
                self.report(
                    key_node,
                    f"`{key}` appears twice in {what} (first on line {first[key]})",
                    "keep only one of them",
                )
            elif key not in keys:
                close = difflib.get_close_matches(key, list(keys), n=1, cutoff=0.6)
                fix = (
                    f"did you mean `{close[0]}`?"
                    if close
                    else "allowed keys here: " + ", ".join(f"`{k}`" for k in keys)
                )
                self.report(key_node, f"unknown key `{key}` in {what}", fix)
            else:
                found[key], first[key] = value, line_of(key_node)
        for key, required in keys.items():
            if required and key not in found:
                self.report(
                    owner or node,
                    f"{what} has no {_WHAT.get(key, f'`{key}`')} (required)",
                    f"add {EXAMPLES.get(key, f'`{key}: …`')}",
                )
        return found

    def value(self, node: Node) -> Any:
        try:
            return self._constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError):
            return None

    def name(self, node: Node, what: str) -> str | None:
        if not isinstance(node, ScalarNode) or node.tag != _STR:
            self.report(
                node,
                f"{what} must be a name, not {kind_of(node)}",
                NAME_FIX + "; quote words YAML reads as true/false/null",
            )
            return None
        if not NAME_RE.fullmatch(node.value) or keyword.iskeyword(node.value):
            self.report(node, f"{what} `{node.value}` is not a valid name", NAME_FIX)
            return None
        return str(node.value)

    def names(self, node: Node, what: str, single: bool = False) -> tuple[str, ...] | None:
        if single and isinstance(node, ScalarNode):
            one = self.name(node, what)
            return None if one is None else (one,)
        if not isinstance(node, SequenceNode):
            self.report(
                node,
                f"{what} must be a list of names, not {kind_of(node)}",
                "write a list such as `[first, second]`",
            )
            return None
        result: list[str] = []
        for item in node.value:
            one = self.name(item, f"an entry of {what}")
            if one is not None and one in result:
                self.report(item, f"`{one}` is listed twice in {what}", "list it once")
            elif one is not None:
                result.append(one)
        return tuple(result) if len(result) == len(node.value) else None

    def text(self, node: Node, what: str) -> str | None:
        if not isinstance(node, ScalarNode) or node.tag != _STR or not node.value.strip():
            self.report(
                node,
                f"{what} must be a non-empty text, not {kind_of(node)}",
                "write the text, quoted if it contains `:` or `#`",
            )
            return None
        return str(node.value)

    def flag(self, node: Node, what: str) -> bool | None:
        if not isinstance(node, ScalarNode) or node.tag != _BOOL:
            self.report(
                node,
                f"{what} must be true or false, not {kind_of(node)}",
                f"write `{what}: true` or remove it",
            )
            return None
        return bool(self.value(node))

    def choice(self, node: Node, what: str, options: tuple[str, ...]) -> str | None:
        if not isinstance(node, ScalarNode) or node.value not in options:
            self.report(
                node, f"{what} must be one of {', '.join(options)}", f"write `{what}: {options[0]}`"
            )
            return None
        return str(node.value)

    def label(self, node: Node, what: str, owner: Node | None = None) -> Label:
        keys = self.mapping(node, f"the label of {what}", {k: False for k in LOCALES}, owner)
        texts: dict[str, str] = {}
        if keys is not None:
            for locale in LOCALES:
                if locale not in keys:
                    self.report(
                        owner or node,
                        f"the label of {what} has no `{locale}` text",
                        f"add `{locale}: …`: every label needs vi, en, fr and hu",
                    )
                else:
                    texts[locale] = self.text(keys[locale], f"the `{locale}` label of {what}") or ""
        return Label(**{k: texts.get(k) or "?" for k in LOCALES})

    def duration(self, node: Node, what: str) -> timedelta | None:
        if not isinstance(node, ScalarNode) or node.tag != _STR:
            self.report(
                node, f"{what} must be an ISO-8601 duration, not {kind_of(node)}", DURATION_FIX
            )
            return None
        try:
            return parse_duration(node.value)
        except DurationError as exc:
            self.report(node, f"{what}: {exc}", exc.fix)
            return None

    def fraction(self, node: Node, what: str) -> Fraction | None:
        try:
            if isinstance(node, ScalarNode) and node.tag == _STR:
                return parse_fraction(node.value)
        except ValueError:
            pass
        self.report(
            node,
            f'{what} must be a fraction between 0 and 1, written "2/3" or "90%"',
            f'write `{what}: "2/3"` (quoted)',
        )
        return None

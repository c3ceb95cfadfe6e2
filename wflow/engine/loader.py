"""Parse `workflows/*.yaml` into frozen `Definition`s, reporting every problem with its line.

The schema (documented key by key in `workflows/README.md`) is the key tables below; each
`_read_*` function reads one section, `validate.py` checks what needs the whole file.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from wflow.engine.definition import (
    LOCALES,
    SCOPES,
    Completion,
    DataRef,
    Deadline,
    Definition,
    Label,
    Participation,
    Start,
    State,
    Transition,
)
from wflow.engine.errors import DefinitionError, DefinitionProblem
from wflow.engine.registry import Registry
from wflow.engine.validate import Draft, validate
from wflow.engine.yamlread import NodeReader, index_lines, kind_of, line_of

# key -> required?
TOP_KEYS = {
    **{k: True for k in ("name", "version", "label", "initial")},
    **{k: False for k in ("tags", "start")},
    **{k: True for k in ("states", "transitions")},
}
STATE_KEYS = {
    "label": True,
    **{k: False for k in ("final", "tags", "participation", "deadline")},
}
START_KEYS = {"roles": True, "scope": True, "require": False, "guards": False}
WHO_KEYS = {"resolver": True, "from": True}
ROLE_REF_KEYS = {"role": True, "from": True}
PARTICIPATION_KEYS = {
    **{k: True for k in ("who", "act", "complete")},
    **{k: False for k in ("refuse", "abstain", "quorum", "of", "on_refuse", "order", "secret")},
    "on_complete": False,  # required unless `complete: manual` (checked in _read_participation)
    "require_refuse": False,
    "guards": False,
}
DEADLINE_KEYS = {"fire": True, "after": False, "at": False, "remind_before": False}
TRANSITION_KEYS = {
    **{k: True for k in ("trigger", "source", "dest", "label")},
    **{k: False for k in ("roles", "guards", "require", "effects", "system")},
}
COMPLETION_KEYS = {"at_least": True}

_INT = "tag:yaml.org,2002:int"
_STR = "tag:yaml.org,2002:str"
_NO_LABEL = Label(**dict.fromkeys(LOCALES, "?"))


def parse_definition(text: str, path: str, registry: Registry) -> Definition:
    """Parse and validate one definition; raise DefinitionError listing every problem."""
    draft, problems = _read(text, path)
    if draft is not None:
        problems += validate(draft, registry)
    if problems or draft is None:
        raise DefinitionError(problems)
    return draft.definition()


def check_files(paths: list[Path], registry: Registry) -> list[DefinitionProblem]:
    """Validate the given files and return every problem found (never raises for bad files)."""
    return _load(paths, registry)[1]


def load_directory(directory: Path, registry: Registry) -> dict[str, Definition]:
    """Load every `*.yaml` in `directory`; raise one DefinitionError listing all problems."""
    if not directory.is_dir():
        fix = "point to the directory holding the workflow files"
        raise DefinitionError([DefinitionProblem(str(directory), 0, "not a directory", fix)])
    loaded, problems = _load(sorted(directory.glob("*.yaml")), registry)
    for path in sorted(directory.glob("*.yml")):
        message = "workflow files must end in `.yaml`; this one is ignored"
        problems.append(DefinitionProblem(str(path), 0, message, f"rename it {path.stem}.yaml"))
    if problems:
        raise DefinitionError(problems)
    return loaded


def _load(
    paths: list[Path], registry: Registry
) -> tuple[dict[str, Definition], list[DefinitionProblem]]:
    loaded: dict[str, Definition] = {}
    problems: list[DefinitionProblem] = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
            defn = parse_definition(text, str(path), registry)
        except (OSError, UnicodeDecodeError) as exc:
            fix = "check the path, its permissions, and that the file is UTF-8"
            problems.append(DefinitionProblem(str(path), 0, f"cannot read the file: {exc}", fix))
            continue
        except DefinitionError as exc:
            problems += exc.problems
            continue
        if defn.name in loaded:
            line = next((n for n, s in enumerate(text.splitlines(), 1) if s[:5] == "name:"), 1)
            message = f"workflow `{defn.name}` is also defined in {loaded[defn.name].path}"
            problems.append(DefinitionProblem(str(path), line, message, "keep one file per name"))
        else:
            loaded[defn.name] = defn
    return loaded, problems


def _read(text: str, path: str) -> tuple[Draft | None, list[DefinitionProblem]]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        lines = text.splitlines()
        bad = lines[line - 1] if 0 < line <= len(lines) else ""
        fix = (
            'quote the star: `source: "*"`'
            if re.search(r":\s*\*", bad)
            else "check the indentation and quoting on this line and the one above"
        )
        message = f"YAML syntax error: {exc.problem or exc.context}"
        return None, [DefinitionProblem(path, line, message, fix)]
    except yaml.YAMLError as exc:
        return None, [DefinitionProblem(path, 1, f"YAML error: {exc}", "fix the YAML syntax")]
    if root is None:
        return None, [
            DefinitionProblem(
                path,
                1,
                "the file is empty",
                "write a workflow: name, version, label, initial, states, transitions",
            )
        ]
    reader = NodeReader(path)
    draft = Draft(path=path, text=text, lines=index_lines(root))
    file = Path(path)  # a stored text's path ("x.yaml (stored v2)") skips the name check
    _read_top(reader, root, draft, file.stem if file.suffix in (".yaml", ".yml") else None)
    return draft, reader.problems


def _read_top(r: NodeReader, root: Node, draft: Draft, stem: str | None) -> None:
    keys = r.mapping(root, "the workflow", TOP_KEYS)
    if keys is None:
        draft.graph_complete = False
        return
    if "name" in keys:
        draft.name = r.name(keys["name"], "name")
        if draft.name is not None and stem is not None and draft.name != stem:
            r.report(
                keys["name"],
                f"name `{draft.name}` differs from the file name `{stem}`",
                f"write `name: {stem}`, or rename the file to {draft.name}.yaml",
            )
    if "version" in keys:
        node = keys["version"]
        value = r.value(node) if isinstance(node, ScalarNode) and node.tag == _INT else None
        if isinstance(value, int) and value > 0:
            draft.version = value
        else:
            r.report(
                node,
                "version must be a positive whole number",
                "write `version: 1`, and add 1 each time the file changes",
            )
    if "label" in keys:
        draft.label = r.label(keys["label"], "the workflow")
    if "initial" in keys:
        draft.initial = r.name(keys["initial"], "initial")
    if "tags" in keys:
        _read_own_tags(r, keys["tags"], draft)
    if "start" in keys:
        draft.start = _read_start(r, keys["start"], draft)
    _read_states(r, keys.get("states"), draft)
    _read_transitions(r, keys.get("transitions"), draft)


def _read_own_tags(r: NodeReader, node: Node, draft: Draft) -> None:
    if not isinstance(node, MappingNode):
        r.report(
            node,
            f"`tags` must be a mapping of tag names to their meaning, not {kind_of(node)}",
            "write `tags:` followed by indented `name: what a state with it means` lines",
        )
        return
    for key_node, value in node.value:
        name = r.name(key_node, "a tag name")
        meaning = r.text(value, f"the meaning of tag `{key_node.value}`")
        if name is None or meaning is None:
            continue
        if name in draft.own_tags:
            r.report(key_node, f"tag `{name}` is declared twice", "keep only one of them")
        else:
            draft.own_tags[name] = meaning


def _read_start(r: NodeReader, node: Node, draft: Draft) -> Start | None:
    keys = r.mapping(node, "`start`", START_KEYS)
    if keys is None:
        return None
    roles = _read_roles(r, keys["roles"], "`roles` of `start`") if "roles" in keys else ((), ())
    scope = r.choice(keys["scope"], "scope", tuple(SCOPES)) if "scope" in keys else None
    require = r.names(keys["require"], "`require`") if "require" in keys else ()
    guards = r.names(keys["guards"], "`guards`") if "guards" in keys else ()
    if roles is None or scope is None or require is None or guards is None:
        draft.start_partial = True
    if scope is None:
        return None
    plain, refs = roles or ((), ())
    return Start(
        scope="unit" if scope == "unit" else "block" if scope == "block" else "council",
        roles=plain,
        data_roles=refs,
        require=require or (),
        guards=guards or (),
        line=line_of(node),
    )


def _read_roles(
    r: NodeReader, node: Node, what: str
) -> tuple[tuple[str, ...], tuple[DataRef, ...]] | None:
    """Read a roles list: names, and `{role: name, from: data_key}` items (None if wrong)."""
    if not isinstance(node, SequenceNode):
        r.report(
            node,
            f"{what} must be a list of names, not {kind_of(node)}",
            "write a list such as `[secretariat, {role: unit_head_of, from: parties}]`",
        )
        return None
    plain: list[str] = []
    refs: list[DataRef] = []
    ok = True
    for item in node.value:
        if isinstance(item, MappingNode):
            ref = _read_ref(r, item, "role", ROLE_REF_KEYS, f"an entry of {what}")
            if ref is None:
                ok = False
            elif ref in refs:
                r.report(item, f"`{ref}` is listed twice in {what}", "list it once")
                ok = False
            else:
                refs.append(ref)
            continue
        one = r.name(item, f"an entry of {what}")
        if one is None:
            ok = False
        elif one in plain:
            r.report(item, f"`{one}` is listed twice in {what}", "list it once")
            ok = False
        else:
            plain.append(one)
    return (tuple(plain), tuple(refs)) if ok else None


def _read_ref(
    r: NodeReader, node: Node, kind: str, keys: dict[str, bool], what: str
) -> DataRef | None:
    """Read `{<kind>: name, from: data_key}` (a data role or a data resolver)."""
    found = r.mapping(node, what, keys)
    if found is None:
        return None
    name = r.name(found[kind], f"`{kind}`") if kind in found else None
    key = r.name(found["from"], "`from` (a data key)") if "from" in found else None
    return DataRef(name, key) if name and key else None


def _read_states(r: NodeReader, node: Node | None, draft: Draft) -> None:
    if node is None or not isinstance(node, MappingNode) or not node.value:
        draft.graph_complete = False
        if node is not None:
            r.report(
                node,
                "`states` must be a mapping of at least one state",
                "write `states:` followed by indented `name: {label: …}` entries",
            )
        return
    for key_node, value in node.value:
        name = r.name(key_node, "a state name")
        if name is None:
            draft.graph_complete = False
        elif name in draft.states:
            r.report(
                key_node,
                f"state `{name}` is declared twice (first on line {draft.states[name].line})",
                "merge the two declarations",
            )
        else:
            draft.states[name] = _read_state(r, name, key_node, value, draft)


def _read_state(r: NodeReader, name: str, key_node: Node, node: Node, draft: Draft) -> State:
    what = f"state `{name}`"
    keys = r.mapping(node, what, STATE_KEYS, owner=key_node) or {}
    label = r.label(keys["label"], what) if "label" in keys else _NO_LABEL
    final = r.flag(keys["final"], "final") if "final" in keys else False
    tags = r.names(keys["tags"], "`tags`") if "tags" in keys else ()
    draft.tag_order[name] = tags or ()
    part = _read_participation(r, name, keys["participation"]) if "participation" in keys else None
    deadline = _read_deadline(r, name, keys["deadline"]) if "deadline" in keys else None
    return State(
        name,
        label,
        final=bool(final),
        participation=part,
        deadline=deadline,
        line=line_of(key_node),
        tags=frozenset(tags or ()),
    )


def _read_participation(r: NodeReader, state: str, node: Node) -> Participation | None:
    keys = r.mapping(node, f"the participation of state `{state}`", PARTICIPATION_KEYS)
    if keys is None:
        return None
    names = {
        k: r.name(keys[k], f"`{k}`") if k in keys else None
        for k in ("act", "refuse", "abstain", "on_complete", "on_refuse")
    }
    who_from: str | None = None
    who_node = keys.get("who")
    if isinstance(who_node, MappingNode):
        ref = _read_ref(r, who_node, "resolver", WHO_KEYS, "`who`")
        names["who"], who_from = (ref.name, ref.key) if ref else (None, None)
    elif who_node is not None:
        names["who"] = r.name(who_node, "`who`")
    complete = _read_completion(r, keys)
    order = (
        r.choice(keys["order"], "order", ("parallel", "sequential")) if "order" in keys else None
    )
    secret = r.flag(keys["secret"], "secret") if "secret" in keys else False
    require = r.names(keys["require_refuse"], "require_refuse") if "require_refuse" in keys else ()
    guards = r.names(keys["guards"], "guards") if "guards" in keys else ()
    who, act, on_complete = names["who"], names["act"], names["on_complete"]
    manual = complete is not None and complete.kind == "manual"
    if manual:
        for key in ("on_complete", "on_refuse", "quorum", "of"):
            if key in keys:
                r.report(
                    keys[key],
                    f"`{key}` does not apply to `complete: manual` (the engine never decides it)",
                    f"remove `{key}`; a transition leaving the state decides the step",
                )
        on_complete = None
    elif "on_complete" not in keys:
        r.report(
            node,
            f"the participation of state `{state}` has no `on_complete` (required)",
            "add `on_complete: <a system trigger leaving this state>`",
        )
    if not (who and act and (on_complete or manual)):  # cannot check it further
        return None
    return Participation(  # partly read when problems were reported: only for validation
        who=who,
        act=act,
        refuse=names["refuse"],
        abstain=names["abstain"],
        complete=complete or Completion(kind="all"),
        on_complete=on_complete,
        on_refuse=None if manual else names["on_refuse"],
        order="sequential" if order == "sequential" else "parallel",
        secret=bool(secret),
        require_refuse=require or (),
        guards=guards or (),
        who_from=who_from,
    )


def _read_completion(r: NodeReader, keys: dict[str, Node]) -> Completion | None:
    node = keys.get("complete")
    if node is None:
        return None
    count, fraction = None, None
    if isinstance(node, ScalarNode) and node.tag == _STR and node.value in ("all", "any", "manual"):
        kind = node.value
    elif isinstance(node, MappingNode):
        kind = "at_least"
        at = (r.mapping(node, "`complete`", COMPLETION_KEYS) or {}).get("at_least")
        value = r.value(at) if isinstance(at, ScalarNode) and at.tag == _INT else None
        if isinstance(value, int) and value > 0:
            count = value
        elif at is not None:
            fraction = r.fraction(at, "at_least")
    else:
        r.report(
            node,
            "`complete` must be `all`, `any`, `manual` or `{at_least: …}`",
            "write `complete: all`, `complete: any`, `complete: manual` or"
            ' `complete: {at_least: 3}` (or "2/3", or "90%")',
        )
        return None
    if kind == "manual":
        return Completion(kind="manual")
    quorum = r.fraction(keys["quorum"], "quorum") if "quorum" in keys else None
    of = r.choice(keys["of"], "of", ("all", "present")) if "of" in keys else None
    if of is not None and fraction is None:
        r.report(
            keys["of"],
            "`of` only applies to a fractional `at_least`",
            'remove `of`, or write `complete: {at_least: "2/3"}`',
        )
    if kind == "at_least" and count is None and fraction is None:
        return None
    return Completion(
        kind="all" if kind == "all" else "any" if kind == "any" else "at_least",
        count=count,
        fraction=fraction,
        quorum=quorum,
        of="present" if of == "present" else "all",
    )


def _read_deadline(r: NodeReader, state: str, node: Node) -> Deadline | None:
    keys = r.mapping(node, f"the deadline of state `{state}`", DEADLINE_KEYS)
    if keys is None:
        return None
    fire = r.name(keys["fire"], "fire") if "fire" in keys else None
    after = r.duration(keys["after"], "after") if "after" in keys else None
    at = r.name(keys["at"], "at") if "at" in keys else None
    if "after" in keys and "at" in keys:
        r.report(
            keys["at"],
            "a deadline takes either `after` or `at`, not both",
            "keep `after` (a duration from entering the state) or `at` (a date key)",
        )
    elif "after" not in keys and "at" not in keys:
        r.report(
            node,
            f"the deadline of state `{state}` has neither `after` nor `at`",
            "add `after: P21D` (from entering the state) or `at: due_date` (a date in"
            " the instance data)",
        )
    reminders: list[timedelta] = []
    remind = keys.get("remind_before")
    if isinstance(remind, SequenceNode):
        for item in remind.value:
            delta = r.duration(item, "remind_before")
            if delta is not None and after is not None and delta >= after:
                r.report(
                    item,
                    f"reminder {item.value} is not shorter than the deadline",
                    "give reminders shorter than `after`, e.g. [P3D, P1D]",
                )
            elif delta is not None:
                reminders.append(delta)
    elif remind is not None:
        r.report(remind, "remind_before must be a list of durations", "write `[P3D, P1D]`")
    if fire is None:
        return None
    return Deadline(fire=fire, after=after, at=at, remind_before=tuple(reminders))


def _read_transitions(r: NodeReader, node: Node | None, draft: Draft) -> None:
    if node is None or not isinstance(node, SequenceNode):
        draft.graph_complete = False
        if node is not None:
            r.report(
                node,
                f"`transitions` must be a list, not {kind_of(node)}",
                "write `transitions:` followed by `- {trigger: …, source: …, dest: …}`",
            )
        return
    for i, item in enumerate(node.value):
        before = len(r.problems)
        t = _read_transition(r, i, item)
        if t is None:
            draft.graph_complete = False
        else:
            draft.transitions.append((i, t))
            if len(r.problems) > before:
                draft.partial.add(i)


def _read_transition(r: NodeReader, i: int, node: Node) -> Transition | None:
    what = f"transition #{i + 1}"
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if k.value == "trigger" and isinstance(v, ScalarNode):
                what = f"transition `{v.value}`"
    keys = r.mapping(node, what, TRANSITION_KEYS)
    if keys is None:
        return None
    trigger = r.name(keys["trigger"], "trigger") if "trigger" in keys else None
    sources = _read_sources(r, keys["source"]) if "source" in keys else None
    dest = r.name(keys["dest"], "dest") if "dest" in keys else None
    label = r.label(keys["label"], what) if "label" in keys else _NO_LABEL
    lists = {
        k: (r.names(keys[k], f"`{k}`") if k in keys else ()) or ()
        for k in ("guards", "require", "effects")
    }
    roles = _read_roles(r, keys["roles"], "`roles`") if "roles" in keys else None
    plain, refs = roles or ((), ())
    system = r.flag(keys["system"], "system") if "system" in keys else False
    if trigger is None or sources is None or dest is None:
        return None
    return Transition(
        trigger=trigger,
        sources=sources,
        dest=dest,
        label=label,
        roles=plain,
        data_roles=refs,
        guards=lists["guards"],
        require=lists["require"],
        effects=lists["effects"],
        system=bool(system),
        line=line_of(node),
    )


def _read_sources(r: NodeReader, node: Node) -> tuple[str, ...] | None:
    if isinstance(node, ScalarNode) and node.tag == _STR and node.value == "*":
        return ("*",)
    if isinstance(node, SequenceNode):
        if not node.value:
            r.report(node, "`source` lists no state", 'name at least one state, or write "*"')
            return None
        stars = [item for item in node.value if getattr(item, "value", None) == "*"]
        if stars:
            r.report(
                stars[0],
                "`*` must stand alone as the source",
                'write `source: "*"` (any non-final state) or list the states by name',
            )
            return None
    return r.names(node, "source", single=True)

"""Draw a definition: Mermaid text, a self-contained accessible SVG, and a transitions table."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from fractions import Fraction
from typing import Any
from xml.sax.saxutils import escape

from wflow.engine.definition import Completion, Definition, State

_WORDS: dict[str, dict[str, str]] = {
    "diagram": {
        "vi": "Sơ đồ trạng thái",
        "en": "State diagram",
        "fr": "Diagramme d'états",
        "hu": "Állapotdiagram",
    },
    "current": {
        "vi": "Trạng thái hiện tại",
        "en": "Current state",
        "fr": "État actuel",
        "hu": "Jelenlegi állapot",
    },
    "start": {"vi": "bắt đầu", "en": "start", "fr": "début", "hu": "kezdet"},
    "final": {"vi": "kết thúc", "en": "final", "fr": "final", "hu": "záró"},
    "multi": {
        "vi": "nhiều bên tham gia",
        "en": "multi-party step",
        "fr": "étape collective",
        "hu": "többszereplős lépés",
    },
    "auto": {"vi": "tự động", "en": "automatic", "fr": "automatique", "hu": "automatikus"},
}
# Mermaid writes entities as `#name;`: these characters would end a label or a statement.
_MERMAID_ENTITIES = {
    ord('"'): "#quot;",
    ord(":"): "#58;",
    ord(";"): "#59;",
    ord("<"): "#lt;",
    ord(">"): "#gt;",
    ord("&"): "#amp;",
    ord("#"): "#35;",
}
_MERMAID_RESERVED = {"state", "note", "end", "class", "classDef", "direction", "style", "click"}
# Layout, in SVG user units.
_FONT, _EDGE_FONT, _CHAR = 14, 12, 7.8
_BOX_H, _ROW_GAP, _COL_GAP, _MARGIN, _LANE_GAP = 46, 84, 40, 24, 22
_FILL, _STROKE, _HI_FILL, _HI_STROKE = "#f4f7fb", "#334e68", "#fff3c4", "#b45309"


def _word(key: str, locale: str) -> str:
    return _WORDS[key].get(locale, _WORDS[key]["vi"])


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _share(value: Fraction) -> str:
    percent = value * 100
    return f"{percent.numerator}%" if percent.denominator == 1 else f"{value}"


def describe_completion(rule: Completion) -> str:
    """Return a short language-neutral summary of a completion rule (`≥ 2/3 of present`)."""
    text: str = rule.kind
    if rule.kind == "manual":
        return "closed by a transition"
    if rule.kind == "at_least":
        amount = str(rule.count) if rule.count is not None else _share(rule.fraction or Fraction(1))
        text = f"≥ {amount}" + (" of present" if rule.of == "present" and rule.fraction else "")
    return text + (f", quorum {_share(rule.quorum)}" if rule.quorum else "")


def edges(defn: Definition) -> dict[tuple[str, str], list[str]]:
    """Group the transitions by (source, dest), `*` expanded; values are trigger names."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for t in defn.transitions:
        for state in defn.states:
            if state in t.sources or ("*" in t.sources and not defn.states[state].final):
                grouped.setdefault((state, t.dest), []).append(t.trigger)
    return grouped


def _trigger_labels(defn: Definition, triggers: list[str], locale: str) -> str:
    labels = {t.trigger: t.label.get(locale) for t in defn.transitions}
    return " / ".join(dict.fromkeys(labels[name] for name in triggers))


def to_mermaid(defn: Definition, locale: str = "vi", highlight: str | None = None) -> str:
    """Return a Mermaid `stateDiagram-v2` of the definition, the `highlight` state styled."""

    def ident(name: str) -> str:
        return f"{name}_" if name in _MERMAID_RESERVED else name

    def clean(text: str) -> str:
        return " ".join(text.translate(_MERMAID_ENTITIES).split())

    out = ["stateDiagram-v2"]
    for state in defn.states.values():
        out.append(f'    state "{clean(state.label.get(locale))}" as {ident(state.name)}')
    out.append(f"    [*] --> {ident(defn.initial)}")
    for (source, dest), triggers in edges(defn).items():
        label = clean(_trigger_labels(defn, triggers, locale))
        out.append(f"    {ident(source)} --> {ident(dest)}: {label}")
    multi = [s for s in defn.states.values() if s.participation is not None]
    for state in defn.states.values():
        if state.final:
            out.append(f"    {ident(state.name)} --> [*]")
    for state in multi:
        assert state.participation is not None
        rule = describe_completion(state.participation.complete)
        p = state.participation
        who = p.who if p.who_from is None else f"{p.who}({p.who_from})"
        note = clean(f"{_word('multi', locale)} — {who}, {rule}")
        out.append(f"    note right of {ident(state.name)} : {note}")
    out.append("    classDef participation stroke-dasharray: 5 3")
    out.append(f"    classDef current fill:{_HI_FILL},stroke:{_HI_STROKE},stroke-width:3px")
    if multi:
        out.append(f"    class {','.join(ident(s.name) for s in multi)} participation")
    if highlight in defn.states:
        out.append(f"    class {ident(highlight)} current")
    return "\n".join(out) + "\n"


def transition_table(defn: Definition, locale: str = "vi") -> list[dict[str, Any]]:
    """Return one row per transition (labels in `locale`) for an accessible HTML table."""
    rows: list[dict[str, Any]] = []
    for t in defn.transitions:
        sources = (
            [s for s in defn.states if s in t.sources]
            if "*" not in t.sources
            else [s for s, state in defn.states.items() if not state.final]
        )
        rows.append(
            {
                "trigger": t.trigger,
                "label": t.label.get(locale),
                "sources": [defn.states[s].label.get(locale) for s in sources],
                "source_states": sources,
                "dest": defn.states[t.dest].label.get(locale),
                "dest_state": t.dest,
                "roles": [*t.roles, *map(str, t.data_roles)],
                "system": t.system,
            }
        )
    return rows


@dataclass
class _Box:
    state: State
    x: float
    y: float
    w: float
    layer: int

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + _BOX_H / 2


def layers(defn: Definition) -> list[list[str]]:
    """Return rows of states: each one row below the longest forward chain reaching it."""
    succ: dict[str, list[str]] = {s: [] for s in defn.states}
    for source, dest in edges(defn):
        if source != dest:
            succ[source].append(dest)
    back: set[tuple[str, str]] = set()
    seen: dict[str, bool] = {}  # state -> still on the DFS stack

    def visit(state: str) -> None:
        seen[state] = True
        for nxt in succ[state]:
            if seen.get(nxt):
                back.add((state, nxt))
            elif nxt not in seen:
                visit(nxt)
        seen[state] = False

    visit(defn.initial)
    forward = [(a, b) for a in seen for b in succ[a] if (a, b) not in back]
    waiting = {s: sum(1 for _, b in forward if b == s) for s in seen}
    depth = {defn.initial: 0}
    ready = deque([defn.initial])
    while ready:  # longest path, in topological order
        state = ready.popleft()
        for a, b in forward:
            if a == state:
                depth[b] = max(depth.get(b, 0), depth[state] + 1)
                waiting[b] -= 1
                if waiting[b] == 0:
                    ready.append(b)
    rest = max(depth.values()) + 1
    order = {name: i for i, name in enumerate(defn.states)}
    rows: dict[int, list[str]] = {}
    for name in sorted(defn.states, key=lambda s: (defn.states[s].final, order[s])):
        rows.setdefault(depth.get(name, rest), []).append(name)
    return [rows[level] for level in sorted(rows)]


def _layout(defn: Definition, locale: str, left: float) -> dict[str, _Box]:
    rows = layers(defn)
    widths = {
        name: max(120.0, min(360.0, len(state.label.get(locale)) * _CHAR + 36))
        for name, state in defn.states.items()
    }
    row_width = [sum(widths[n] for n in row) + _COL_GAP * (len(row) - 1) for row in rows]
    widest = max(row_width)
    boxes: dict[str, _Box] = {}
    for level, row in enumerate(rows):
        x = left + (widest - row_width[level]) / 2
        y = _MARGIN + 40 + level * (_BOX_H + _ROW_GAP)
        for name in row:
            boxes[name] = _Box(defn.states[name], x, y, widths[name], level)
            x += widths[name] + _COL_GAP
    return boxes


def _label(x: float, y: float, text: str, anchor: str = "start") -> str:
    return (
        f'<text x="{x:.0f}" y="{y:.0f}" text-anchor="{anchor}" stroke="#fff" stroke-width="4"'
        f' paint-order="stroke" fill="#1f2933">{escape(text)}</text>'
    )


def _edge(path: str, text: str, marker: str, label: str, dashed: bool = False) -> str:
    look = 'stroke="#9aa5b1" stroke-dasharray="2 3"' if dashed else 'stroke="#52606d"'
    end = "" if dashed else f' marker-end="url(#{marker})"'
    return (
        f'<g class="transition"><title>{escape(text)}</title>'
        f'<path d="{path}" fill="none" {look} stroke-width="1.4"{end}/>{label}</g>'
    )


def to_svg(defn: Definition, locale: str = "vi", highlight: str | None = None) -> str:
    """Return a self-contained, accessible SVG state diagram (no scripts, labels escaped)."""
    graph = edges(defn)
    loops = [_trigger_labels(defn, t, locale) for (a, b), t in graph.items() if a == b]
    left = _MARGIN + (max(len(text) * 6.8 for text in loops) + 56 if loops else 0)
    boxes = _layout(defn, locale, left)
    uid = f"wf-{defn.name}"
    marker = f"{uid}-arrow"
    right = max(b.x + b.w for b in boxes.values())
    body: list[str] = []  # the transitions; boxes are drawn after them, on top
    lanes: list[tuple[float, float, str]] = []  # lane x, label y, text
    for (source, dest), triggers in graph.items():
        a, b = boxes[source], boxes[dest]
        text = _trigger_labels(defn, triggers, locale)
        ax = a.x + a.w
        if source == dest:  # a loop on the left side of the box, where no lane runs
            path = (
                f"M{a.x:.0f},{a.cy - 10:.0f} C{a.x - 44:.0f},{a.cy - 34:.0f}"
                f" {a.x - 44:.0f},{a.cy + 34:.0f} {a.x - 2:.0f},{a.cy + 10:.0f}"
            )
            body.append(_edge(path, text, marker, _label(a.x - 48, a.cy + 4, text, "end")))
        elif b.layer == a.layer + 1:  # to the next row: a straight line
            path = f"M{a.cx:.0f},{a.y + _BOX_H:.0f} L{b.cx:.0f},{b.y - 2:.0f}"
            mid_y = (a.y + _BOX_H + b.y) / 2 + 4
            side = -1 if b.cx < a.cx - 1 else 1  # the label on the outer side of the line
            mid_x = (a.cx + b.cx) / 2 + 6 * side
            label = _label(mid_x, mid_y, text, "end" if side < 0 else "start")
            body.append(_edge(path, text, marker, label))
        else:  # back, sideways or skipping rows: through the row gaps and a lane of its own
            k = len(lanes)
            x = right + 56 + (k + 1) * _LANE_GAP
            out_x, in_x = ax - 14 - 5 * (k % 3), b.x + b.w - 14 - 5 * (k % 3)
            out_y, in_y = a.y + _BOX_H + 10 + 6 * (k % 4), b.y - 10 - 6 * (k % 4)
            path = (
                f"M{out_x:.0f},{a.y + _BOX_H:.0f} V{out_y:.0f} H{x:.0f} V{in_y:.0f}"
                f" H{in_x:.0f} V{b.y - 2:.0f}"
            )
            body.append(_edge(path, text, marker, ""))
            lanes.append((x, (out_y + in_y) / 2, text))
    column = right + 56 + (len(lanes) + 1) * _LANE_GAP + 8
    placed: list[float] = []
    for x, y, text in sorted(lanes, key=lambda lane: lane[1]):  # lane labels in one column
        while any(abs(y - other) < 16 for other in placed):
            y += 16
        placed.append(y)
        leader = f"M{x:.0f},{y:.0f} H{column - 4:.0f}"
        body.append(_edge(leader, text, marker, _label(column, y + 4, text), dashed=True))
    label_room = max((len(lane[2]) * 6.8 for lane in lanes), default=0.0)
    width = max(column + label_room, right + 120) + _MARGIN
    height = max([b.y + _BOX_H + 34 for b in boxes.values()] + [y + 8 for y in placed]) + _MARGIN
    first = boxes[defn.initial]
    start = (
        f'<g class="start"><title>{_word("start", locale)}</title>'
        f'<circle cx="{first.cx:.0f}" cy="{first.y - 30:.0f}" r="7" fill="{_STROKE}"/>'
        f'<path d="M{first.cx:.0f},{first.y - 23:.0f} V{first.y - 2:.0f}" stroke="{_STROKE}"'
        f' stroke-width="1.4" marker-end="url(#{marker})"/></g>'
    )
    title = f"{_word('diagram', locale)}: {defn.label.get(locale)}"
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width:.0f}"'
            f' height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}"'
            f' aria-labelledby="{uid}-title {uid}-desc" style="max-width:100%;height:auto"'
            f" font-family=\"system-ui, 'Noto Sans', 'DejaVu Sans', sans-serif\""
            f' font-size="{_EDGE_FONT}">',
            f'<title id="{uid}-title">{escape(title)}</title>',
            f'<desc id="{uid}-desc">{escape(_description(defn, locale, highlight))}</desc>',
            f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5"'
            ' markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="#52606d"/></marker></defs>',
            '<g class="transitions">',
            *body,
            "</g>",
            start,
            *(_state_svg(box, box.state.name == highlight, locale) for box in boxes.values()),
            "</svg>",
        ]
    )


def _state_svg(box: _Box, current: bool, locale: str) -> str:
    state = box.state
    notes = [state.label.get(locale)]
    if state.final:
        notes.append(_word("final", locale))
    if state.participation is not None:
        notes.append(_word("multi", locale))
    if current:
        notes.append(_word("current", locale))
    fill, stroke, width = (_HI_FILL, _HI_STROKE, 3.5) if current else (_FILL, _STROKE, 1.5)
    dash = ' stroke-dasharray="7 3"' if state.participation is not None else ""
    parts = [
        f'<g class="state{" current" if current else ""}" data-state="{_attr(state.name)}">',
        f"<title>{escape(' — '.join(notes))}</title>",
        f'<rect class="state" x="{box.x:.0f}" y="{box.y:.0f}" width="{box.w:.0f}"'
        f' height="{_BOX_H}" rx="12" fill="{fill}" stroke="{stroke}"'
        f' stroke-width="{width}"{dash}/>',
    ]
    if state.final:
        parts.append(
            f'<rect x="{box.x + 4:.0f}" y="{box.y + 4:.0f}" width="{box.w - 8:.0f}"'
            f' height="{_BOX_H - 8}" rx="9" fill="none" stroke="{stroke}" stroke-width="1"/>'
        )
    if state.participation is not None:  # three small heads: several parties act here
        parts += [
            f'<circle cx="{box.x + box.w - 14 - 7 * i:.0f}" cy="{box.y + 10:.0f}" r="3"'
            f' fill="{stroke}"/>'
            for i in range(3)
        ]
    weight = ' font-weight="bold"' if current else ""
    parts.append(
        f'<text x="{box.cx:.0f}" y="{box.cy + 5:.0f}" text-anchor="middle"'
        f' font-size="{_FONT}"{weight}>{escape(state.label.get(locale))}</text></g>'
    )
    return "".join(parts)


def _description(defn: Definition, locale: str, highlight: str | None) -> str:
    parts = []
    if highlight in defn.states:
        parts.append(f"{_word('current', locale)}: {defn.states[highlight].label.get(locale)}.")
    for row in transition_table(defn, locale):
        auto = f" ({_word('auto', locale)})" if row["system"] else ""
        parts.append(f"{', '.join(row['sources'])} → {row['dest']}: {row['label']}{auto}.")
    return " ".join(parts)

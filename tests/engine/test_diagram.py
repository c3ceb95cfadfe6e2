"""Tests of the diagrams: Mermaid text, the accessible SVG and the transitions table."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import pairwise
from pathlib import Path

import pytest

from tests.engine.registry_fixture import domain_registry
from wflow.engine.definition import LOCALES, Definition, Label, State, Transition
from wflow.engine.diagram import layers, to_mermaid, to_svg, transition_table
from wflow.engine.loader import load_directory

SVG = "{http://www.w3.org/2000/svg}"
NAMES = ["plan", "pact", "review", "nomination"]


@pytest.fixture(scope="module")
def workflows() -> dict[str, Definition]:
    """The four real workflows."""
    root = Path(__file__).resolve().parents[2] / "workflows"
    return load_directory(root, domain_registry())


def label(text: str) -> Label:
    """Return the same label in every locale."""
    return Label(**dict.fromkeys(LOCALES, text))


def tricky() -> Definition:
    """A definition with markup in its labels, a `*` source, a self-loop and a reserved name."""
    states = {
        "end": State("end", label('<b>"Start" & go</b>')),
        "work": State("work", label("Work: step; two")),
        "done": State("done", label("Done"), final=True),
    }
    transitions = (
        Transition("go", ("end",), "work", label("Go <now>"), roles=("admin",)),
        Transition("poke", ("work",), "work", label("Poke & prod"), system=True),
        Transition("back", ("work",), "end", label("Back"), roles=("admin",)),
        Transition("stop", ("*",), "done", label("Stop"), roles=("admin",)),
    )
    return Definition("tricky", 1, "end", label("Tricky <x>"), states, transitions)


def boxes(svg: str) -> list[tuple[float, float, float, float]]:
    """Return (x, y, width, height) of every state box."""
    found: list[tuple[float, float, float, float]] = []
    for rect in ET.fromstring(svg).iter(f"{SVG}rect"):
        if rect.get("class") == "state":
            x, y, w, h = (float(rect.get(k, "0")) for k in ("x", "y", "width", "height"))
            found.append((x, y, w, h))
    return found


# ---------------------------------------------------------------- Mermaid


def test_diagram__mermaid_structure(workflows: dict[str, Definition]) -> None:
    text = to_mermaid(workflows["pact"], "en", highlight="signing")
    lines = text.splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert '    state "Signing" as signing' in lines
    assert "    [*] --> prepared" in lines
    assert "    closed --> [*]" in lines and "    withdrawn --> [*]" in lines
    assert "    prepared --> signing: Open signing" in lines
    assert "    class signing participation" in lines
    assert lines[-1] == "    class signing current"
    assert any(line.startswith("    note right of signing") for line in lines)


def test_diagram__mermaid_uses_the_locale(workflows: dict[str, Definition]) -> None:
    assert 'state "Đang ký kết" as signing' in to_mermaid(workflows["pact"], "vi")
    assert 'state "En signature" as signing' in to_mermaid(workflows["pact"], "fr")


def test_diagram__mermaid_without_highlight(workflows: dict[str, Definition]) -> None:
    assert "current\n" not in to_mermaid(workflows["plan"]).split("classDef current")[1]
    assert "class draft current" in to_mermaid(workflows["plan"], highlight="draft")


def test_diagram__mermaid_cleans_labels_and_reserved_ids() -> None:
    text = to_mermaid(tricky(), "en")
    assert 'state "#lt;b#gt;#quot;Start#quot; #amp; go#lt;/b#gt;" as end_' in text
    assert "work --> end_: Back" in text
    assert 'state "Work#58; step#59; two" as work' in text
    assert "work --> done: Stop" in text and "end_ --> done: Stop" in text
    assert "done --> done" not in text  # `*` never leaves a final state


# ---------------------------------------------------------------- SVG


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("locale", LOCALES)
def test_diagram__svg_is_valid_accessible_xml(
    workflows: dict[str, Definition], name: str, locale: str
) -> None:
    defn = workflows[name]
    svg = to_svg(defn, locale, highlight=defn.initial)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert defn.label.get(locale) in (title.text or "")
    assert "script" not in svg.lower() and "http://" not in svg.replace(SVG[1:-1], "")
    drawn = {g.get("data-state") for g in root.iter(f"{SVG}g") if g.get("data-state")}
    assert drawn == set(defn.states)
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert {s.label.get(locale) for s in defn.states.values()} <= texts


@pytest.mark.parametrize("name", NAMES)
def test_diagram__svg_boxes_do_not_overlap(workflows: dict[str, Definition], name: str) -> None:
    drawn = boxes(to_svg(workflows[name], "vi"))
    assert len(drawn) == len(workflows[name].states)
    for i, (x1, y1, w1, h1) in enumerate(drawn):
        assert x1 >= 0 and y1 >= 0
        for x2, y2, w2, h2 in drawn[i + 1 :]:
            apart = x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1
            assert apart, f"{(x1, y1, w1, h1)} overlaps {(x2, y2, w2, h2)}"


@pytest.mark.parametrize("name", NAMES)
def test_diagram__svg_fits_its_viewbox(workflows: dict[str, Definition], name: str) -> None:
    svg = to_svg(workflows[name], "hu")
    root = ET.fromstring(svg)
    width, height = float(root.get("width", "0")), float(root.get("height", "0"))
    for x, y, w, h in boxes(svg):
        assert x + w <= width and y + h <= height


def test_diagram__svg_highlights_the_current_state(workflows: dict[str, Definition]) -> None:
    root = ET.fromstring(to_svg(workflows["nomination"], "en", highlight="council_vote"))
    groups = [g for g in root.iter(f"{SVG}g") if g.get("data-state")]
    current = [g for g in groups if "current" in (g.get("class") or "")]
    assert [g.get("data-state") for g in current] == ["council_vote"]
    rect = current[0].find(f"{SVG}rect")
    other = next(g for g in groups if g.get("data-state") == "proposed").find(f"{SVG}rect")
    assert rect is not None and other is not None
    assert float(rect.get("stroke-width", "0")) > float(other.get("stroke-width", "0"))
    assert rect.get("fill") != other.get("fill")
    desc = root.find(f"{SVG}desc")
    assert desc is not None and "Current state: Council vote." in (desc.text or "")


def test_diagram__svg_without_highlight_marks_nothing(workflows: dict[str, Definition]) -> None:
    svg = to_svg(workflows["review"], "en")
    assert 'class="state current"' not in svg
    assert 'class="state current"' in to_svg(workflows["review"], "en", highlight="late")


def test_diagram__svg_marks_final_and_participation_states(
    workflows: dict[str, Definition],
) -> None:
    root = ET.fromstring(to_svg(workflows["pact"], "en"))
    by_state = {g.get("data-state"): g for g in root.iter(f"{SVG}g") if g.get("data-state")}
    signing_title = by_state["signing"].find(f"{SVG}title")
    assert signing_title is not None and "multi-party step" in (signing_title.text or "")
    assert len(by_state["closed"].findall(f"{SVG}rect")) == 2  # double border
    assert len(by_state["prepared"].findall(f"{SVG}rect")) == 1


def test_diagram__svg_escapes_labels() -> None:
    svg = to_svg(tricky(), "en", highlight="work")
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    root = ET.fromstring(svg)
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert '<b>"Start" & go</b>' in texts and "Poke & prod" in texts
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "State diagram: Tricky <x>"


def test_diagram__svg_draws_every_transition(workflows: dict[str, Definition]) -> None:
    defn = workflows["nomination"]
    root = ET.fromstring(to_svg(defn, "en"))
    arrows = [
        p
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "transition"
        for p in g.iter(f"{SVG}path")
        if p.get("marker-end")
    ]
    pairs = {(s, t.dest) for t in defn.transitions for s in t.sources}
    assert len(arrows) == len(pairs)


def test_diagram__layers_start_at_initial_and_hold_every_state(
    workflows: dict[str, Definition],
) -> None:
    for defn in workflows.values():
        rows = layers(defn)
        assert rows[0] == [defn.initial]
        flat = [s for row in rows for s in row]
        assert sorted(flat) == sorted(defn.states)
    plan_rows = layers(workflows["plan"])
    assert plan_rows[1] == ["consultation", "cancelled"]


# ---------------------------------------------------------------- table


def test_diagram__transition_table(workflows: dict[str, Definition]) -> None:
    rows = transition_table(workflows["pact"], "en")
    assert len(rows) == len(workflows["pact"].transitions)
    withdraw = next(r for r in rows if r["trigger"] == "withdraw")
    assert withdraw["sources"] == ["Prepared", "Signing expired"]
    assert withdraw["dest"] == "Withdrawn" and withdraw["label"] == "Withdraw the pact"
    assert withdraw["roles"] == ["block_leader"] and withdraw["system"] is False
    assert next(r for r in rows if r["trigger"] == "all_signed")["system"] is True


def test_diagram__transition_table_expands_star() -> None:
    row = next(r for r in transition_table(tricky(), "en") if r["trigger"] == "stop")
    assert row["source_states"] == ["end", "work"] and row["dest_state"] == "done"


def _points(d: str) -> list[tuple[float, float]]:
    """Return the corners of an M/L/H/V path (the routes of transitions)."""
    points: list[tuple[float, float]] = []
    for command, args in re.findall(r"([MLHV])([-\d.,]+)", d):
        numbers = [float(n) for n in args.split(",")]
        x, y = points[-1] if points else (0.0, 0.0)
        if command in "ML":
            x, y = numbers
        elif command == "H":
            x = numbers[0]
        else:
            y = numbers[0]
        points.append((x, y))
    return points


@pytest.mark.parametrize("name", NAMES)
def test_diagram__arrows_never_cross_a_box(workflows: dict[str, Definition], name: str) -> None:
    svg = to_svg(workflows[name], "en")
    drawn = boxes(svg)
    for path in ET.fromstring(svg).iter(f"{SVG}path"):
        d = path.get("d", "")
        if not path.get("marker-end") or "C" in d:  # arrowheads and self-loops aside
            continue
        corners = _points(d)
        for (x1, y1), (x2, y2) in pairwise(corners):
            for step in range(1, 40):
                px, py = x1 + (x2 - x1) * step / 40, y1 + (y2 - y1) * step / 40
                for bx, by, bw, bh in drawn:
                    inside = bx + 1 < px < bx + bw - 1 and by + 1 < py < by + bh - 1
                    assert not inside, f"{d} crosses the box at {(bx, by)}"

"""Side-by-side differences between two revisions of a plan: its text and its criteria table."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from wflow.plans.text import award_types_in_words, review_dues_in_words


@dataclass(frozen=True)
class DiffRow:
    """One line of a side-by-side table: what changed, the left and right line and numbers."""

    kind: str  # equal | replace | delete | insert
    left_no: int | None
    left: str
    right_no: int | None
    right: str


def text_lines(snap: Mapping[str, Any]) -> list[str]:
    """Return a revision's text as lines, section headings included."""
    lines = [
        f"# {_l('Title')}: {snap.get('title', '')}",
        f"# {_l('Period')}: {snap.get('period', '')}",
    ]
    for key, label in (
        ("legal_bases", _l("Legal bases")),
        ("purposes", _l("Purposes and requirements")),
    ):
        lines.append(f"# {label}")
        lines.extend(str(snap.get(key, "")).splitlines())
    lines.append(f"# {_l('Contents by area')}")
    for area in snap.get("contents", []):
        lines.append(f"## {area.get('area', '')}")
        lines.extend(str(area.get("text", "")).splitlines())
    rules = snap.get("rules", {})
    rules_label = _l("The block's rules")
    lines.append(f"# {rules_label}")
    lines.append(f"{_l('Vote threshold')}: {rules.get('vote_threshold', '')}")
    lines.append(f"{_l('Quorum')}: {rules.get('vote_quorum', '')}")
    first = str(snap.get("period", ""))[:4]
    year = int(first) if first.isdigit() else date.today().year
    lines.extend(review_dues_in_words(rules, year, None))
    lines.append(f"{_l('Late report penalty')}: {rules.get('late_report_penalty', '')}")
    lines.append(f"{_l('Award types')}: {', '.join(award_types_in_words(rules))}")
    return [line.rstrip() for line in lines]


def criteria_lines(snap: Mapping[str, Any]) -> list[str]:
    """Return a revision's criteria table as one line per group and per criterion."""
    lines = [f"{_l('Scale')}: {snap.get('scale', '')}"]
    for g in snap.get("groups", []):
        lines.append(f"{g['code']}. {g['title']} — {g['max_points']}")
        for c in g.get("criteria", []):
            bonus = f" (+{c['max_bonus']})" if c.get("max_bonus") not in ("0", "", None) else ""
            evidence = f" · {c['evidence']}" if c.get("evidence") else ""
            lines.append(f"    {c['code']} {c['title']} — {c['max_points']}{bonus}{evidence}")
    return lines


def side_by_side(left: Sequence[str], right: Sequence[str]) -> list[DiffRow]:
    """Return the rows of a side-by-side comparison of two lists of lines."""
    out: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        span = max(i2 - i1, j2 - j1)
        for k in range(span):
            li, rj = i1 + k, j1 + k
            has_l, has_r = li < i2, rj < j2
            kind = (
                tag
                if tag != "replace"
                else ("replace" if has_l and has_r else "delete" if has_l else "insert")
            )
            out.append(
                DiffRow(
                    kind,
                    li + 1 if has_l else None,
                    left[li] if has_l else "",
                    rj + 1 if has_r else None,
                    right[rj] if has_r else "",
                )
            )
    return out


def compare(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, list[DiffRow]]:
    """Return the side-by-side text and criteria differences of two snapshots."""
    return {
        "text": side_by_side(text_lines(a), text_lines(b)),
        "criteria": side_by_side(criteria_lines(a), criteria_lines(b)),
    }

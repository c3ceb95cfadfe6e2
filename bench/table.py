"""One table of every benchmark: read bench/results/*.json, print name, measured, baseline,
ratio, target and PASS/MISS. Bench scripts write their rows with `write_results`.

Usage: python bench/table.py   (prints only; exits 0 whether targets are met or not)
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
HEADERS = ("benchmark", "measured", "baseline", "ratio", "target", "result")
INFO = "(information)"  # the target column of a row with no target


def row(
    name: str,
    value: float,
    unit: str = "",
    *,
    baseline: float | None = None,
    target: str | None = None,
    passed: bool | None = None,
    ratio: float | None = None,
) -> dict[str, Any]:
    """Return one row in the JSON format (ratio defaults to value / baseline)."""
    if ratio is None and baseline:
        ratio = value / baseline
    return {"name": name, "value": value, "unit": unit, "baseline": baseline, "ratio": ratio,
            "target": target, "pass": passed}  # fmt: skip


def write_results(bench: str, rows: list[dict[str, Any]], notes: list[str] | None = None) -> Path:
    """Write `rows` (and `notes`, printed under the table) to bench/results/<bench>.json."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{bench}.json"
    document = {"bench": bench, "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "rows": rows, "notes": notes or []}  # fmt: skip
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _number(value: Any, unit: str = "") -> str:
    if value is None:
        return ""
    if not isinstance(value, int | float):
        return str(value)
    size = abs(value)
    text = f"{value:,.0f}" if size >= 100 else f"{value:.2f}" if size >= 1 else f"{value:.3f}"
    return f"{text} {unit}".strip()


def _verdict(passed: Any) -> str:
    return {True: "PASS", False: "MISS"}.get(passed, "") if isinstance(passed, bool) else ""


def load(folder: Path = RESULTS) -> list[dict[str, Any]]:
    """Return every results document of `folder`, by file name."""
    documents = []
    for path in sorted(folder.glob("*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"{path.name}: unreadable ({exc})", file=sys.stderr)
            continue
        document.setdefault("bench", path.stem)
        documents.append(document)
    return documents


def lines(documents: list[dict[str, Any]]) -> list[str]:
    """Return the table of every row of `documents` as text lines."""
    table: list[tuple[str, ...]] = []
    for document in documents:
        for r in document.get("rows", []):
            ratio = r.get("ratio")
            table.append((
                f"{document['bench']}: {r.get('name', '?')}",
                _number(r.get("value"), r.get("unit", "")),
                _number(r.get("baseline"), r.get("unit", "")),
                f"{ratio:.2f}x" if isinstance(ratio, int | float) else "",
                r.get("target") or INFO,
                _verdict(r.get("pass")),
            ))  # fmt: skip
    width = [max(len(t[i]) for t in (HEADERS, *table)) for i in range(len(HEADERS))]
    rule = "+".join("-" * (w + 2) for w in width)
    out = [rule, " | ".join(h.ljust(w) for h, w in zip(HEADERS, width, strict=True)), rule]
    out += [" | ".join(c.ljust(w) for c, w in zip(t, width, strict=True)).rstrip() for t in table]
    out.append(rule)
    verdicts = [t[-1] for t in table if t[-1]]
    out.append(
        f"{verdicts.count('PASS')} PASS, {verdicts.count('MISS')} MISS, "
        f"{len(table) - len(verdicts)} for information; from "
        + ", ".join(f"{d['bench']} ({d.get('generated_at', '?')})" for d in documents)
    )
    out += [f"{d['bench']}: {note}" for d in documents for note in d.get("notes", [])]
    return out


def main() -> None:
    """Print the table of every benchmark result found."""
    documents = load()
    if not documents:
        print(f"no results in {RESULTS}: run the bench scripts first (make bench)")
        return
    print("\n".join(lines(documents)))


if __name__ == "__main__":
    main()

"""Every list can be filtered and exported: one helper for CSV and XLSX downloads."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from flask import Response, abort, request
from openpyxl import Workbook

from wflow.web.args import arg_year

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def wanted_format() -> str | None:
    """Return "csv" or "xlsx" when the request asks for an export, else None (400 if unknown)."""
    fmt = request.args.get("format")
    if fmt in (None, "", "html"):
        return None
    if fmt not in {"csv", "xlsx"}:
        abort(400, description=f"format must be csv or xlsx, not {fmt!r}")
    return fmt


def export(
    fmt: str, filename: str, columns: Sequence[tuple[str, Any]], rows: Iterable[dict[str, Any]]
) -> Response:
    """Answer a CSV or XLSX download of `rows` with the given (key, header) columns."""
    headers = [str(label) for _key, label in columns]
    table = [[_cell(row.get(key)) for key, _label in columns] for row in rows]
    if fmt == "csv":
        buf = io.StringIO()
        buf.write("\ufeff")  # BOM so spreadsheet programs read UTF-8 Vietnamese correctly
        writer = csv.writer(buf)
        writer.writerow(headers)
        writer.writerows(table)
        body: bytes = buf.getvalue().encode("utf-8")
        mimetype = "text/csv; charset=utf-8"
    else:
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.append(headers)
        for line in table:
            ws.append(line)
        out = io.BytesIO()
        wb.save(out)
        body, mimetype = out.getvalue(), XLSX
    disposition = f'attachment; filename="{filename}.{fmt}"'
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": disposition})


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    # Keep spreadsheet programs from executing a cell as a formula (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def filter_periods(
    rows: Iterable[Any], states: Mapping[int, str], text: Callable[[Any], Iterable[Any]]
) -> list[Any]:
    """Keep rows (plans, pacts) covering ?year=, in workflow state ?state=, matching ?q=."""
    year = arg_year()
    state, q = request.args.get("state", ""), request.args.get("q", "")
    return [
        r for r in rows
        if (not year or r.year <= year <= r.year_end)
        and (not state or states.get(r.id or 0) == state)
        and matches(q, *text(r))
    ]  # fmt: skip


def matches(query: str, *fields: Any) -> bool:
    """Tell whether the case-insensitive `query` occurs in any of `fields`."""
    if not query:
        return True
    q = query.casefold()
    return any(q in str(f).casefold() for f in fields if f is not None)

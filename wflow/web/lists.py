"""Every list can be filtered and exported: one helper for CSV and XLSX downloads.

Exports: XLSX keeps typed date and number cells; CSV writes ISO 8601 dates (local time for
stored times) and numbers with a decimal point, no grouping (see `_cell`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, abort, request
from openpyxl import Workbook

from wflow.core import formats as core_formats
from wflow.web import formats
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
    zone = formats.timezone()
    table = [[_cell(row.get(key), fmt, zone) for key, _label in columns] for row in rows]
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
        for cells in ws.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
        out = io.BytesIO()
        wb.save(out)
        body, mimetype = out.getvalue(), XLSX
    return attachment(body, f"{filename}.{fmt}", mimetype)


def attachment(body: bytes, filename: str, mimetype: str = XLSX) -> Response:
    """Answer `body` as a download named `filename` (an XLSX workbook by default)."""
    disposition = f'attachment; filename="{filename}"'
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": disposition})


def _cell(value: Any, fmt: str, zone: str) -> Any:
    """Return one exported cell: typed in XLSX, ISO 8601 and plain decimals in CSV.

    Times are the installation's local time (stored ones are UTC); XLSX keeps real date and
    number cells (spreadsheets sort and sum them); CSV, read by programs as much as by
    people, writes dates as 2026-12-17, times as 2026-12-17 00:30 and numbers as 85.5.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, datetime):
        local = core_formats.to_local(value, zone).replace(tzinfo=None)
        return local if fmt == "xlsx" else local.isoformat(" ", "minutes")
    if isinstance(value, date):
        return value if fmt == "xlsx" else value.isoformat()
    if isinstance(value, Decimal):
        return value if fmt == "xlsx" else f"{value.normalize():f}"
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

"""Read a criteria table from the spreadsheets committees keep (XLSX or CSV).

The file's content decides how it is read (an XLSX is a ZIP with a workbook; a CSV is UTF-8
text), its name must agree, and a file with any error imports nothing: every bad row is named.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from wflow.core.errors import ServiceError
from wflow.org.models import User
from wflow.plans.criteria import COLUMN_LABELS, COLUMNS, MAX_ROWS, parse_rows
from wflow.plans.models import Plan
from wflow.plans.service import set_criteria

MAX_BYTES = 2 * 1024 * 1024  # a criteria table is a few KiB; refuse anything near this
MAX_UNZIPPED = 20 * 1024 * 1024  # an XLSX expanding beyond this is refused (zip bomb)
# Header texts accepted for each column: our keys, English and Vietnamese labels.
ALIASES: dict[str, tuple[str, ...]] = {
    "group": ("group", "nhóm", "mã nhóm", "nhom"),
    "group_title": ("group title", "tên nhóm", "nội dung nhóm"),
    "group_max": ("group max points", "group max", "điểm tối đa nhóm", "điểm nhóm"),
    "code": ("code", "mã", "mã tiêu chí", "stt"),
    "criterion": ("criterion", "tiêu chí", "nội dung tiêu chí", "title"),
    "max_points": ("max points", "điểm tối đa", "điểm chuẩn", "điểm"),
    "max_bonus": ("max bonus", "điểm thưởng", "điểm thưởng tối đa"),
    "evidence": ("evidence required", "evidence", "minh chứng", "tài liệu kiểm chứng"),
}


def _norm(text: Any) -> str:
    value = unicodedata.normalize("NFC", str(text or "")).strip().casefold()
    return value.replace("_", " ")


_HEADERS = {_norm(alias): key for key, names in ALIASES.items() for alias in (key, *names)}


def _bad(message: Any) -> ServiceError:
    return ServiceError(message, "file")


def read_rows(data: bytes, filename: str) -> list[tuple[int, dict[str, Any]]]:
    """Return the numbered data rows (the header is row 1) of an XLSX or CSV criteria file."""
    if not data:
        raise _bad(_l("The file is empty."))
    if len(data) > MAX_BYTES:
        raise _bad(_l("The file is larger than %(n)d KiB.", n=MAX_BYTES // 1024))
    name = filename.lower()
    if data[:4] == b"PK\x03\x04":
        if not name.endswith(".xlsx"):
            raise _bad(_l("Only .xlsx and .csv files are accepted."))
        table = _xlsx(data)
    elif name.endswith(".csv"):
        table = _csv(data)
    else:
        raise _bad(_l("Only .xlsx and .csv files are accepted."))
    if not table:
        raise _bad(_l("The file holds no table."))
    header = [_HEADERS.get(_norm(h)) for h in table[0]]
    unknown = [str(h) for h, key in zip(table[0], header, strict=True) if key is None and _norm(h)]
    if unknown:
        raise _bad(
            _l(
                "row 1: unknown columns: %(cols)s (expected: %(exp)s).",
                cols=", ".join(unknown),
                exp=", ".join(str(COLUMN_LABELS[c]) for c in COLUMNS),
            )
        )
    missing = [
        str(COLUMN_LABELS[c]) for c in ("group", "criterion", "max_points") if c not in header
    ]
    if missing:
        raise _bad(_l("row 1: missing columns: %(cols)s.", cols=", ".join(missing)))
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, cells in enumerate(table[1:], start=2):
        row = {key: cell for key, cell in zip(header, cells, strict=False) if key is not None}
        rows.append((number, row))
    if len(rows) > MAX_ROWS:
        raise _bad(_l("At most %(n)d rows.", n=MAX_ROWS))
    return rows


def _xlsx(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if sum(i.file_size for i in zf.infolist()) > MAX_UNZIPPED:
                raise _bad(_l("The workbook is too large once unpacked."))
            if "xl/workbook.xml" not in zf.namelist():
                raise _bad(_l("The file is not an Excel workbook (.xlsx)."))
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ServiceError:
        raise
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise _bad(_l("The file is not a readable Excel workbook (.xlsx).")) from None
    sheet = book.worksheets[0] if book.worksheets else None
    if sheet is None:
        return []
    table: list[list[Any]] = []
    for values in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2, max_col=len(COLUMNS) + 4):
        table.append(list(values))
    book.close()
    while table and not any(v not in (None, "") for v in table[-1]):
        table.pop()
    return table


def _csv(data: bytes) -> list[list[Any]]:
    if b"\x00" in data:
        raise _bad(_l("The file is not a text (CSV) file."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _bad(_l("Save the CSV file as UTF-8.")) from None
    try:
        dialect: Any = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [row for row in csv.reader(io.StringIO(text), dialect) if row]
    except csv.Error as exc:
        raise _bad(_l("The CSV file cannot be read: %(why)s", why=str(exc))) from None


def import_criteria(session: Session, *, user: User, plan: Plan, data: bytes, filename: str) -> int:
    """Replace the plan's criteria with a file's table; return the number of criteria."""
    groups = parse_rows(read_rows(data, filename))
    set_criteria(session, user=user, plan=plan, groups=groups)
    return sum(len(g.criteria) for g in groups)


__all__ = ["import_criteria", "read_rows"]

"""Read a criteria table from the spreadsheets committees keep (XLSX or CSV).

The file is read by `wflow.core.sheets` (its content decides how, its name must agree, the
limits refuse hostile files), and a file with any error imports nothing: every bad row is named.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from wflow.core.errors import ServiceError
from wflow.core.sheets import header_key, read_table
from wflow.org.models import User
from wflow.plans.criteria import COLUMN_LABELS, COLUMNS, MAX_ROWS, parse_rows
from wflow.plans.models import Plan
from wflow.plans.service import set_criteria

MAX_BYTES = 2 * 1024 * 1024  # a criteria table is a few KiB; refuse anything near this
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


_HEADERS = {header_key(alias): key for key, names in ALIASES.items() for alias in (key, *names)}


def _bad(message: Any) -> ServiceError:
    return ServiceError(message, "file")


def read_rows(data: bytes, filename: str) -> list[tuple[int, dict[str, Any]]]:
    """Return the numbered data rows (the header is row 1) of an XLSX or CSV criteria file."""
    table = read_table(data, filename, max_bytes=MAX_BYTES, max_rows=MAX_ROWS,
                       max_cols=len(COLUMNS) + 4)  # fmt: skip
    header = [_HEADERS.get(header_key(h)) for h in table[0]]
    unknown = [
        str(h) for h, key in zip(table[0], header, strict=True) if key is None and header_key(h)
    ]
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
    return rows


def import_criteria(session: Session, *, user: User, plan: Plan, data: bytes, filename: str) -> int:
    """Replace the plan's criteria with a file's table; return the number of criteria."""
    groups = parse_rows(read_rows(data, filename))
    set_criteria(session, user=user, plan=plan, groups=groups)
    return sum(len(g.criteria) for g in groups)


__all__ = ["import_criteria", "read_rows"]

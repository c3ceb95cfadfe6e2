"""Read the table of an uploaded spreadsheet (XLSX or CSV) for an import, or refuse the file.

The file's content decides how it is read (an XLSX is a ZIP with a workbook; a CSV is UTF-8
text, comma, semicolon or tab separated), its name must agree, and the limits keep a hostile
file (a zip bomb, a huge sheet) from costing more than a normal one. Every refusal names the
input `field` ("file"). `wflow.plans.spreadsheet` reads criteria tables the same way.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from typing import Any

from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook

from wflow.core.errors import ServiceError

MAX_UNZIPPED = 20 * 1024 * 1024  # an XLSX expanding beyond this is refused (zip bomb)


def header_key(text: Any) -> str:
    """Return a header cell as compared with the accepted names (NFC, case-folded, spaced)."""
    value = unicodedata.normalize("NFC", str(text or "")).strip().casefold()
    return " ".join(value.replace("_", " ").split())


def read_table(
    data: bytes,
    filename: str,
    *,
    max_bytes: int,
    max_rows: int,
    max_cols: int,
    field: str = "file",
) -> list[list[Any]]:
    """Return the rows of the first sheet (or the CSV), header first, trailing blank rows cut."""

    def bad(message: Any) -> ServiceError:
        return ServiceError(message, field)

    if not data:
        raise bad(_l("The file is empty."))
    if len(data) > max_bytes:
        raise bad(_l("The file is larger than %(n)d KiB.", n=max_bytes // 1024))
    name = filename.lower()
    if data[:4] == b"PK\x03\x04":
        if not name.endswith(".xlsx"):
            raise bad(_l("Only .xlsx and .csv files are accepted."))
        table = _xlsx(data, max_rows + 1, max_cols, bad)
    elif name.endswith(".csv"):
        table = _csv(data, bad)
    else:
        raise bad(_l("Only .xlsx and .csv files are accepted."))
    while table and not any(v not in (None, "") for v in table[-1]):
        table.pop()
    if not table:
        raise bad(_l("The file holds no table."))
    if len(table) > max_rows + 1:
        raise bad(_l("At most %(n)d rows.", n=max_rows))
    return table


def _xlsx(data: bytes, rows: int, cols: int, bad: Any) -> list[list[Any]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if sum(i.file_size for i in zf.infolist()) > MAX_UNZIPPED:
                raise bad(_l("The workbook is too large once unpacked."))
            if "xl/workbook.xml" not in zf.namelist():
                raise bad(_l("The file is not an Excel workbook (.xlsx)."))
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ServiceError:
        raise
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise bad(_l("The file is not a readable Excel workbook (.xlsx).")) from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            return []
        # one row more than allowed, so that a longer sheet is refused rather than cut
        return [list(v) for v in sheet.iter_rows(values_only=True, max_row=rows + 1, max_col=cols)]
    finally:
        book.close()


def _csv(data: bytes, bad: Any) -> list[list[Any]]:
    if b"\x00" in data:
        raise bad(_l("The file is not a text (CSV) file."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise bad(_l("Save the CSV file as UTF-8.")) from None
    try:
        dialect: Any = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [row for row in csv.reader(io.StringIO(text), dialect) if row]
    except csv.Error as exc:
        raise bad(_l("The CSV file cannot be read: %(why)s", why=str(exc))) from None


__all__ = ["header_key", "read_table"]

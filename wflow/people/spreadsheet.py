"""Import a unit's people from a spreadsheet (XLSX or CSV): all rows or none.

Headers are understood in Vietnamese ("Họ và tên", "Chức vụ", "Giới tính", "Năm sinh",
"Mã cán bộ"), English, French and Hungarian; "STT", "Đơn vị" and "Đang công tác" (as in the
directory's own export) are read past. Every row is checked before anything is written: a
file with a rejected row imports nothing, and every rejected row is named with its reason.
A row matching one of the unit's people (same staff number; or, without one, same name and
year of birth) updates that person; any other row adds a person.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from wflow.core.errors import ServiceError
from wflow.core.sheets import header_key, read_table
from wflow.core.uow import transactional
from wflow.org.models import User
from wflow.people.models import Person
from wflow.people.service import (
    PersonFields,
    clean_fields,
    create_person,
    ensure_manage,
    fold,
    get_person,
    people_of,
    staff_number_owner,
    update_person,
)

MAX_BYTES = 2 * 1024 * 1024  # a unit's list is a few dozen KiB
MAX_ROWS = 2000
COLUMNS = ("full_name", "position", "sex", "birth_year", "staff_number")
REQUIRED = ("full_name", "position", "sex", "birth_year")
# The template's headers (Vietnamese, as the committee's own files are).
HEADERS = {
    "full_name": "Họ và tên",
    "position": "Chức vụ",
    "sex": "Giới tính",
    "birth_year": "Năm sinh",
    "staff_number": "Mã cán bộ",
}
ALIASES: dict[str, tuple[str, ...]] = {
    "full_name": ("họ và tên", "họ tên", "full name", "name", "nom complet", "teljes név"),
    "position": ("chức vụ", "chức danh", "position", "fonction", "beosztás"),
    "sex": ("giới tính", "sex", "gender", "sexe", "nem"),
    "birth_year": ("năm sinh", "ngày sinh", "year of birth", "date of birth", "birth year",
                   "année de naissance", "születési év"),
    "staff_number": ("mã cán bộ", "mã số", "mã nhân viên", "staff number", "matricule",
                     "törzsszám"),
    "": ("stt", "tt", "#", "no", "no.", "đơn vị", "unit", "unité", "egység", "đang công tác",
         "still working", "active", "actif", "aktív"),
}  # fmt: skip
_HEADERS = {header_key(alias): key for key, names in ALIASES.items() for alias in names}
SEX_WORDS = {
    "male": ("nam", "male", "m", "homme", "h", "ferfi"),
    "female": ("nu", "female", "f", "femme", "no"),
}
_SEX = {word: sex for sex, words in SEX_WORDS.items() for word in words}
_YEAR = re.compile(r"(?<!\d)(19\d\d|20\d\d)(?!\d)")


class RowsRejected(ServiceError):
    """The file has rejected rows: nothing was imported; `rows` are (row number, reason)."""

    def __init__(self, rows: list[tuple[int, str]]) -> None:
        super().__init__(_l("%(n)d rows were rejected; nothing was imported.", n=len(rows)), "file")
        self.rows = rows


@dataclass(frozen=True)
class Imported:
    """What an import did."""

    created: int
    updated: int


@dataclass(frozen=True)
class _Row:
    number: int
    fields: PersonFields
    person_id: int | None  # the person it updates, None for a new one


def _header(table: list[list[Any]]) -> list[str | None]:
    keys = [_HEADERS.get(header_key(h)) for h in table[0]]
    unknown = [str(h) for h, k in zip(table[0], keys, strict=True) if k is None and header_key(h)]
    if unknown:
        raise ServiceError(
            _l("row 1: unknown columns: %(cols)s (expected: %(exp)s).",
               cols=", ".join(unknown), exp=", ".join(HEADERS.values())),
            "file",
        )  # fmt: skip
    missing = [HEADERS[c] for c in REQUIRED if c not in keys]
    if missing:
        raise ServiceError(_l("row 1: missing columns: %(cols)s.", cols=", ".join(missing)), "file")
    return [k or None for k in keys]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _sex(value: Any) -> str:
    return _SEX.get(fold(_text(value)).replace(".", ""), "?")


def _birth_year(value: Any) -> int | None:
    """Read a year of birth from a number, a date or a text such as "12/03/1985"."""
    if isinstance(value, (datetime, date)):
        return value.year
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value) if float(value).is_integer() else None
    text = _text(value)
    if text.isdigit():
        return int(text)
    found = _YEAR.findall(text)
    return int(found[0]) if len(found) == 1 else None


def _same(name: str, year: int) -> tuple[str, int]:
    """Return what tells one person from another without a staff number.

    Case is ignored, diacritics are not: "Hà" and "Hạ" are different names.
    """
    return " ".join(unicodedata.normalize("NFC", name).casefold().split()), year


class _Seen:
    """The unit's people and the file's rows so far, to match and to catch duplicates."""

    def __init__(self, people: list[Person]) -> None:
        self.mine = {p.id for p in people}
        self.by_name: dict[tuple[str, int], list[int]] = {}
        for p in people:
            self.by_name.setdefault(_same(p.full_name, p.birth_year), []).append(p.id or 0)
        self.staff: dict[str, int] = {}  # staff number -> row
        self.names: dict[tuple[str, int], int] = {}  # name and year (rows without a number)


def _check_rows(
    session: Session, unit_id: int, table: list[list[Any]]
) -> tuple[list[_Row], list[tuple[int, str]]]:
    header = _header(table)
    seen = _Seen(people_of(session, [unit_id]))
    rows: list[_Row] = []
    rejected: list[tuple[int, str]] = []
    for number, cells in enumerate(table[1:], start=2):
        raw = {k: c for k, c in zip(header, cells, strict=False) if k is not None}
        if not any(_text(v) for v in raw.values()):
            continue  # an empty line
        try:
            rows.append(_check_row(session, number, raw, seen))
        except ServiceError as exc:
            rejected.append((number, "; ".join(exc.problems)))
    if not rows and not rejected:
        raise ServiceError(_l("The file holds no person."), "file")
    return rows, rejected


def _check_row(session: Session, number: int, raw: dict[str, Any], seen: _Seen) -> _Row:
    staff = _text(raw.get("staff_number")) or None
    person_id: int | None = None
    if staff:
        owner = staff_number_owner(session, staff)
        if owner is not None and owner not in seen.mine:
            raise ServiceError(_l("The staff number %(number)s is already used by a person of "
                                  "another unit.", number=staff.upper()))  # fmt: skip
        person_id = owner
    sex = _sex(raw.get("sex"))
    if sex not in SEX_WORDS:
        raise ServiceError(_l('Write the sex as "Nam" or "Nữ".'), "sex")
    fields = clean_fields(session, full_name=_text(raw.get("full_name")),
                          position=_text(raw.get("position")), sex=sex,
                          birth_year=_birth_year(raw.get("birth_year")), staff_number=staff,
                          own_id=person_id)  # fmt: skip
    if fields.staff_number:
        if fields.staff_number in seen.staff:
            raise ServiceError(_l("The staff number is also on row %(row)d.",
                                  row=seen.staff[fields.staff_number]))  # fmt: skip
        seen.staff[fields.staff_number] = number
        return _Row(number, fields, person_id)
    key = _same(fields.full_name, fields.birth_year)
    if key in seen.names:
        raise ServiceError(_l("The same name and year of birth are on row %(row)d; give staff "
                              "numbers to tell the two apart.", row=seen.names[key]))  # fmt: skip
    seen.names[key] = number
    found = seen.by_name.get(key, [])
    if len(found) > 1:
        raise ServiceError(_l("Several people of the unit have this name and year of birth; "
                              "give the staff number."))  # fmt: skip
    return _Row(number, fields, found[0] if found else None)


@transactional
def import_people(
    session: Session, *, user: User, unit_id: int, data: bytes, filename: str
) -> Imported:
    """Add or update the unit's people from a file; any rejected row imports nothing."""
    ensure_manage(session, user, unit_id)
    table = read_table(data, filename, max_bytes=MAX_BYTES, max_rows=MAX_ROWS,
                       max_cols=len(COLUMNS) + 10)  # fmt: skip
    rows, rejected = _check_rows(session, unit_id, table)
    if rejected:
        raise RowsRejected(rejected)
    created = updated = 0
    for row in rows:
        f = row.fields
        if row.person_id is None:
            create_person(session, user=user, unit_id=unit_id, full_name=f.full_name,
                          position=f.position, sex=f.sex, birth_year=f.birth_year,
                          staff_number=f.staff_number)  # fmt: skip
            created += 1
            continue
        person: Person = get_person(session, row.person_id)
        update_person(session, user=user, person=person, full_name=f.full_name,
                      position=f.position, sex=f.sex, birth_year=f.birth_year,
                      staff_number=f.staff_number or person.staff_number,
                      active=person.active, account_id=person.user_id)  # fmt: skip
        updated += 1
    return Imported(created=created, updated=updated)


__all__ = ["HEADERS", "Imported", "RowsRejected", "import_people"]

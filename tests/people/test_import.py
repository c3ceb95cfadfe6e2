"""Importing a unit's people from XLSX or CSV: all rows or none, every rejected row named."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook, load_workbook
from sqlmodel import Session

from tests.conftest import csrf_token, submit
from tests.people.test_views import add, as_user, everyone

VI_HEADER = ["STT", "Họ và tên", "Chức vụ", "Giới tính", "Năm sinh", "Mã cán bộ"]


def xlsx(rows: list[list[Any]]) -> bytes:
    """Return a workbook holding `rows` on its first sheet."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client: FlaskClient, unit_id: int, body: bytes, name: str) -> Any:
    """Post a file to the unit's import page."""
    url = f"/units/{unit_id}/people/import"
    token = csrf_token(client, url)
    return client.post(url, data={"csrf_token": token, "file": (io.BytesIO(body), name)},
                       content_type="multipart/form-data")  # fmt: skip


def rejected_rows(page: str) -> dict[int, str]:
    """Return the rejected rows the page reports: row number -> reason."""
    found = re.findall(r'<tr><th scope="row">(\d+)</th><td>([^<]*)</td></tr>', page)
    return {int(n): reason for n, reason in found}


def test_import__an_xlsx_with_vietnamese_headers_adds_the_people(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    a1 = world["units"]["a1"]
    body = xlsx([
        VI_HEADER,
        [1, "Nguyễn Văn An", "Bí thư", "Nam", 1978, "TD-01"],
        [2, "Trần Thị Bích Ngọc", "Phó Bí thư", "Nữ", date(1985, 4, 30), None],
        [3, "Lê Hoàng  Long", "Chuyên viên", "nam", "12/03/1996", ""],
        [None, None, None, None, None, None],  # an empty line is read past
    ])  # fmt: skip
    answer = upload(as_user(app, "a1.staff"), a1.id, body, "danh-sach.xlsx")
    assert answer.status_code == 303, answer.get_data(as_text=True)
    found = {p.full_name: p for p in everyone(session)}
    assert set(found) == {"Nguyễn Văn An", "Trần Thị Bích Ngọc", "Lê Hoàng Long"}
    assert (found["Trần Thị Bích Ngọc"].sex, found["Trần Thị Bích Ngọc"].birth_year) == (
        "female",
        1985,
    )
    assert found["Lê Hoàng Long"].birth_year == 1996 and found["Nguyễn Văn An"].staff_number == (
        "TD-01"
    )
    assert all(p.unit_id == a1.id for p in found.values())


def test_import__a_csv_with_english_headers_updates_who_is_there(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    a1 = world["units"]["a1"]
    head = as_user(app, "a1.head")
    add(head, a1.id, staff_number="TD-07")  # Nguyễn Thị Thu Hà, Phó Bí thư
    add(head, a1.id, full_name="Phạm Văn Đức", sex="male", birth_year=1970)
    text = (
        "Full name;Position;Sex;Year of birth;Staff number\n"
        "Nguyễn Thị Thu Hà;Bí thư;Female;1988;td-07\n"  # the staff number: an update
        "Pham Van Duc;Chuyên viên;M;1970;\n"  # another spelling: a new person
        "Phạm Văn Đức;Phó Chủ tịch;Male;1970;\n"  # same name and year: an update
    )
    answer = upload(head, a1.id, text.encode("utf-8-sig"), "people.csv")
    assert answer.status_code == 303, answer.get_data(as_text=True)
    found = {p.full_name: p for p in everyone(session)}
    assert len(found) == 3
    assert found["Nguyễn Thị Thu Hà"].position == "Bí thư"
    assert found["Phạm Văn Đức"].position == "Phó Chủ tịch"
    listed = head.get(f"/units/{a1.id}/people").get_data(as_text=True)
    assert "Pham Van Duc" in listed


def test_import__a_file_with_rejected_rows_imports_nothing_and_names_them(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    a1, b1 = world["units"]["a1"], world["units"]["b1"]
    add(as_user(app, "b1.head"), b1.id, full_name="Lê Văn Hùng", staff_number="HND-9")
    body = xlsx([
        VI_HEADER,
        [1, "Nguyễn Văn An", "Bí thư", "Nam", 1978, "TD-01"],  # fine
        [2, "", "Chuyên viên", "Nữ", 1990, None],  # no name
        [3, "Trần Văn Bình", "Chuyên viên", "không rõ", 1990, None],  # sex
        [4, "Hồ Thị Mai", "Chuyên viên", "Nữ", 1850, None],  # year of birth
        [5, "Đỗ Văn Cường", "Chuyên viên", "Nam", 1991, "hnd-9"],  # another unit's number
        [6, "Ngô Văn Dũng", "Chuyên viên", "Nam", 1992, "TD-01"],  # row 2's number
        [7, "Nguyễn Văn An", "Chuyên viên", "Nam", 1978, None],  # fine (has no number)
        [8, "Nguyễn Văn An", "Chuyên viên", "Nam", 1978, ""],  # row 8's name and year
    ])  # fmt: skip
    client = as_user(app, "a1.head")
    answer = upload(client, a1.id, body, "danh-sach.xlsx")
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Nothing was imported: 6 rows were rejected" in page
    rows = rejected_rows(page)
    assert sorted(rows) == [3, 4, 5, 6, 7, 9]
    assert "required" in rows[3]
    assert "Nam" in rows[4] and "Nữ" in rows[4]
    assert "year of birth" in rows[5]
    assert "another unit" in rows[6]
    assert "row 2" in rows[7]
    assert "row 8" in rows[9]
    assert [p.full_name for p in everyone(session)] == ["Lê Văn Hùng"]  # nothing half-imported


def test_import__a_bad_file_is_refused_as_a_whole(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    a1 = world["units"]["a1"]
    client = as_user(app, "a1.head")
    cases = [
        (b"", "people.csv", "The file is empty."),
        (b"%PDF-1.7 not a list", "people.pdf", "Only .xlsx and .csv files"),
        (b"PK\x03\x04 broken", "people.xlsx", "not"),
        ("Họ và tên,Chức vụ,Quê quán\nA,B,C\n".encode(), "p.csv", "unknown columns: Quê quán"),
        ("Họ và tên,Chức vụ\nNguyễn Văn An,Bí thư\n".encode(), "p.csv", "missing columns"),
        (xlsx([VI_HEADER]), "p.xlsx", "no person"),
    ]
    for body, name, message in cases:
        answer = upload(client, a1.id, body, name)
        assert answer.status_code == 422, name
        assert message in answer.get_data(as_text=True), (name, message)
    assert everyone(session) == []
    # another unit's people may not import into a1
    other = as_user(app, "b1.head")
    url = f"/units/{a1.id}/people/import"
    token = csrf_token(other, "/notifications")
    refused = other.post(url, data={"csrf_token": token, "file": (io.BytesIO(b"x"), "a.csv")},
                         content_type="multipart/form-data")  # fmt: skip
    assert refused.status_code == 403


def test_import__the_template_has_the_columns_the_import_reads(
    app: Flask, world: dict[str, Any]
) -> None:
    client = as_user(app, "a2.head")
    answer = client.get("/people/import-template?format=xlsx")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.data)).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header == ["Họ và tên", "Chức vụ", "Giới tính", "Năm sinh", "Mã cán bộ"]
    csv_text = client.get("/people/import-template?format=csv").get_data(as_text=True)
    assert csv_text.lstrip("\ufeff").startswith("Họ và tên,Chức vụ,Giới tính,Năm sinh,Mã cán bộ")
    # the filled-in template imports
    body = xlsx([header, ["Vũ Thị Lan", "Chuyên viên", "Nữ", 1999, None]])
    assert upload(client, world["units"]["a2"].id, body, "mau.xlsx").status_code == 303


def test_import__the_directorys_own_export_imports_back_in_every_language(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    a1 = world["units"]["a1"]
    head = as_user(app, "a1.head")
    add(head, a1.id, staff_number="TD-07")
    add(head, a1.id, full_name="Phạm Văn Đức", sex="male", birth_year=1970)
    for locale in ("vi", "fr", "hu", "en"):
        submit(head, "/locale", {"locale": locale, "next": "/"}, page="/")
        exported = head.get(f"/units/{a1.id}/people?format=xlsx").data
        answer = upload(head, a1.id, exported, "export.xlsx")
        page = answer.get_data(as_text=True)
        assert answer.status_code == 303, (locale, page[page.find('id="main"') :][:1500])
        assert len(everyone(session)) == 2, locale  # both updated, nobody added

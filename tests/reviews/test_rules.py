"""The review's pure rules: who grades whom, due dates, targets read as numbers, file types."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook

from wflow.core.errors import ServiceError
from wflow.plans.text import clean_rules, default_rules
from wflow.reviews.evidence import check, clean_filename, detect
from wflow.reviews.rules import NoReviewer, due_date, first_number, reviewer_for

MEMBERS = [(3, "leader"), (5, "member"), (8, "member"), (9, "deputy")]


def test_reviewer__the_leader_grades_everyone_and_its_deputy_grades_the_leader() -> None:
    assert [reviewer_for(MEMBERS, u, "q1", "leader") for u in (5, 8, 9)] == [3, 3, 3]
    assert reviewer_for(MEMBERS, 3, "q1", "leader") == 9
    no_deputy = [(3, "leader"), (5, "member"), (8, "member")]
    assert reviewer_for(no_deputy, 3, "year_end", "leader") == 5  # the next unit by id


def test_reviewer__cross_grading_rotates_with_the_period_and_never_lands_on_itself() -> None:
    for period, step in (("q1", 1), ("mid_year", 2), ("q3", 3), ("year_end", 4)):
        got = {u: reviewer_for(MEMBERS, u, period, "cross") for u, _p in MEMBERS}
        ids = [u for u, _p in MEMBERS]
        for i, unit in enumerate(ids):
            expected = ids[(i + step) % 4]
            if expected == unit:
                expected = ids[(i + step + 1) % 4]
            assert got[unit] == expected != unit
    pair = [(1, "leader"), (2, "member")]
    assert reviewer_for(pair, 1, "mid_year", "cross") == 2  # (0 + 2) mod 2 is itself: one on
    assert reviewer_for(pair, 2, "year_end", "cross") == 1
    with pytest.raises(NoReviewer):
        reviewer_for([(1, "leader")], 1, "q1", "leader")
    with pytest.raises(NoReviewer):
        reviewer_for(MEMBERS, 42, "q1", "cross")


def test_due_dates_and_targets_read_as_numbers() -> None:
    assert due_date(2026, "06-15") == date(2026, 6, 15)
    assert due_date(2026, "02-29") == date(2026, 2, 28) and due_date(2028, "02-29").day == 29
    for text, value in (("100 % cán bộ được quán triệt", "100"), ("Kết nạp 1.200 hội viên", "1200"),
                        ("1,5 tỷ đồng", "1.5"), ("Đăng 120 tin bài", "120"),
                        ("1.200.000 đồng", "1200000"), ("Đạt 12,50%", "12.5"),
                        ("≥ 3 mô hình", "3")):  # fmt: skip
        assert first_number(text) == Decimal(value), text
    assert first_number("Hoàn thành tốt") is None and first_number("") is None


def test_plan_rules__review_opening_days_and_grading_are_checked() -> None:
    rules = default_rules()
    assert rules["review_open_days"] == 30 and rules["grading"] == "leader"
    assert clean_rules({"grading": "cross", "review_open_days": "45"})["review_open_days"] == 45
    for bad in ({"grading": "vote"}, {"review_open_days": 0}, {"review_open_days": "x"}):
        with pytest.raises(ServiceError) as caught:
            clean_rules(bad)
        assert caught.value.field in ("grading", "review_open_days")


def _zip(entries: dict[str, bytes], first: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        if first:
            archive.writestr(first, entries.pop(first), compress_type=zipfile.ZIP_STORED)
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_evidence__types_told_by_content_not_by_name() -> None:
    book = io.BytesIO()
    Workbook().save(book)
    docx = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})
    odt = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<o/>"},
               first="mimetype")  # fmt: skip
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
    cases = {
        "a.pdf": (b"%PDF-1.7\n...", "application/pdf"),
        "photo.jpg": (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
        "pic": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image/png"),
        "anim.gif": (b"GIF89a" + b"\x00" * 20, "image/gif"),
        "x.webp": (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        "báo cáo.docx": (docx, "application/vnd.openxmlformats-officedocument."
                               "wordprocessingml.document"),
        "bảng.xlsx": (book.getvalue(), "application/vnd.openxmlformats-officedocument."
                                        "spreadsheetml.sheet"),
        "văn bản.odt": (odt, "application/vnd.oasis.opendocument.text"),
        "cũ.doc": (ole, "application/msword"),
        "cũ.xls": (ole, "application/vnd.ms-excel"),
    }  # fmt: skip
    for name, (data, kind) in cases.items():
        assert detect(data, name) == kind, name
    assert detect(ole, "cũ.exe") is None
    assert detect(_zip({"a.txt": b"x"}), "a.docx") is None  # a zip that is no document
    assert detect(b"<svg onload=alert(1)>", "x.png") is None
    assert detect(b"MZ%PDF-1.4", "report.pdf") is None
    with pytest.raises(ServiceError, match="is a program"):
        check(b"\x7fELF\x02\x01\x01" + b"\x00" * 40, "report.pdf")
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("C:\\Users\\a\\Báo cáo\x00.pdf") == "Báo cáo.pdf"
    assert clean_filename("...") == "evidence"

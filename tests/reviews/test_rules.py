"""The review's pure rules: who grades whom, due dates, targets read as numbers, file types."""

from __future__ import annotations

import io
import unicodedata
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook

from tests import samples
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


def test_evidence__types_told_by_parsing_not_by_name_nor_first_bytes() -> None:
    book = io.BytesIO()
    Workbook().save(book)
    docx, ole = samples.docx(), samples.ole()
    cases = {
        "a.pdf": (samples.pdf(), "application/pdf"),
        "photo.jpg": (samples.image("JPEG"), "image/jpeg"),
        "pic": (samples.image("PNG"), "image/png"),
        "anim.gif": (samples.image("GIF"), "image/gif"),
        "x.webp": (samples.image("WEBP"), "image/webp"),
        "báo cáo.docx": (docx, "application/vnd.openxmlformats-officedocument."
                               "wordprocessingml.document"),
        "bảng.xlsx": (book.getvalue(), "application/vnd.openxmlformats-officedocument."
                                        "spreadsheetml.sheet"),
        "văn bản.odt": (samples.odt(), "application/vnd.oasis.opendocument.text"),
        "cũ.doc": (ole, "application/msword"),
        "cũ.xls": (samples.ole("Workbook"), "application/vnd.ms-excel"),
        "cũ.ppt": (samples.ole("PowerPoint Document"), "application/vnd.ms-powerpoint"),
        "renamed.bin": (ole, "application/msword"),  # the streams decide, not the name
    }  # fmt: skip
    for name, (data, kind) in cases.items():
        assert detect(data, name) == kind, name
    # first bytes that claim a type the file does not have (issue 18: an HTML "PDF" passed)
    for name, data in {
        "report.pdf": samples.disguised_html(),
        "minutes.pdf": b"%PDF-1.7\n...",
        "photo.jpg": b"\xff\xd8\xff\xe0" + b"\x00" * 20,
        "pic.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 20,
        "cut.png": samples.image("PNG")[:-20],  # truncated
        "anim.gif": b"GIF89a" + b"\x00" * 20,
        "x.webp": b"RIFF\x00\x00\x00\x00WEBPVP8 ",
        "cũ.doc": samples.OLE_MAGIC + b"\x00" * 100,
        "no-streams.doc": samples.ole("Something else"),
        "parts.docx": samples.zipped({"[Content_Types].xml": b"<Types/>", "word/x.xml": b"<w/>"}),
        "a.docx": samples.zipped({"a.txt": b"x"}),
    }.items():
        assert detect(data, name) is None, name
    assert detect(b"<svg onload=alert(1)>", "x.png") is None
    assert detect(b"MZ%PDF-1.4", "report.pdf") is None
    with pytest.raises(ServiceError, match="is a program"):
        check(b"\x7fELF\x02\x01\x01" + b"\x00" * 40, "report.pdf")
    with pytest.raises(ServiceError, match="is not a PDF"):
        check(samples.disguised_html(), "report.pdf")


def test_evidence__file_names_are_nfc_without_invisible_characters() -> None:
    decomposed = unicodedata.normalize("NFD", "Báo cáo quý.pdf")
    assert clean_filename(decomposed) == unicodedata.normalize("NFC", "Báo cáo quý.pdf")
    assert clean_filename("invoice\u202egpj.exe") == "invoicegpj.exe"  # right-to-left override
    assert clean_filename("a\u200bb\u200d\ufeffc\u2066.pdf") == "abc.pdf"  # zero-width, BOM
    assert clean_filename("line\u2028break\x85.pdf") == "linebreak.pdf"
    assert clean_filename("\u202e\u200f") == "evidence"
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("C:\\Users\\a\\Báo cáo\x00.pdf") == "Báo cáo.pdf"
    assert clean_filename("...") == "evidence"

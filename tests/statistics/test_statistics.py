"""Statistics over years on the demo province: counts checked against the decisions stored,
the statistical forms as XLSX, exports, and who may read them."""

from __future__ import annotations

import csv
import io

from flask import Flask
from openpyxl import load_workbook
from sqlmodel import Session, col, select

from tests.dbs import DemoBuild
from tests.sql import statements_sent
from tests.titles.test_history import demo_user
from wflow.adhoc.models import AdhocAward
from wflow.awards.models import DossierNominee, Nomination
from wflow.core import subjects
from wflow.core.access import current_year
from wflow.org.models import Block
from wflow.titles.models import PersonTitle


def _stored(session: Session, year: int) -> tuple[int, int]:
    """Count the year's awards straight from the tables: (to collectives, to individuals)."""
    decided_noms = subjects.tagged(session, "nomination", "decided")
    revoked = subjects.tagged(session, "nomination", "revoked")
    noms = session.exec(select(Nomination).where(Nomination.year == year)).all()
    states = subjects.states(session, noms)
    granted = [n for n in noms
               if states.get(n.id or 0) in decided_noms - revoked]  # fmt: skip
    collectives = individuals = 0
    for n in granted:
        names = session.exec(select(DossierNominee).where(
            DossierNominee.nomination_id == n.id,
            col(DossierNominee.approved).is_not(False))).all()  # fmt: skip
        if not names:
            collectives += 1
        collectives += sum(1 for r in names if r.person_id is None)
        individuals += sum(1 for r in names if r.person_id is not None)
    individuals += len(session.exec(select(PersonTitle).where(PersonTitle.year == year)).all())
    decided_adhoc = subjects.tagged(session, "adhoc_award", "decided")
    for a in session.exec(select(AdhocAward).where(AdhocAward.year == year)).all():
        if subjects.state(session, a) in decided_adhoc:
            if a.person_id:
                individuals += 1
            else:
                collectives += 1
    return collectives, individuals


def test_statistics__counts_match_the_decisions_and_the_forms_add_up(
    app: Flask, session: Session, demo: DemoBuild
) -> None:
    year = current_year() - 1
    collectives, individuals = _stored(session, year)
    assert individuals > 0 and collectives > 0  # the demo decided both last year
    sec = demo_user(app, "secretariat")
    page = sec.get(f"/statistics?first={year - 2}&last={year}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'role="img"' in html and "Số khen thưởng theo năm" in html
    answer = sec.get(f"/statistics?first={year - 2}&last={year}&table=years&format=csv")
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Năm", "Tập thể", "Cá nhân", "trong đó nữ", "Tổng số"]
    last = next(r for r in rows if r[0] == str(year))
    assert (int(last[1]), int(last[2])) == (collectives, individuals)
    assert int(last[4]) == collectives + individuals
    # the statistical forms: titles and forms of commendation, each total the sum of its lines
    forms = sec.get(f"/statistics/forms.xlsx?year={year}")
    assert forms.status_code == 200 and forms.data[:2] == b"PK"
    book = load_workbook(io.BytesIO(forms.data))
    assert book.sheetnames == ["Danh hiệu thi đua", "Hình thức khen thưởng", "Theo cấp"]
    people_total = 0
    for name in book.sheetnames[:2]:
        sheet = book[name]
        lines = [r for r in sheet.iter_rows(min_row=9, values_only=True) if r[0] or r[1]]
        total = next(r for r in lines if r[1] == "Tổng cộng")
        body = [r for r in lines if isinstance(r[0], int)]
        for column in (3, 4, 5, 6):
            assert total[column] == sum(int(r[column]) for r in body), (name, column)
        assert total[3] == total[4] + total[5]
        people_total += int(total[5])
    assert people_total == individuals
    heading = [c.value for row in book["Theo cấp"].iter_rows(max_row=8) for c in row if c.value]
    assert f"Kỳ báo cáo: năm {year} (từ 01/01/{year} đến 31/12/{year})" in heading
    assert "THỦ TRƯỞNG ĐƠN VỊ" in [c.value for row in book["Theo cấp"].iter_rows() for c in row]
    # a block's units, with their year-end rank
    block = session.exec(select(Block).order_by(col(Block.id))).first()
    assert block is not None
    units = sec.get(f"/statistics?block={block.id}").get_data(as_text=True)
    assert "hạng 1/" in units


def test_statistics__refusals_keep_the_reason_and_units_read_nothing(
    app: Flask, session: Session, demo: DemoBuild
) -> None:
    sec = demo_user(app, "secretariat")
    backwards = sec.get("/statistics?first=2026&last=2020")
    assert backwards.status_code == 422
    assert "Năm bắt đầu phải trước năm kết thúc." in backwards.get_data(as_text=True)
    assert sec.get("/statistics?first=1990&last=2026").status_code == 422  # too many years
    assert sec.get("/statistics?last=abc").status_code == 422
    assert sec.get("/statistics?block=99999").status_code == 404
    assert sec.get("/statistics?format=pdf").status_code == 400
    assert sec.get("/statistics?format=csv&table=secret").status_code == 400
    head = demo_user(app, "tdoan.head")
    assert head.get("/statistics").status_code == 403
    assert head.get("/statistics/forms.xlsx").status_code == 403
    assert app.test_client().get("/statistics").status_code == 302  # to the login page


def test_statistics__the_page_reads_as_many_statements_for_more_years_and_blocks(
    app: Flask, session: Session, demo: DemoBuild
) -> None:
    sec = demo_user(app, "secretariat")
    bind = app.extensions["wflow.db"]
    year = current_year() - 1

    def sent(first: int) -> int:
        path = f"/statistics?first={first}&last={year}"
        assert sec.get(path).status_code == 200
        with statements_sent(bind) as seen:
            assert sec.get(path).status_code == 200
        return len(seen)

    three = sent(year - 2)
    assert sent(year - 9) == three  # ten years read no more than three
    council = session.exec(select(Block.council_id).order_by(col(Block.id))).first()
    session.add(Block(name="Khối thêm", code="THEM", council_id=council))
    session.commit()
    assert sent(year - 2) == three  # nor does one block more

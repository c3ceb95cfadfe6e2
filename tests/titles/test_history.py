"""The award history look-up (tra cứu) and export; the demo's decided titles; four languages."""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlmodel import Session, select

from tests.conftest import sign_in, submit
from tests.dbs import DemoBuild
from tests.people.test_views import as_user
from tests.titles.test_decisions import LAST, form, person, register
from wflow.awards import decisions as council
from wflow.awards.models import Award
from wflow.core.access import current_year
from wflow.demo.org import DEMO_PASSWORD
from wflow.initiatives import service as initiatives
from wflow.org.models import Unit
from wflow.people import service as people
from wflow.people.models import Person
from wflow.titles.models import PersonTitle, TitleDecision


def rows_of(data: bytes) -> list[list[str]]:
    """Return the rows of a CSV download."""
    return list(csv.reader(io.StringIO(data.decode("utf-8").lstrip("\ufeff"))))


def test_history__search_filter_export_and_each_unit_sees_its_own(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    a1, b1 = world["units"]["a1"], world["units"]["b1"]
    h1, hb = world["users"]["a1.head"], world["users"]["b1.head"]
    ha = person(app, session, h1, a1.id, "Nguyễn Thị Hà")
    nam = person(app, session, h1, a1.id, "Trần Văn Nam")
    hung = person(app, session, hb, b1.id, "Lê Văn Hùng")
    register(app, session, h1, a1.id, LAST, "advanced_worker", ha, nam)
    register(app, session, hb, b1.id, LAST, "advanced_worker", hung)
    url_a1, url_b1 = f"/units/{a1.id}/titles?year={LAST}", f"/units/{b1.id}/titles?year={LAST}"
    head_a1, head_b1 = as_user(app, "a1.head"), as_user(app, "b1.head")
    chosen = (("advanced_worker", ha), ("advanced_worker", nam))
    assert submit(head_a1, url_a1, form("3/QĐ-A1", *chosen)).status_code == 303
    assert submit(head_b1, url_b1, form("4/QĐ-B1", ("advanced_worker", hung))).status_code == 303

    committee = as_user(app, "secretariat")
    page = committee.get("/titles/history").get_data(as_text=True)
    assert all(n in page for n in ("Nguyễn Thị Hà", "Trần Văn Nam", "Lê Văn Hùng", "3/QĐ-A1"))
    found = committee.get("/titles/history?q=nguyen+thi+ha").get_data(as_text=True)
    assert "Nguyễn Thị Hà" in found and "Trần Văn Nam" not in found  # without diacritics
    assert "Lê Văn Hùng" not in committee.get(f"/titles/history?unit={a1.id}").get_data(
        as_text=True
    )
    assert "Nothing found." in committee.get(f"/titles/history?year={LAST - 1}").get_data(
        as_text=True
    )
    assert "Nothing found." in committee.get("/titles/history?award=grassroots_fighter").get_data(
        as_text=True
    )
    exported = rows_of(committee.get(f"/titles/history?format=csv&year={LAST}").data)
    assert exported[0] == ["Year", "Person or unit", "Name", "Unit", "Title or award",
                           "Decision", "Date", "Decided by", "Revoked",
                           "Ad-hoc award for"]  # fmt: skip
    assert sorted(r[2] for r in exported[1:]) == ["Lê Văn Hùng", "Nguyễn Thị Hà", "Trần Văn Nam"]
    hung_row = next(r for r in exported if r[2] == "Lê Văn Hùng")
    assert hung_row[:6] == [str(LAST), "Person", "Lê Văn Hùng", b1.name, "Lao động tiên tiến",
                            "4/QĐ-B1"]  # fmt: skip
    book = load_workbook(io.BytesIO(committee.get("/titles/history?format=xlsx&q=tran").data))
    sheet = book.worksheets[0]
    assert sheet.max_row == 2 and sheet.cell(2, 3).value == "Trần Văn Nam"

    # a unit sees its own people only, and the history moves with a person who moved in
    mine = rows_of(head_a1.get("/titles/history?format=csv").data)
    assert sorted(r[2] for r in mine[1:]) == ["Nguyễn Thị Hà", "Trần Văn Nam"]
    assert rows_of(head_b1.get("/titles/history?format=csv&q=nguyen").data)[1:] == []
    with app.test_request_context():
        people.move_person(session, user=h1, person=ha, unit_id=b1.id, position="Chuyên viên")
    theirs = rows_of(head_b1.get("/titles/history?format=csv").data)
    assert sorted((r[2], r[5]) for r in theirs[1:]) == [
        ("Lê Văn Hùng", "4/QĐ-B1"), ("Nguyễn Thị Hà", "3/QĐ-A1")
    ]  # fmt: skip
    # a person's page lists their titles, whichever unit granted them
    shown = head_b1.get(f"/people/{ha.id}").get_data(as_text=True)
    assert "3/QĐ-A1" in shown[shown.find('id="awarded"') :]
    assert head_a1.get("/titles/history?format=json").status_code == 400


def demo_user(app: Flask, login: str) -> FlaskClient:
    """Return a client signed in as a demo account."""
    client = app.test_client()
    sign_in(client, login, DEMO_PASSWORD)
    return client


def test_history__the_demos_titles_and_unit_awards_in_four_languages(
    app: Flask, session: Session, demo: DemoBuild
) -> None:
    year = current_year() - 1
    units = {u.id: u.code for u in session.exec(select(Unit)).all()}
    awards = {a.id: a.code for a in session.exec(select(Award)).all()}
    titles = session.exec(select(PersonTitle)).all()
    assert {t.year for t in titles} == {year}
    per_unit = Counter((units[t.unit_id], awards[t.award_id]) for t in titles)
    assert {u for u, _a in per_unit} == {"TDOAN", "HLHPN", "PCHT"}
    assert all(per_unit[(u, "advanced_worker")] >= 3 for u in ("TDOAN", "HLHPN", "PCHT"))
    fighters = [t for t in titles if awards[t.award_id] == "grassroots_fighter"]
    assert 1 <= len(fighters) <= 3
    assert len(session.exec(select(TitleDecision)).all()) == 3
    for t in fighters:  # each an author of an initiative recognised last year
        assert initiatives.has_recognised_initiative(session, t.person_id, year, "unit")
        assert (t.person_id, "advanced_worker") in {(x.person_id, awards[x.award_id])
                                                    for x in titles}  # fmt: skip
    lead = session.exec(select(Person).where(Person.full_name == "Nguyễn Văn Lương")).one()

    admin = demo_user(app, "secretariat")
    granted = council.register(session)
    granted_units = [g for g in granted if g.person is None]  # the dossiers' people apart
    exported = rows_of(admin.get("/titles/history?format=csv&kind=unit").data)
    assert len(exported) - 1 == len(granted_units) and granted_units
    assert {r[4] for r in exported[1:]} == {g.award.name for g in granted_units}
    exported = rows_of(admin.get(f"/titles/history?format=csv&kind=person&year={year}").data)
    assert len(exported) - 1 == len(titles) + len(granted) - len(granted_units)

    tdoan = next(uid for uid, code in units.items() if code == "TDOAN")
    head = demo_user(app, "tdoan.head")
    headings = {"vi": "Danh hiệu cá nhân", "en": "Individual titles",
                "fr": "Titres individuels", "hu": "Egyéni címek"}  # fmt: skip
    lookups = {"vi": "Tra cứu khen thưởng", "en": "Award history",
               "fr": "Historique des distinctions", "hu": "Elismerések keresése"}  # fmt: skip
    page = head.get(f"/units/{tdoan}/titles?year={year}").get_data(as_text=True)
    assert headings["vi"] in page and "08/QĐ-TĐTN" in page  # Vietnamese by default
    for locale in ("vi", "en", "fr", "hu"):
        submit(head, "/locale", {"locale": locale, "next": "/"}, page="/")
        page = head.get(f"/units/{tdoan}/titles?year={year}").get_data(as_text=True)
        assert headings[locale] in page, locale
        page = head.get("/titles/history").get_data(as_text=True)
        assert lookups[locale] in page and lead.full_name in page, locale

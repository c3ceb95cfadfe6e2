"""The demo province's people, moves, initiatives and registrations (`wflow init --demo`)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from flask import Flask
from sqlmodel import Session, select

from tests.conftest import present, sign_in
from tests.dbs import DemoBuild
from wflow.core.access import current_year
from wflow.initiatives import service as initiatives
from wflow.initiatives.models import Initiative
from wflow.org.models import Unit, User
from wflow.people import service as people
from wflow.people.models import Person, PersonPosting, TitleRegistration


def test_demo__every_unit_has_five_to_ten_people_some_moved(
    app: Flask, session: Session, demo: DemoBuild
) -> None:
    units = {u.id: u.code for u in session.exec(select(Unit)).all()}
    persons = session.exec(select(Person)).all()
    per_unit = Counter(units[p.unit_id] for p in persons)
    assert set(per_unit) == set(units.values())
    assert all(5 <= n <= 10 for n in per_unit.values()), per_unit
    assert {p.sex for p in persons} == {"male", "female"}
    assert all(len(p.full_name.split()) >= 3 for p in persons)  # family, middle, given names
    positions = {p.position for p in persons}
    assert {"Bí thư Tỉnh đoàn", "Phó Chủ tịch", "Chủ tịch", "Chuyên viên"} <= positions
    postings = Counter(p.person_id for p in session.exec(select(PersonPosting)).all())
    moved = [p for p in persons if postings[present(p.id, "a person's id")] == 2]
    assert len(moved) == 4
    ha = next(p for p in moved if p.full_name == "Nguyễn Thị Thu Hà")
    assert units[ha.unit_id] == "HLHPN"
    # accounts are linked to their person; the demo step created no account
    users = session.exec(select(User)).all()
    assert sum(1 for p in persons if p.user_id) == len(users) - 1  # all but the administrator
    printed = re.search(r"(\d+) accounts", demo.output)
    assert printed is not None and int(printed.group(1)) == len(users)
    head = session.exec(select(User).where(User.login == "tdoan.head")).one()
    person = present(people.person_of_user(session, head.id or 0), "the head's person")
    assert person.position == "Bí thư Tỉnh đoàn"


def test_demo__initiatives_and_this_years_registrations(
    app: Flask, session: Session, demo: DemoBuild
) -> None:
    year = current_year()
    assert len(session.exec(select(Initiative)).all()) >= 12
    codes = {u.code: present(u.id, f"{u.code}'s id") for u in session.exec(select(Unit)).all()}
    assert initiatives.count_initiatives(session, [codes["TDOAN"]], None) == 4
    assert initiatives.count_initiatives(session, [codes["LDLD"]], year - 1) == 1  # co-author
    registered = session.exec(select(TitleRegistration).where(TitleRegistration.year == year)).all()
    units = {r.unit_id for r in registered}
    assert {codes["TDOAN"], codes["PCHT"]} <= units and codes["HCCB"] not in units
    titles: Any = Counter(r.title for r in registered)
    assert titles["advanced_worker"] > titles["grassroots_fighter"] > 0


def test_demo__the_pages_show_names_never_ids(
    app: Flask, session: Session, demo: DemoBuild
) -> None:
    client = app.test_client()
    sign_in(client, "tdoan.head", "demo-2026!")
    unit = session.exec(select(Unit).where(Unit.code == "TDOAN")).one()
    page = client.get(f"/units/{unit.id}/people").get_data(as_text=True)
    assert "Nguyễn Văn Lương" in page and "Bí thư Tỉnh đoàn" in page
    listed = client.get("/initiatives").get_data(as_text=True)
    assert "Mùa hè xanh" in listed and "Nguyễn Thị Thu Hà" in listed

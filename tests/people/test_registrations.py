"""Individual registration for titles: a unit registers its people each year; refusals."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session, select

from tests.conftest import present, submit
from tests.people.test_views import add, as_user, everyone
from wflow.core.errors import Forbidden, ServiceError
from wflow.people import registration as regs
from wflow.people.models import TitleRegistration


def _registrations(session: Session) -> list[tuple[int, int, str]]:
    session.expire_all()
    rows = session.exec(select(TitleRegistration)).all()
    return sorted((r.person_id, r.year, r.title) for r in rows)


def test_registrations__a_unit_registers_its_people_lists_exports_and_withdraws(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    a1, year = world["units"]["a1"], world["year"]
    head = as_user(app, "a1.head")
    add(head, a1.id)
    add(head, a1.id, full_name="Trần Văn Nam", sex="male", birth_year=1990)
    ha, nam = everyone(session)
    url = f"/units/{a1.id}/registrations"
    page = head.get(url).get_data(as_text=True)
    assert f"{a1.name}, {year}" in page and "Nobody registered yet." in page
    done = submit(head, url, {"year": year, "title": "advanced_worker",
                              "person_ids": [ha.id, nam.id]})  # fmt: skip
    assert done.status_code == 303
    staff = as_user(app, "a1.staff")
    again = submit(staff, url, {"year": year, "title": "advanced_worker", "person_ids": [nam.id]})
    assert again.status_code == 303  # registered already: nothing added, said so
    said = staff.get(again.headers["Location"]).get_data(as_text=True)
    assert "0 people registered. 1 were registered already." in said
    submit(head, url, {"year": year, "title": "grassroots_fighter", "person_ids": [ha.id]})
    assert _registrations(session) == sorted([
        (ha.id, year, "advanced_worker"), (nam.id, year, "advanced_worker"),
        (ha.id, year, "grassroots_fighter"),
    ])  # fmt: skip
    assert regs.is_registered(session, ha.id or 0, year, "grassroots_fighter")
    assert not regs.is_registered(session, nam.id or 0, year, "grassroots_fighter")
    page = head.get(url).get_data(as_text=True)
    assert page.count("Lao động tiên tiến") >= 2 and "Chiến sĩ thi đua cơ sở" in page
    exported = head.get(f"{url}?year={year}&format=csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    assert rows[0] == ["Year", "Title", "Full name", "Position"] and len(rows) == 4
    assert head.get(f"{url}?year={year - 1}&format=csv").get_data(as_text=True).count("\n") == 1
    # the committee reads; another unit neither reads nor withdraws
    assert as_user(app, "council").get(url).status_code == 200
    other = as_user(app, "b1.head")
    assert other.get(url).status_code == 403
    row_id = session.exec(
        select(TitleRegistration.id).where(TitleRegistration.title == "grassroots_fighter")
    ).one()
    refused = submit(other, f"/registrations/{row_id}/withdraw", {}, page="/notifications")
    assert refused.status_code == 403
    refused = submit(other, url, {"year": year, "title": "advanced_worker",
                                  "person_ids": [ha.id]}, page="/notifications")  # fmt: skip
    assert refused.status_code == 403
    assert len(_registrations(session)) == 3
    withdrawn = submit(head, f"/registrations/{row_id}/withdraw", {}, page=url)
    assert withdrawn.status_code == 303
    assert len(_registrations(session)) == 2


def test_registrations__refusals_change_nothing(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    a1, b1, year = world["units"]["a1"], world["units"]["b1"], world["year"]
    add(as_user(app, "a1.head"), a1.id)
    add(as_user(app, "b1.head"), b1.id, full_name="Lê Văn Hùng", sex="male")
    ha, hung = everyone(session)
    head = world["users"]["a1.head"]
    with app.test_request_context():
        for kwargs, field in (
            ({"title": "hero_of_labour"}, "title"),
            ({"year": 1999}, "year"),
            ({"person_ids": []}, "person_ids"),
            ({"person_ids": [hung.id]}, "person_ids"),  # another unit's person
        ):
            args = {"year": year, "title": "advanced_worker", "person_ids": [ha.id], **kwargs}
            with pytest.raises(ServiceError) as refused:
                regs.register(session, user=head, unit_id=a1.id, **args)
            assert refused.value.field == field and refused.value.status == 422
        with pytest.raises(Forbidden):
            regs.register(session, user=world["users"]["b1.head"], unit_id=a1.id, year=year,
                          title="advanced_worker",
                          person_ids=[present(ha.id, "Hà's id")])  # fmt: skip
    page = submit(as_user(app, "a1.head"), f"/units/{a1.id}/registrations",
                  {"year": year, "title": "advanced_worker", "person_ids": []})  # fmt: skip
    assert page.status_code == 422 and 'id="person_ids-errors"' in page.get_data(as_text=True)
    assert _registrations(session) == []

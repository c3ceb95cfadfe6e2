"""The people directory through its pages: adding, listing, filtering, exporting, refusals."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlmodel import Session, col, select

from tests.conftest import present, sign_in, submit
from wflow.core.errors import ServiceError
from wflow.people import service as people
from wflow.people.models import Person, PersonPosting


def as_user(app: Flask, login: str) -> FlaskClient:
    """Return a client signed in as `login` (the test accounts read English)."""
    client = app.test_client()
    sign_in(client, login)
    return client


def everyone(session: Session) -> list[Person]:
    """Return every person as stored now."""
    session.expire_all()
    return list(session.exec(select(Person).order_by(col(Person.id))).all())


def person_form(**extra: Any) -> dict[str, Any]:
    """Return the fields of the person form for a typical person, with `extra` changes."""
    return {"full_name": "Nguyễn Thị Thu Hà", "position": "Phó Bí thư", "sex": "female",
            "birth_year": 1988, "staff_number": "", **extra}  # fmt: skip


def add(client: FlaskClient, unit_id: int, **extra: Any) -> Any:
    """Post the "add a person" form of the unit."""
    return submit(client, f"/units/{unit_id}/people/new", person_form(**extra))


def test_people__added_by_the_unit_listed_filtered_and_exported(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    a1 = world["units"]["a1"]
    head = as_user(app, "a1.head")
    answer = add(head, a1.id, since="2020-09-01")
    assert answer.status_code == 303, answer.get_data(as_text=True)
    (person,) = everyone(session)
    assert answer.headers["Location"].endswith(f"/people/{person.id}")
    assert (person.unit_id, person.position, person.birth_year) == (a1.id, "Phó Bí thư", 1988)
    (posting,) = people.postings_of(session, person.id or 0)
    assert (posting.unit_id, posting.from_date, posting.to_date) == (a1.id, date(2020, 9, 1), None)
    staff = as_user(app, "a1.staff")
    more = add(staff, a1.id, full_name="Trần Văn Nam", position="Chuyên viên", sex="male",
               birth_year=1995, staff_number="td-001")  # fmt: skip
    assert more.status_code == 303
    assert everyone(session)[1].staff_number == "TD-001"  # kept upper-case

    page = head.get(f"/units/{a1.id}/people").get_data(as_text=True)
    assert "Nguyễn Thị Thu Hà" in page and "Trần Văn Nam" in page
    # filters: the name without diacritics, the position, the year of birth
    found = head.get(f"/units/{a1.id}/people?q=nguyen+thi").get_data(as_text=True)
    assert "Nguyễn Thị Thu Hà" in found and "Trần Văn Nam" not in found
    found = head.get(f"/units/{a1.id}/people?position=chuyen+vien").get_data(as_text=True)
    assert "Trần Văn Nam" in found and "Nguyễn Thị Thu Hà" not in found
    found = head.get(f"/units/{a1.id}/people?birth_year=1988").get_data(as_text=True)
    assert "Nguyễn Thị Thu Hà" in found and "Trần Văn Nam" not in found

    exported = head.get(f"/units/{a1.id}/people?format=csv&q=tran")
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["Full name", "Position", "Unit", "Sex", "Year of birth"]
    assert rows[1][:6] == ["Trần Văn Nam", "Chuyên viên", a1.name, "Male", "1995", "TD-001"]
    book = load_workbook(io.BytesIO(head.get(f"/units/{a1.id}/people?format=xlsx").data))
    sheet = book.worksheets[0]
    assert sheet.max_row == 3 and sheet.cell(2, 1).value == "Nguyễn Thị Thu Hà"

    # the committee lists every unit's people, filtered by unit
    b1 = world["units"]["b1"]
    submit(as_user(app, "b1.head"), f"/units/{b1.id}/people/new",
           person_form(full_name="Lê Văn Hùng", sex="male"))  # fmt: skip
    council = as_user(app, "council")
    every = council.get("/people").get_data(as_text=True)
    assert all(n in every for n in ("Nguyễn Thị Thu Hà", "Trần Văn Nam", "Lê Văn Hùng"))
    only_b1 = council.get(f"/people?unit={b1.id}").get_data(as_text=True)
    assert "Lê Văn Hùng" in only_b1 and "Trần Văn Nam" not in only_b1
    assert head.get("/people").status_code == 403  # a unit's people see their own list


def test_people__another_units_people_are_refused_and_unchanged(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    a1 = world["units"]["a1"]
    assert add(as_user(app, "a1.head"), a1.id).status_code == 303
    (person,) = everyone(session)
    url = f"/people/{person.id}"
    other = as_user(app, "b1.head")
    for path in (url, f"{url}/edit", f"{url}/move", f"/units/{a1.id}/people",
                 f"/units/{a1.id}/people/new", f"/units/{a1.id}/people/import"):  # fmt: skip
        assert other.get(path).status_code == 403, path
    edit = submit(other, f"{url}/edit", person_form(full_name="Đổi tên"), page="/notifications")
    assert edit.status_code == 403
    away = {"unit_id": world["units"]["b1"].id, "position": "Chuyên viên"}
    moved = submit(other, f"{url}/move", away, page="/notifications")
    assert moved.status_code == 403
    added = submit(other, f"/units/{a1.id}/people/new", person_form(), page="/notifications")
    assert added.status_code == 403
    (same,) = everyone(session)
    assert (same.full_name, same.unit_id) == ("Nguyễn Thị Thu Hà", a1.id)
    # council members read but do not change; the secretariat does
    council = as_user(app, "council")
    assert council.get(url).status_code == 200
    assert council.get(f"{url}/edit").status_code == 403
    secretariat = as_user(app, "secretariat")
    done = submit(secretariat, f"{url}/edit", person_form(position="Bí thư", active="y"))
    assert done.status_code == 303
    assert everyone(session)[0].position == "Bí thư"


def test_people__bad_year_of_birth_is_422_on_its_field(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    head = as_user(app, "a1.head")
    for year in ("1800", str(world["year"] - 3), ""):
        answer = add(head, world["units"]["a1"].id, birth_year=year)
        assert answer.status_code == 422, year
        page = answer.get_data(as_text=True)
        assert 'id="birth_year-errors"' in page and "Give a year of birth between" in page
        assert 'aria-invalid="true"' in page
    bad_sex = add(head, world["units"]["a1"].id, sex="unknown")
    assert bad_sex.status_code == 422
    assert everyone(session) == []


def test_people__a_duplicate_staff_number_is_409_and_adds_nobody(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    assert add(as_user(app, "a1.head"), world["units"]["a1"].id,
               staff_number="CB-0042").status_code == 303  # fmt: skip
    other = add(as_user(app, "b1.head"), world["units"]["b1"].id, full_name="Lê Văn Hùng",
                staff_number="cb-0042")  # fmt: skip
    assert other.status_code == 409
    page = other.get_data(as_text=True)
    assert 'id="staff_number-errors"' in page and "already used" in page
    assert len(everyone(session)) == 1


def test_people__moving_keeps_the_history_and_the_person(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    a1, b1 = world["units"]["a1"], world["units"]["b1"]
    head = as_user(app, "a1.head")
    add(head, a1.id, since="2019-12-15")
    (person,) = everyone(session)
    url = f"/people/{person.id}"
    registered = submit(head, f"/units/{a1.id}/registrations",
                        {"year": 2024, "title": "advanced_worker",
                         "person_ids": [person.id]})  # fmt: skip
    assert registered.status_code == 303
    # refusals first: before the current posting, in the future, nothing changing
    for data, field in (
        ({"on": "2019-01-01"}, "on"),
        ({"on": date(world["year"] + 1, 1, 1).isoformat()}, "on"),
        ({"unit_id": a1.id, "position": "Phó Bí thư"}, "position"),
    ):
        form = {"unit_id": b1.id, "position": "Phó Chủ tịch", **data}
        refused = submit(head, f"{url}/move", form)
        assert refused.status_code == 422, data
        assert f'id="{field}-errors"' in refused.get_data(as_text=True)
    assert len(people.postings_of(session, person.id or 0)) == 1
    moved = submit(head, f"{url}/move", {"unit_id": b1.id, "position": "Phó Chủ tịch",
                                         "on": "2024-10-01"})  # fmt: skip
    assert moved.status_code == 303
    assert moved.headers["Location"].endswith(f"/units/{a1.id}/people")  # a1 no longer sees her
    session.expire_all()
    postings = people.postings_of(session, person.id or 0)
    assert [(p.unit_id, p.position, p.from_date, p.to_date) for p in postings] == [
        (b1.id, "Phó Chủ tịch", date(2024, 10, 1), None),
        (a1.id, "Phó Bí thư", date(2019, 12, 15), date(2024, 10, 1)),
    ]
    (same,) = everyone(session)
    assert (same.id, same.unit_id, same.position) == (person.id, b1.id, "Phó Chủ tịch")
    assert head.get(url).status_code == 403
    page = as_user(app, "b1.head").get(url).get_data(as_text=True)
    assert world["units"]["a1"].name in page and world["units"]["b1"].name in page
    assert "Lao động tiên tiến" in page and "Phó Bí thư" in page  # the history came along
    # the registration stays with the unit that made it
    a1_list = head.get(f"/units/{a1.id}/registrations?year=2024").get_data(as_text=True)
    assert "Nguyễn Thị Thu Hà" in a1_list
    # a promotion in the same unit is a posting too
    b1_head = as_user(app, "b1.head")
    promoted = submit(b1_head, f"{url}/move", {"unit_id": b1.id, "position": "Chủ tịch"})
    assert promoted.status_code == 303
    assert len(people.postings_of(session, person.id or 0)) == 3
    assert (
        session.exec(select(PersonPosting).where(col(PersonPosting.to_date).is_(None)))
        .one()
        .position
        == "Chủ tịch"
    )


def test_people__an_account_is_linked_to_one_person_of_its_unit(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    a1 = world["units"]["a1"]
    head = as_user(app, "a1.head")
    add(head, a1.id)
    add(head, a1.id, full_name="Trần Văn Nam", sex="male")
    first, second = everyone(session)
    staff_user = world["users"]["a1.staff"]
    linked = submit(head, f"/people/{first.id}/edit",
                    person_form(active="y", account_id=staff_user.id))  # fmt: skip
    assert linked.status_code == 303
    person = present(people.person_of_user(session, staff_user.id or 0), "the staff's person")
    assert person.id == first.id
    page = head.get(f"/people/{first.id}").get_data(as_text=True)
    assert "A1.Staff (a1.staff)" in page
    # the account is offered to nobody else, and a forged choice is refused
    assert "a1.staff" not in head.get(f"/people/{second.id}/edit").get_data(as_text=True)
    again = people_update(session, world, second, account_id=staff_user.id)
    assert again == 409
    foreign = people_update(session, world, second, account_id=world["users"]["b1.head"].id)
    assert foreign == 422
    # leaving the unit: the person stays, marked as gone, out of the default list
    left = submit(head, f"/people/{second.id}/edit", person_form(full_name="Trần Văn Nam",
                                                                  sex="male"))  # fmt: skip
    assert left.status_code == 303
    listed = head.get(f"/units/{a1.id}/people").get_data(as_text=True)
    assert "Trần Văn Nam" not in listed
    assert "Trần Văn Nam" in head.get(f"/units/{a1.id}/people?active=inactive").get_data(
        as_text=True
    )


def people_update(
    session: Session, world: dict[str, Any], person: Person, *, account_id: int | None
) -> int:
    """Link `person` to an account through the service; return the refusal's status (or 200)."""
    try:
        people.update_person(
            session, user=world["users"]["a1.head"], person=person, full_name=person.full_name,
            position=person.position, sex=person.sex, birth_year=person.birth_year,
            staff_number=person.staff_number, active=True, account_id=account_id,
        )  # fmt: skip
    except ServiceError as exc:
        return exc.status
    return 200

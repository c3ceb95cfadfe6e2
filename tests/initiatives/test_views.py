"""The initiatives register: recorded by a unit or the committee, refused to others, counted."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session, col, select

from tests.conftest import submit
from tests.people.test_views import add, as_user, everyone
from tests.sql import statements_with_params
from wflow.core.errors import ServiceError
from wflow.initiatives import service as initiatives
from wflow.initiatives.models import Initiative, InitiativeAuthor
from wflow.org.models import Unit
from wflow.people import service as people

TITLE = "Mô hình “Chi đoàn số” trong trường học"


def _initiatives(session: Session) -> list[Initiative]:
    session.expire_all()
    return list(session.exec(select(Initiative).order_by(col(Initiative.id))).all())


def form(**extra: Any) -> dict[str, Any]:
    """Return the fields of the initiative form, with `extra` changes."""
    return {"kind": "model", "title": TITLE, "year": 2025, "level": "province",
            "decision_number": "215/QĐ-HĐSK", "decision_date": "2025-06-10",
            "decision_issuer": "Hội đồng Sáng kiến tỉnh", "description": "Sổ đoàn viên điện tử.",
            **extra}  # fmt: skip


@pytest.fixture
def staff(app: Flask, session: Session, world: dict[str, Any]) -> dict[str, Any]:
    """Two people of a1 and one of b1, added through the pages."""
    add(as_user(app, "a1.head"), world["units"]["a1"].id)
    add(as_user(app, "a1.head"), world["units"]["a1"].id, full_name="Trần Văn Nam", sex="male")
    add(as_user(app, "b1.head"), world["units"]["b1"].id, full_name="Lê Văn Hùng", sex="male")
    ha, nam, hung = everyone(session)
    return {"ha": ha, "nam": nam, "hung": hung}


def test_initiatives__recorded_by_a_unit_shown_listed_exported(
    app: Flask, session: Session, world: dict[str, Any], staff: dict[str, Any]
) -> None:
    a1, b1 = world["units"]["a1"], world["units"]["b1"]
    head = as_user(app, "a1.head")
    page = head.get("/initiatives/new").get_data(as_text=True)
    assert "Nguyễn Thị Thu Hà" in page and "Lê Văn Hùng" not in page  # its own people
    authors = {"person_ids": [staff["ha"].id, staff["nam"].id], "unit_ids": [b1.id]}
    answer = submit(head, "/initiatives/new", form(**authors))
    assert answer.status_code == 303, answer.get_data(as_text=True)
    (row,) = _initiatives(session)
    assert (row.unit_id, row.level, row.decision_date) == (a1.id, "province", date(2025, 6, 10))
    named = session.exec(select(InitiativeAuthor).order_by(col(InitiativeAuthor.position))).all()
    assert [(a.person_id, a.unit_id) for a in named] == [
        (staff["ha"].id, None), (staff["nam"].id, None), (None, b1.id),
    ]  # fmt: skip
    url = f"/initiatives/{row.id}"
    shown = head.get(url).get_data(as_text=True)
    assert TITLE in shown and "215/QĐ-HĐSK" in shown and "Trần Văn Nam" in shown
    assert b1.name in shown
    # the author unit b1 sees it; a2 does not; a person's page lists it
    assert as_user(app, "b1.head").get(url).status_code == 200
    a2 = as_user(app, "a2.head")
    assert a2.get(url).status_code == 403
    assert TITLE not in a2.get("/initiatives").get_data(as_text=True)
    assert TITLE in head.get(f"/people/{staff['ha'].id}").get_data(as_text=True)
    # list, filters and export
    listed = head.get("/initiatives?q=chi+doan&year=2025&level=province").get_data(as_text=True)
    assert TITLE in listed
    assert TITLE not in head.get("/initiatives?kind=research").get_data(as_text=True)
    exported = head.get("/initiatives?format=csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    assert rows[0][:5] == ["Kind", "Title", "Year", "Unit", "Authors"]
    assert rows[1][1:5] == [TITLE, "2025", a1.name, f"Nguyễn Thị Thu Hà; Trần Văn Nam; {b1.name}"]
    counts = head.get("/initiatives?year=2025").get_data(as_text=True)
    assert "Counts per unit in 2025" in counts


def test_initiatives__refusals_change_nothing(
    app: Flask, session: Session, world: dict[str, Any], staff: dict[str, Any]
) -> None:
    head = as_user(app, "a1.head")
    for extra, field, status in (
        ({"person_ids": [staff["hung"].id]}, "person_ids", 422),  # another unit's person
        ({}, "person_ids", 422),  # no author
        ({"person_ids": [staff["ha"].id], "year": 1990}, "year", 422),
        ({"person_ids": [staff["ha"].id], "decision_date": "2999-01-01"}, "decision_date", 422),
        ({"person_ids": [staff["ha"].id], "title": ""}, "title", 422),
    ):
        answer = submit(head, "/initiatives/new", form(**extra))
        assert answer.status_code == status, extra
        assert f'id="{field}-errors"' in answer.get_data(as_text=True), extra
    assert _initiatives(session) == []
    assert submit(head, "/initiatives/new", form(person_ids=[staff["ha"].id])).status_code == 303
    (row,) = _initiatives(session)
    url = f"/initiatives/{row.id}"
    other = as_user(app, "b1.head")
    assert other.get(f"{url}/edit").status_code == 403
    changed = submit(other, f"{url}/edit", form(title="Đổi", person_ids=[staff["ha"].id]),
                     page="/notifications")  # fmt: skip
    assert changed.status_code == 403
    removed = submit(other, f"{url}/delete", {}, page="/notifications")
    assert removed.status_code == 403
    council = as_user(app, "council")
    assert council.get(url).status_code == 200
    assert council.get(f"{url}/edit").status_code == 403
    assert council.get("/initiatives/new").status_code == 403
    assert _initiatives(session)[0].title == TITLE
    # the unit edits (keeping an author who moved away) and removes it
    people.move_person(session, user=world["users"]["a1.head"], person=staff["ha"],
                       unit_id=world["units"]["b1"].id, position="Chuyên viên")  # fmt: skip
    edited = submit(head, f"{url}/edit", form(title="Chi đoàn số", person_ids=[staff["ha"].id]))
    assert edited.status_code == 303
    assert _initiatives(session)[0].title == "Chi đoàn số"
    assert submit(head, f"{url}/delete", {}, page=url).status_code == 303
    assert _initiatives(session) == []


def test_initiatives__the_committee_records_for_a_unit_it_chooses(
    app: Flask, session: Session, world: dict[str, Any], staff: dict[str, Any]
) -> None:
    b1 = world["units"]["b1"]
    clerk = as_user(app, "secretariat")
    chooser = clerk.get("/initiatives/new").get_data(as_text=True)
    assert 'name="unit"' in chooser and b1.name in chooser
    page = clerk.get(f"/initiatives/new?unit={b1.id}").get_data(as_text=True)
    assert "Lê Văn Hùng" in page and "Trần Văn Nam" not in page
    url = f"/initiatives/new?unit={b1.id}"
    done = submit(clerk, url, form(person_ids=[staff["hung"].id], kind="research"))
    assert done.status_code == 303
    (row,) = _initiatives(session)
    assert (row.unit_id, row.kind) == (b1.id, "research")
    assert as_user(app, "b1.head").get(f"/initiatives/{row.id}").status_code == 200


def test_initiatives__counted_per_unit_year_and_level(
    app: Flask, session: Session, world: dict[str, Any], staff: dict[str, Any]
) -> None:
    a1, a2, b1 = (world["units"][k].id for k in ("a1", "a2", "b1"))
    head, clerk = world["users"]["a1.head"], world["users"]["secretariat"]

    def record(unit: int, year: int, level: str, units: tuple[int, ...] = ()) -> None:
        who = staff["hung"] if unit == b1 else staff["ha"]
        initiatives.create_initiative(
            session, user=clerk if unit != a1 else head, unit_id=unit, kind="initiative",
            title=f"Sáng kiến {level} {year}", year=year,
            recognition=initiatives.Recognition(level=level),
            authors=initiatives.Authors(person_ids=[who.id] if unit != a2 else [],
                                        unit_ids=list(units) or ([a2] if unit == a2 else [])),
        )  # fmt: skip

    record(a1, 2025, "unit")
    record(a1, 2025, "province", units=(b1,))  # counts for a1 and b1
    record(a1, 2024, "national")
    record(b1, 2025, "national")
    record(a2, 2025, "unit")
    count = initiatives.count_initiatives
    assert count(session, [a1], 2025) == 2
    assert count(session, [b1], 2025) == 2
    assert count(session, [a1, b1], 2025) == 3  # each once
    assert count(session, [a1], None) == 3
    assert count(session, [a1], 2025, "province") == 1
    assert count(session, [a1, b1, a2], 2025, "province", at_least=True) == 2
    assert count(session, [a1, b1, a2], 2025, "unit", at_least=True) == 4
    assert count(session, [a2], 2024) == 0 and count(session, [], 2025) == 0
    assert count(session, [a1], 2025, kind="model") == 0
    by_unit = initiatives.counts_by_unit(session, [a1, b1, a2], 2025)
    assert by_unit[a1] == {"unit": 1, "province": 1, "national": 0, "total": 2}
    assert by_unit[b1]["total"] == 2 and by_unit[a2]["total"] == 1
    has = initiatives.has_recognised_initiative
    assert has(session, staff["ha"].id, 2025) and has(session, staff["ha"].id, 2024, "province")
    assert not has(session, staff["ha"].id, 2025, "national")
    assert not has(session, staff["nam"].id, 2025)
    with app.test_request_context(), pytest.raises(ServiceError) as bad:
        record(a1, 2025, "galactic")
    assert bad.value.field == "level"
    page = as_user(app, "secretariat").get("/initiatives?year=2025").get_data(as_text=True)
    assert "Counts per unit in 2025" in page


def test_initiatives__the_committee_reads_its_units_inside_the_statement(
    app: Flask,
    session: Session,
    world: dict[str, Any],
    staff: dict[str, Any],
    make_unit: Callable[..., Unit],
) -> None:
    a1 = world["units"]["a1"]
    initiatives.create_initiative(
        session, user=world["users"]["a1.head"], unit_id=a1.id, kind="initiative",
        title=TITLE, year=2025, recognition=initiatives.Recognition(level="province"),
        authors=initiatives.Authors(person_ids=[staff["ha"].id], unit_ids=[]),
    )  # fmt: skip
    clerk = as_user(app, "secretariat")
    bind = app.extensions["wflow.db"]

    def sent() -> tuple[int, str]:
        assert clerk.get("/initiatives?year=2025").status_code == 200
        with statements_with_params(bind) as seen:
            page = clerk.get("/initiatives?year=2025").get_data(as_text=True)
        return sum(len(p) for s, p in seen if "FROM initiative" in s), page

    before, page = sent()
    assert TITLE in page
    for i in range(8):
        make_unit(f"Z{i}", f"Đơn vị Z{i}")
    after, page = sent()
    assert after == before  # eight units more: not a parameter more
    assert TITLE in page and a1.name in page

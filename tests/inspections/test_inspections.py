"""Inspections: the secretariat plans, records findings and recommendations; the unit answers;
overdue recommendations show on the dashboard and in the inbox until closed; refusals."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlmodel import Session, select

from tests.conftest import sign_in, submit
from tests.people.test_views import as_user
from wflow.core import formats, subjects
from wflow.core.errors import Conflict, Forbidden, Refusal, ServiceError
from wflow.inbox import service as inbox
from wflow.inspections import service as inspections
from wflow.inspections.models import Inspection, Recommendation
from wflow.org.models import Role
from wflow.workflow_setup import engine

TODAY = date.today()
START = TODAY - timedelta(days=60)  # the inspection took place two months ago
TITLE = "Kiểm tra công tác Đoàn và phong trào thanh thiếu nhi 6 tháng đầu năm"
LATE = "Khẩn trương nghiên cứu, quán triệt Nghị quyết Đại hội Đoàn các cấp"
LATER = "Tăng cường đầu tư cho cơ sở, quy hoạch đội ngũ cán bộ Đoàn"


def plan_form(target: str) -> dict[str, Any]:
    """Return the planning form's fields (seed 001's six-month review)."""
    return {
        "title": TITLE,
        "target": target,
        "inspecting_body": "Đoàn kiểm tra Trung ương Đoàn",
        "lead_name": "Nguyễn Minh Triết",
        "basis": "Kế hoạch kiểm tra 6 tháng đầu năm",
        "scope": "Việc học tập, quán triệt Nghị quyết; công tác tình nguyện",
        "starts_on": START.isoformat(),
        "ends_on": (START + timedelta(days=1)).isoformat(),
    }


def fresh(session: Session, model: Any, ident: int) -> Any:
    """Return a row as stored now."""
    session.expire_all()
    return session.get(model, ident)


def state(session: Session, row_id: int) -> str:
    """Return the inspection's workflow state, read fresh."""
    return subjects.state(session, fresh(session, Inspection, row_id))


def page(client: FlaskClient, url: str) -> str:
    """Return a page's text, asserting it answered 200."""
    got = client.get(url)
    assert got.status_code == 200, url
    return got.get_data(as_text=True)


def rec_form(owner: int, text: str, due: date) -> dict[str, Any]:
    """Return the recommendation form's fields."""
    return {
        "rec-text": text,
        "rec-owner_unit_id": str(owner),
        "rec-owner_person": "Chu Hồng Minh",
        "rec-due_on": due.isoformat(),
    }


@pytest.fixture
def issued(app: Flask, session: Session, world: dict[str, Any]) -> dict[str, Any]:
    """An inspection of A1 through the pages: begun, two recommendations (one past due),
    findings issued."""
    a1 = world["units"]["a1"]
    sec = as_user(app, "secretariat")
    got = submit(sec, "/inspections/new", plan_form(f"unit:{a1.id}"))
    assert got.status_code == 303, got.get_data(as_text=True)
    row = session.exec(select(Inspection)).one()
    url = f"/inspections/{row.id}"
    assert submit(sec, f"{url}/fire", {"trigger": "begin"}, page=url).status_code == 303
    for text, due in ((LATE, TODAY - timedelta(days=5)), (LATER, TODAY + timedelta(days=30))):
        got = submit(sec, f"{url}/recommendations", rec_form(a1.id, text, due), page=url)
        assert got.status_code == 303, got.get_data(as_text=True)
    got = submit(
        sec,
        f"{url}/findings",
        {
            "findings-findings": "Kết quả nổi bật, song chất "
            "lượng học tập Nghị quyết chưa như kỳ vọng."
        },
        page=url,
    )
    assert got.status_code == 303
    recs = {r.text: r for r in session.exec(select(Recommendation)).all()}
    return {"row": row, "url": url, "sec": sec, "recs": recs, "world": world}


def test_story__plan_recommend_answer_close(
    app: Flask, session: Session, issued: dict[str, Any]
) -> None:
    row, url, sec, recs = issued["row"], issued["url"], issued["sec"], issued["recs"]
    assert state(session, row.id) == "findings_recorded"
    head = as_user(app, "a1.head")
    text = page(head, url)
    assert TITLE in text and LATE in text and "Chu Hồng Minh" in text
    assert formats.format_date(START, "en") in text  # dates as people write them, no ISO
    assert START.isoformat() not in text
    late, later = recs[LATE], recs[LATER]
    got = submit(
        head,
        f"/inspections/recommendations/{late.id}/answer",
        {f"a{late.id}-answer": "Đã tổ chức 579 hội nghị quán triệt."},
        page=url,
    )
    assert got.status_code == 303
    assert fresh(session, Recommendation, late.id).state == "answered"
    assert state(session, row.id) == "findings_recorded"  # one still open
    staff = as_user(app, "a1.staff")
    got = submit(
        staff,
        f"/inspections/recommendations/{later.id}/answer",
        {f"a{later.id}-answer": "Đã xây dựng đề án quy hoạch cán bộ."},
        page=url,
    )
    assert got.status_code == 303
    assert state(session, row.id) == "answered"
    # the inspection closes once every recommendation is closed
    got = submit(sec, f"{url}/fire", {"trigger": "close"}, page=url)
    assert got.status_code == 422 and "Close every recommendation first" in got.get_data(True)
    for rec in (late, later):
        got = submit(
            sec,
            f"/inspections/recommendations/{rec.id}/close",
            {f"c{rec.id}-note": "Đạt yêu cầu."},
            page=url,
        )
        assert got.status_code == 303
    assert submit(sec, f"{url}/fire", {"trigger": "close"}, page=url).status_code == 303
    assert state(session, row.id) == "closed"
    history = page(sec, url)
    assert "Record the findings" in history and "Close the inspection" in history


def test_overdue__dashboard_and_inbox_until_closed(
    app: Flask, session: Session, issued: dict[str, Any]
) -> None:
    url, sec, late = issued["url"], issued["sec"], issued["recs"][LATE]
    head = as_user(app, "a1.head")
    assert LATE in page(sec, "/committee")
    assert LATER not in page(sec, "/committee")  # not yet due
    tasks = page(head, "/tasks")
    assert "Answer the recommendation" in tasks and LATE in tasks and LATER in tasks
    a1_head = issued["world"]["users"]["a1.head"]
    with app.test_request_context():
        assert inbox.count(session, engine(), a1_head) == 2
    # answered but still overdue: it stays until the secretariat closes it
    submit(
        head,
        f"/inspections/recommendations/{late.id}/answer",
        {f"a{late.id}-answer": "Đã triển khai."},
        page=url,
    )
    assert "Overdue recommendation" in page(head, "/tasks")
    assert "Assess the answer" in page(sec, "/tasks")  # the secretariat's turn
    assert LATE in page(sec, "/committee")
    submit(sec, f"/inspections/recommendations/{late.id}/close", {}, page=url)
    assert LATE not in page(sec, "/committee")
    assert LATE not in page(head, "/tasks")
    assert LATE not in page(sec, "/tasks")
    with app.test_request_context():
        assert inbox.count(session, engine(), a1_head) == 1  # the one not yet due
    assert LATE not in page(as_user(app, "b1.head"), "/tasks")


def test_access__other_units_are_refused_reading_and_writing(
    app: Flask, session: Session, issued: dict[str, Any]
) -> None:
    url, late = issued["url"], issued["recs"][LATE]
    for login in ("b1.head", "a2.head"):  # another block; the same block, another unit
        other = as_user(app, login)
        assert other.get(url).status_code == 403
        assert TITLE not in page(other, "/inspections")
        got = submit(
            other,
            f"/inspections/recommendations/{late.id}/answer",
            {f"a{late.id}-answer": "x"},
            page="/",
        )  # a token from a page it sees
        assert got.status_code == 403
    council = as_user(app, "council")
    assert TITLE in page(council, url)
    # the council reads; only the secretariat records
    got = submit(council, f"{url}/findings", {"findings-findings": "x"}, page=url)
    assert got.status_code == 403
    head = as_user(app, "a1.head")
    got = submit(head, f"{url}/findings", {"findings-findings": "Tự nhận xét"}, page=url)
    assert got.status_code == 403 and "Only the council" in got.get_data(as_text=True)
    got = submit(head, f"/inspections/recommendations/{late.id}/close", {}, page=url)
    assert got.status_code == 403
    assert head.get("/inspections/new").status_code == 403
    assert fresh(session, Inspection, issued["row"].id).findings.startswith("Kết quả")
    assert fresh(session, Recommendation, late.id).state == "open"


def test_bad_input__4xx_and_nothing_changes(
    app: Flask, session: Session, issued: dict[str, Any]
) -> None:
    url, sec, late = issued["url"], issued["sec"], issued["recs"][LATE]
    world = issued["world"]
    got = submit(sec, "/inspections/new", {**plan_form("unit:99999"), "title": ""})
    assert got.status_code == 422
    got = submit(sec, "/inspections/new", plan_form("unit:99999"))
    assert got.status_code == 422 and "Choose the unit or block" in got.get_data(as_text=True)
    bad_dates = {**plan_form(f"unit:{world['units']['a1'].id}"), "ends_on": "2000-01-01"}
    assert submit(sec, "/inspections/new", bad_dates).status_code == 422
    assert len(session.exec(select(Inspection)).all()) == 1
    # a recommendation for a unit outside the inspection, with no text, before the start
    for form in (
        rec_form(world["units"]["b1"].id, LATE, TODAY),
        rec_form(0, "", TODAY),
        rec_form(world["units"]["a1"].id, LATE, START - timedelta(days=1)),
    ):
        got = submit(sec, f"{url}/recommendations", form, page=url)
        assert got.status_code == 422, form
    assert len(session.exec(select(Recommendation)).all()) == 2
    head = as_user(app, "a1.head")
    got = submit(
        head,
        f"/inspections/recommendations/{late.id}/answer",
        {f"a{late.id}-answer": "  "},
        page=url,
    )
    assert got.status_code == 422 and "This field is required" in got.get_data(as_text=True)
    got = head.post(
        f"/inspections/recommendations/{late.id}/answer", data={f"a{late.id}-answer": "không có mã"}
    )  # no CSRF token
    assert got.status_code == 400
    assert fresh(session, Recommendation, late.id).state == "open"
    assert sec.get("/inspections/99999").status_code == 404
    got = submit(sec, f"{url}/fire", {"trigger": "explode"}, page=url)
    assert got.status_code == 404
    got = submit(sec, f"{url}/fire", {"trigger": "cancel"}, page=url)  # not from this state
    assert got.status_code in (409, 422)
    assert state(session, issued["row"].id) == "findings_recorded"


def test_export__csv_and_xlsx(app: Flask, issued: dict[str, Any]) -> None:
    sec = issued["sec"]
    got = sec.get("/inspections?format=csv")
    assert got.status_code == 200 and got.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(got.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "Inspection" and rows[1][0] == TITLE
    assert rows[1][1] == issued["world"]["units"]["a1"].name
    assert rows[1][3] == START.isoformat() and rows[1][-1] == "1"  # one overdue
    got = sec.get("/inspections?format=xlsx")
    sheet = load_workbook(io.BytesIO(got.data)).active
    assert sheet is not None and sheet["A2"].value == TITLE
    assert sec.get("/inspections?format=csv&state=closed").get_data(as_text=True).count("\n") == 1
    assert sec.get("/inspections?format=pdf").status_code == 400


def test_block__members_read_owners_answer(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    sec = world["users"]["secretariat"]
    a2, b1 = world["units"]["a2"], world["units"]["b1"]
    given = inspections.InspectionInput(
        title="Kiểm tra khối",
        inspecting_body="Ban Thi đua",
        lead_name="",
        basis="",
        scope="",
        target=f"block:{world['blocks']['a'].id}",
        starts_on=START,
        ends_on=START,
    )
    with app.test_request_context():
        row = inspections.plan(session, engine(), user=sec, given=given)
        inspections.act(session, engine(), user=sec, row=row, trigger="begin")
        with pytest.raises(ServiceError):
            inspections.add_recommendation(
                session,
                user=sec,
                row=row,
                given=inspections.RecommendationInput("x", b1.id, "", TODAY),
            )
        rec = inspections.add_recommendation(
            session,
            user=sec,
            row=row,
            given=inspections.RecommendationInput(LATE, a2.id, "", TODAY),
        )
        with pytest.raises(Conflict):  # not before the findings are issued
            inspections.answer(session, engine(), user=world["users"]["a2.head"], rec=rec, text="x")
        inspections.record_findings(session, engine(), user=sec, row=row, findings="Tốt")
        with pytest.raises(Forbidden):
            inspections.answer(session, engine(), user=world["users"]["a1.head"], rec=rec, text="x")
        inspections.answer(session, engine(), user=world["users"]["a2.head"], rec=rec, text="ok")
    assert state(session, row.id or 0) == "answered"
    assert as_user(app, "a1.head").get(f"/inspections/{row.id}").status_code == 200  # a member
    assert as_user(app, "b1.head").get(f"/inspections/{row.id}").status_code == 403


def test_demo__the_youth_unions_review_with_one_overdue_recommendation(
    app: Flask, session: Session
) -> None:
    from wflow.core.access import current_year
    from wflow.demo import inspections as demo_inspections
    from wflow.demo import org as demo_org

    year = current_year()
    with app.test_request_context():
        demo_org.build_demo(session, year)
        row = demo_inspections.build_inspection_demo(session, engine(), year)
    assert state(session, row.id or 0) == "findings_recorded"
    recs = inspections.recommendations(session, row)
    assert sorted(r.state for r in recs) == ["closed", "open", "open"]
    late = inspections.overdue(session, TODAY)
    assert [r.text for r, _i in late] == [demo_inspections.RECOMMENDATIONS[0][0]]
    head = app.test_client()
    sign_in(head, "tdoan.head", demo_org.DEMO_PASSWORD)
    assert demo_inspections.RECOMMENDATIONS[0][0][:40] in page(head, "/tasks")


def test_steps__recommendations_wait_for_the_visit_cancel_needs_a_reason(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    sec = world["users"]["secretariat"]
    given = inspections.InspectionInput(
        title="Kiểm tra đột xuất", inspecting_body="Ban Thi đua", lead_name="", basis="",
        scope="", target=f"unit:{world['units']['a2'].id}", starts_on=START, ends_on=START,
    )  # fmt: skip
    advice = inspections.RecommendationInput(LATE, world["units"]["a2"].id, "", TODAY)
    with app.test_request_context():
        row = inspections.plan(session, engine(), user=sec, given=given)
        with pytest.raises(Conflict):  # planned: the team has not visited yet
            inspections.add_recommendation(session, user=sec, row=row, given=advice)
        with pytest.raises(Conflict):
            inspections.record_findings(session, engine(), user=sec, row=row, findings="x")
        with pytest.raises(Refusal):  # a reason is required
            inspections.act(session, engine(), user=sec, row=row, trigger="cancel")
        inspections.act(session, engine(), user=sec, row=row, trigger="cancel",
                        reason="Trùng lịch Đại hội")  # fmt: skip
    assert state(session, row.id or 0) == "cancelled"
    assert session.exec(select(Recommendation)).all() == []


def test_badge__a_recommendation_both_owned_and_to_assess_counts_once(
    app: Flask, session: Session, issued: dict[str, Any]
) -> None:
    """A secretariat member of the owner unit sees an overdue answer once: the badge too."""
    url, late = issued["url"], issued["recs"][LATE]
    submit(as_user(app, "a1.head"), f"/inspections/recommendations/{late.id}/answer",
           {f"a{late.id}-answer": "Đã triển khai."}, page=url)  # fmt: skip
    sec = issued["world"]["users"]["a1.staff"]  # of the owner unit, and the secretariat's
    sec.roles = [*sec.roles, Role.SECRETARIAT.value]
    session.add(sec)
    session.commit()
    with app.test_request_context():
        listed = inbox.work(session, engine(), sec)
        assert [i.key for i in listed].count(f"answer_recommendation-{late.id}") == 1
        assert inbox.count(session, engine(), sec) == len(listed)

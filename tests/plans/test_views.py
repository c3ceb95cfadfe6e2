"""The plan through HTTP: drafting, consultation, revision, approval, publication, registration."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from tests.conftest import csrf_token, present, sign_in, submit
from tests.dbs import DemoBuild
from wflow.clock import set_clock, utcnow
from wflow.core import subjects
from wflow.engine.tables import WfInstance
from wflow.plans import service as plans
from wflow.plans.criteria import CriterionInput, GroupInput
from wflow.plans.models import Criterion, Plan, PlanComment, PlanRevision, Registration
from wflow.plans.registration import is_eligible
from wflow.workflow_setup import engine

# (group code, title, max, [(code, title, max, bonus, evidence)])
TABLE = [
    (
        "I",
        "Công tác tuyên truyền, giáo dục chính trị tư tưởng",
        "30",
        [
            ("1.1", "Quán triệt nghị quyết đến 100% cán bộ", "15", "2", "Báo cáo, kế hoạch"),
            ("1.2", "Tuyên truyền trên mạng xã hội", "15", "", "Đường dẫn bài viết"),
        ],
    ),
    (
        "II",
        "Phát triển đoàn viên, hội viên",
        "40",
        [
            ("2.1", "Kết nạp đoàn viên, hội viên mới", "25", "3", "Danh sách kết nạp"),
            ("2.2", "Xây dựng mô hình mới", "15", "", "Quyết định thành lập"),
        ],
    ),
    (
        "III",
        "Tham gia xây dựng Đảng, chính quyền",
        "30",
        [
            ("3.1", "Giới thiệu đoàn viên ưu tú cho Đảng", "30", "", "Danh sách giới thiệu"),
        ],
    ),
]


def criteria_form(table: list[Any]) -> dict[str, str]:
    """Return the criteria page's form data for `table` (a group row, then its criteria)."""
    data: dict[str, str] = {}
    i = 0
    for gcode, gtitle, gmax, rows in table:
        data.update(
            {f"rows-{i}-group": gcode, f"rows-{i}-group_title": gtitle, f"rows-{i}-group_max": gmax}
        )
        i += 1
        for code, title, most, bonus, evidence in rows:
            data.update(
                {
                    f"rows-{i}-group": gcode,
                    f"rows-{i}-code": code,
                    f"rows-{i}-criterion": title,
                    f"rows-{i}-max_points": most,
                    f"rows-{i}-max_bonus": bonus,
                    f"rows-{i}-evidence": evidence,
                }
            )
            i += 1
    return data


def plan_form(year: int, **extra: Any) -> dict[str, Any]:
    """Return the plan form's data with the default rules."""
    return {
        "title": "Kế hoạch thi đua năm của khối",
        "year": str(year),
        "year_end": "",
        "legal_bases": "Luật Thi đua, khen thưởng số 06/2022/QH15",
        "purposes": "Phát huy tinh thần yêu nước, thi đua hoàn thành nhiệm vụ chính trị.",
        "contents-0-area": "Công tác tuyên truyền",
        "contents-0-text": "Tuyên truyền sâu rộng.",
        "scale": "100",
        "vote_threshold": "2/3",
        "vote_quorum": "2/3",
        "due_mid_year": "06-15",
        "due_year_end": "11-30",
        "late_report_penalty": "1",
        "award_types": ["emulation_flag", "certificate_of_merit"],
        "registration_days": "30",
        "consultation_days": "14",
        **extra,
    }


def groups_of(table: list[Any]) -> list[GroupInput]:
    """Return `table` as service inputs."""
    from decimal import Decimal

    return [
        GroupInput(
            g,
            t,
            Decimal(m),
            [CriterionInput(c, ct, Decimal(cm), Decimal(b or 0), e) for c, ct, cm, b, e in rows],
        )
        for g, t, m, rows in table
    ]


def _state(session: Session, plan_id: int) -> str:
    session.expire_all()
    plan = session.get(Plan, plan_id)
    assert plan is not None
    row = session.get(WfInstance, plan.instance_id)
    assert row is not None
    return row.state


def _fire(client: FlaskClient, plan_id: int, trigger: str, **data: Any) -> Any:
    token = csrf_token(client, f"/plans/{plan_id}")
    return client.post(
        f"/plans/{plan_id}/fire", data={"csrf_token": token, "trigger": trigger, **data}
    )


def _english(client: FlaskClient) -> None:
    submit(client, "/locale", {"locale": "en", "next": "/"}, page="/")


def _as(client: FlaskClient, login: str) -> FlaskClient:
    other = client.application.test_client()
    sign_in(other, login)
    _english(other)
    return other


@pytest.fixture
def drafted(app: Flask, world: dict[str, Any], session: Session) -> Plan:
    """A draft plan of block KA for this year with a balanced criteria table (services)."""
    leader = world["users"]["a1.head"]
    with app.test_request_context():
        plan = plans.create_plan(
            session,
            engine(),
            user=leader,
            block_id=world["blocks"]["a"].id,
            year=world["year"],
            title="Kế hoạch thi đua",
        )
        plans.set_criteria(session, user=leader, plan=plan, groups=groups_of(TABLE))
    return plan


def test_plan__the_whole_story(
    app: Flask, client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    year, block = world["year"], world["blocks"]["a"]
    leader = _as(client, "a1.staff")
    response = submit(leader, f"/blocks/{block.id}/plans/new", plan_form(year))
    assert response.status_code == 303, response.get_data(as_text=True)
    plan_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert _state(session, plan_id) == "draft"
    assert submit(leader, f"/plans/{plan_id}/criteria", criteria_form(TABLE)).status_code == 303
    page = leader.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "Phát triển đoàn viên, hội viên" in page and "Luật Thi đua" in page
    assert f"/blocks/{block.id}/plans" in leader.get(f"/blocks/{block.id}").get_data(as_text=True)

    # consultation: a member comments on a criterion, the leader answers
    until = (utcnow() + timedelta(days=10)).date()
    assert (
        _fire(
            leader, plan_id, "open_consultation", consultation_until=until.isoformat()
        ).status_code
        == 303
    )
    assert _state(session, plan_id) == "consultation"
    member = _as(client, "a2.head")
    crit = session.exec(
        select(Criterion).where(Criterion.plan_id == plan_id, Criterion.code == "2.1")
    ).one()
    sent = submit(
        member,
        f"/plans/{plan_id}/comments",
        {"target": f"criterion:{crit.id}", "body": "Đề nghị giảm chỉ tiêu kết nạp"},
        page=f"/plans/{plan_id}",
    )
    assert sent.status_code == 303
    comment = session.exec(select(PlanComment).where(PlanComment.plan_id == plan_id)).one()
    assert comment.target.startswith("2.1 ")
    answered = submit(
        leader,
        f"/plans/{plan_id}/comments/{comment.id}/answer",
        {"answer": "Đã điều chỉnh tại dự thảo mới"},
        page=f"/plans/{plan_id}",
    )
    assert answered.status_code == 303
    seen = member.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "Đề nghị giảm chỉ tiêu kết nạp" in seen and "Đã điều chỉnh tại dự thảo mới" in seen

    # the deadline closes the consultation on its own
    runner = app.test_cli_runner()
    early = runner.invoke(args=["tick", "--now", (until - timedelta(days=3)).isoformat()])
    assert early.exit_code == 0 and _state(session, plan_id) == "consultation"
    late = runner.invoke(args=["tick", "--now", (until + timedelta(days=1)).isoformat()])
    assert "1 deadline(s) fired" in late.output, late.output
    assert _state(session, plan_id) == "revision"
    late_comment = submit(
        member,
        f"/plans/{plan_id}/comments",
        {"target": "purposes", "body": "Muộn"},
        page=f"/plans/{plan_id}",
    )
    assert late_comment.status_code == 409

    # revision, submission, return with a reason, resubmission, approval, publication
    revised = [
        *TABLE[:1],
        (
            "II",
            TABLE[1][1],
            "40",
            [
                ("2.1", "Kết nạp đoàn viên, hội viên mới", "20", "3", "Danh sách kết nạp"),
                ("2.2", "Xây dựng mô hình mới", "20", "", "Quyết định thành lập"),
            ],
        ),
        TABLE[2],
    ]
    assert submit(leader, f"/plans/{plan_id}/criteria", criteria_form(revised)).status_code == 303
    assert _fire(leader, plan_id, "submit").status_code == 303
    assert _state(session, plan_id) == "submitted"
    secretariat = _as(client, "secretariat")
    refused = _fire(secretariat, plan_id, "return_plan", reason="  ")
    assert refused.status_code == 422 and "reason" in refused.get_data(as_text=True)
    assert _state(session, plan_id) == "submitted"
    assert (
        _fire(secretariat, plan_id, "return_plan", reason="Bổ sung căn cứ pháp lý").status_code
        == 303
    )
    assert _state(session, plan_id) == "returned"
    instance_id = present(session.get(Plan, plan_id), "the plan").instance_id
    assert "Bổ sung căn cứ pháp lý" in leader.get(f"/instances/{instance_id}").get_data(
        as_text=True
    )
    edited = submit(
        leader,
        f"/plans/{plan_id}/edit",
        plan_form(
            year, legal_bases="Luật Thi đua, khen thưởng số 06/2022/QH15\nNghị định 98/2023/NĐ-CP"
        ),
    )
    assert edited.status_code == 303, edited.get_data(as_text=True)
    assert _fire(leader, plan_id, "submit").status_code == 303
    assert _fire(secretariat, plan_id, "approve").status_code == 303
    assert _fire(leader, plan_id, "publish").status_code == 303
    assert _state(session, plan_id) == "published"
    revisions = session.exec(select(PlanRevision).where(PlanRevision.plan_id == plan_id)).all()
    assert [r.trigger for r in revisions] == ["open_consultation", "submit", "submit"]
    diff = member.get(f"/plans/{plan_id}/revisions?a=1&b=3").get_data(as_text=True)
    assert "<del>" in diff and "<ins>" in diff and "Nghị định 98/2023/NĐ-CP" in diff

    # registration: A2 registers, the leader sees A1 has not; A1 is not eligible
    crits = session.exec(select(Criterion).where(Criterion.plan_id == plan_id)).all()
    targets = {f"target-{c.id}": f"Chỉ tiêu {c.code}" for c in crits}
    done = submit(member, f"/plans/{plan_id}/register", {**targets, f"points-{crits[0].id}": "14"})
    assert done.status_code == 303, done.get_data(as_text=True)
    status = leader.get(f"/plans/{plan_id}/registrations?status=missing").get_data(as_text=True)
    assert "Đơn vị thử 1" in status and "Đơn vị thử 2" not in status
    csv_text = leader.get(f"/plans/{plan_id}/registrations?format=csv").get_data(as_text=True)
    assert "Đơn vị thử 1" in csv_text and "Đơn vị thử 2" in csv_text
    a1, a2 = world["units"]["a1"], world["units"]["a2"]
    assert is_eligible(session, a2.id, block.id, year)
    assert not is_eligible(session, a1.id, block.id, year)
    assert not is_eligible(session, a2.id, block.id, year + 1)


def test_plan__criteria_that_do_not_add_up_name_the_group(
    client: FlaskClient, world: dict[str, Any], session: Session, drafted: Plan
) -> None:
    leader = _as(client, "a1.head")
    bad = [
        TABLE[0],
        (
            "II",
            "Phát triển đoàn viên, hội viên",
            "40",
            [("2.1", "Kết nạp đoàn viên", "25", "", ""), ("2.2", "Mô hình mới", "10", "", "")],
        ),
        TABLE[2],
    ]
    response = submit(leader, f"/plans/{drafted.id}/criteria", criteria_form(bad))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Group II" in text and "Phát triển đoàn viên, hội viên" in text and "35" in text
    assert "Group I " not in text
    session.expire_all()
    titles = session.exec(select(Criterion.title).where(Criterion.plan_id == drafted.id)).all()
    assert "Kết nạp đoàn viên, hội viên mới" in titles  # nothing changed
    short = submit(leader, f"/plans/{drafted.id}/criteria", criteria_form(TABLE[:2]))
    assert short.status_code == 422 and "not the scale of 100" in short.get_data(as_text=True)


def test_plan__only_the_leader_edits(
    client: FlaskClient, world: dict[str, Any], session: Session, drafted: Plan
) -> None:
    plan_id = present(drafted.id, "the draft plan's id")
    member = _as(client, "a2.head")
    assert member.get(f"/plans/{drafted.id}").status_code == 200
    assert member.get(f"/plans/{drafted.id}/edit").status_code == 403
    assert member.get(f"/plans/{drafted.id}/criteria").status_code == 403
    token = csrf_token(member, f"/plans/{drafted.id}")
    posted = member.post(
        f"/plans/{drafted.id}/criteria", data={"csrf_token": token, **criteria_form(TABLE[:1])}
    )
    assert posted.status_code == 403
    assert (
        _fire(
            member, plan_id, "open_consultation", consultation_until=date.today().isoformat()
        ).status_code
        == 403
    )
    assert _state(session, plan_id) == "draft"
    assert member.get(f"/blocks/{world['blocks']['a'].id}/plans/new").status_code == 403


def test_plan__another_block_cannot_read_or_comment(
    app: Flask, client: FlaskClient, world: dict[str, Any], session: Session, drafted: Plan
) -> None:
    with app.test_request_context():
        plans.open_consultation(
            session,
            engine(),
            user=world["users"]["a1.head"],
            plan=drafted,
            until=utcnow().date() + timedelta(days=5),
        )
    outsider = _as(client, "b1.head")
    assert outsider.get(f"/plans/{drafted.id}").status_code == 403
    assert outsider.get(f"/plans/{drafted.id}/revisions").status_code == 403
    token = csrf_token(outsider, "/")
    response = outsider.post(
        f"/plans/{drafted.id}/comments",
        data={"csrf_token": token, "target": "purposes", "body": "x"},
    )
    assert response.status_code == 403
    assert session.exec(select(PlanComment)).first() is None
    # a member may not comment on a criterion of another plan
    member = _as(client, "a2.head")
    bogus = submit(
        member,
        f"/plans/{drafted.id}/comments",
        {"target": "criterion:999999", "body": "x"},
        page=f"/plans/{drafted.id}",
    )
    assert bogus.status_code == 422


def test_plan__consultation_needs_a_date_ahead(
    client: FlaskClient, world: dict[str, Any], session: Session, drafted: Plan
) -> None:
    plan_id = present(drafted.id, "the draft plan's id")
    leader = _as(client, "a1.head")
    past = _fire(leader, plan_id, "open_consultation", consultation_until="2001-01-01")
    assert past.status_code == 422 and "closes after today" in past.get_data(as_text=True)
    assert _fire(leader, plan_id, "open_consultation", consultation_until="").status_code == 422
    assert _state(session, plan_id) == "draft"


def _publish(app: Flask, session: Session, world: dict[str, Any], plan: Plan) -> None:
    leader, secretariat = world["users"]["a1.head"], world["users"]["secretariat"]
    with app.test_request_context():
        plans.open_consultation(
            session, engine(), user=leader, plan=plan, until=utcnow().date() + timedelta(days=3)
        )
        for user, trigger in (
            (leader, "end_consultation"),
            (leader, "submit"),
            (secretariat, "approve"),
            (leader, "publish"),
        ):
            subjects.fire(session, engine(), user=user, subject=plan, trigger=trigger)


def test_plan__registration_refusals(
    app: Flask, client: FlaskClient, world: dict[str, Any], session: Session, drafted: Plan
) -> None:
    member = _as(client, "a2.head")
    closed = member.get(f"/plans/{drafted.id}/register").get_data(as_text=True)
    assert "Registration opens when the plan is published." in closed
    _publish(app, session, world, drafted)
    session.refresh(drafted)
    assert drafted.registration_deadline == utcnow().date() + timedelta(days=30)
    crits = session.exec(select(Criterion).where(Criterion.plan_id == drafted.id)).all()
    targets = {f"target-{c.id}": "Đạt" for c in crits}
    missing = submit(member, f"/plans/{drafted.id}/register", {f"target-{crits[0].id}": "Đạt"})
    assert missing.status_code == 422 and "missing" in missing.get_data(as_text=True)
    foreign = submit(member, f"/plans/{drafted.id}/register", {**targets, "target-999999": "x"})
    assert foreign.status_code == 422 and "not part of this plan" in foreign.get_data(as_text=True)
    too_many = submit(
        member, f"/plans/{drafted.id}/register", {**targets, f"points-{crits[0].id}": "99"}
    )
    assert too_many.status_code == 422
    assert session.exec(select(Registration)).first() is None
    outsider = _as(client, "b1.head")
    assert outsider.get(f"/plans/{drafted.id}/register").status_code == 403
    deadline = drafted.registration_deadline
    assert deadline is not None
    set_clock(lambda: datetime.combine(deadline + timedelta(days=1), datetime.min.time()))
    try:
        late = submit(member, f"/plans/{drafted.id}/register", targets)
    finally:
        set_clock(None)
    assert late.status_code == 409 and "has passed" in late.get_data(as_text=True)
    assert session.exec(select(Registration)).first() is None
    assert submit(member, f"/plans/{drafted.id}/register", targets).status_code == 303


def test_plan__list_filters_and_exports(
    client: FlaskClient, world: dict[str, Any], drafted: Plan
) -> None:
    leader = _as(client, "a1.head")
    block_id = world["blocks"]["a"].id
    page = leader.get(f"/blocks/{block_id}/plans").get_data(as_text=True)
    assert "Kế hoạch thi đua" in page
    assert "Kế hoạch thi đua" not in leader.get(
        f"/blocks/{block_id}/plans?state=published"
    ).get_data(as_text=True)
    assert "Kế hoạch thi đua" in leader.get(f"/blocks/{block_id}/plans?format=csv").get_data(
        as_text=True
    )
    criteria_csv = leader.get(f"/plans/{drafted.id}?format=csv").get_data(as_text=True)
    assert "Phát triển đoàn viên, hội viên" in criteria_csv
    duplicate = submit(leader, f"/blocks/{block_id}/plans/new", plan_form(world["year"]))
    assert duplicate.status_code == 409


def _xlsx(rows: list[list[Any]]) -> bytes:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(client: FlaskClient, plan_id: int, body: bytes, name: str) -> Any:
    import io

    token = csrf_token(client, f"/plans/{plan_id}/criteria")
    return client.post(
        f"/plans/{plan_id}/criteria/import",
        data={"csrf_token": token, "file": (io.BytesIO(body), name)},
        content_type="multipart/form-data",
    )


def test_plan__import_with_errors_imports_nothing(
    client: FlaskClient, world: dict[str, Any], session: Session, drafted: Plan
) -> None:
    plan_id = present(drafted.id, "the draft plan's id")
    leader = _as(client, "a1.head")
    header = [
        "Nhóm",
        "Tên nhóm",
        "Điểm tối đa nhóm",
        "Mã tiêu chí",
        "Tiêu chí",
        "Điểm tối đa",
        "Điểm thưởng",
        "Minh chứng",
    ]
    bad = _xlsx(
        [
            header,
            ["A", "Công tác tuyên truyền", 100, None, None, None, None, None],
            ["A", None, None, "A.1", "Quán triệt nghị quyết", "năm", None, None],
            ["A", None, None, "A.2", "Tuyên truyền", 60, None, None],
            ["Z", None, None, "Z.1", "Không có nhóm", 40, None, None],
        ]
    )
    response = _upload(leader, plan_id, bad, "tieu-chi.xlsx")
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "row 3: max points must be a number" in text and "row 5: group Z" in text
    session.expire_all()
    codes = set(session.exec(select(Criterion.code).where(Criterion.plan_id == drafted.id)).all())
    assert codes == {"1.1", "1.2", "2.1", "2.2", "3.1"}  # unchanged
    fake = _upload(leader, plan_id, b"%PDF-1.4 not a table", "tieu-chi.csv")
    assert fake.status_code == 422
    renamed = _upload(leader, plan_id, _xlsx([header]), "tieu-chi.pdf")
    assert renamed.status_code == 422 and "Only .xlsx and .csv" in renamed.get_data(as_text=True)
    big = _upload(leader, plan_id, b"a" * (3 * 1024 * 1024), "big.csv")
    assert big.status_code in (413, 422)


def test_plan__export_then_import_round_trips(
    client: FlaskClient, world: dict[str, Any], session: Session, drafted: Plan
) -> None:
    plan_id = present(drafted.id, "the draft plan's id")
    leader = _as(client, "a1.head")
    for fmt in ("xlsx", "csv"):
        exported = leader.get(f"/plans/{drafted.id}?format={fmt}").get_data()
        again = _upload(leader, plan_id, exported, f"criteria.{fmt}")
        assert again.status_code == 303, again.get_data(as_text=True)
    session.expire_all()
    rows = session.exec(select(Criterion).where(Criterion.plan_id == drafted.id)).all()
    assert sorted(c.code for c in rows) == ["1.1", "1.2", "2.1", "2.2", "3.1"]
    assert {c.code: str(c.max_bonus) for c in rows}["2.1"] == "3.00"
    csv_body = (
        "Group,Group title,Group max points,Code,Criterion,Max points\n"
        'I,Tuyên truyền,100,,,\n,,,1,Quán triệt,"60,5"\n,,,2,Mạng xã hội,39.5\n'
    )
    assert _upload(leader, plan_id, csv_body.encode(), "t.csv").status_code == 303
    session.expire_all()
    assert len(session.exec(select(Criterion).where(Criterion.plan_id == drafted.id)).all()) == 2


def test_plan__demo_holds_last_years_published_plan_and_this_years_consultation(
    app: Flask, session: Session, demo: DemoBuild
) -> None:
    from wflow.core.access import current_year

    result = demo  # `wflow init --demo`, run once per session: `app` holds a copy of it
    assert result.exit_code == 0, result.output
    from wflow.org.models import Block

    political = select(Block.id).where(Block.code == "KCTXH").scalar_subquery()
    found = {p.year: p for p in session.exec(select(Plan).where(Plan.block_id == political)).all()}
    year = current_year()
    assert _state(session, found[year - 1].id or 0) == "published"
    assert _state(session, found[year].id or 0) == "consultation"
    assert session.exec(select(PlanComment).where(PlanComment.plan_id == found[year].id)).first()
    block_id = found[year].block_id
    query = select(Registration).where(Registration.plan_id == found[year - 1].id)
    units = {r.unit_id for r in session.exec(query).all()}
    assert len(units) == 5
    assert all(is_eligible(session, u, block_id, year - 1) for u in units)

"""A campaign through its pages: launched, registered by two participants, run, reported, closed."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import Session, col, select

from tests.conftest import sign_in, submit
from wflow.campaigns.models import (
    Campaign,
    CampaignCheckpoint,
    CampaignFigure,
    CampaignParticipant,
    CampaignTarget,
)
from wflow.clock import set_clock, utcnow
from wflow.engine import WfInstance
from wflow.notifications.models import Notification

TITLE = "Đợt thi đua cao điểm chào mừng Ngày Chuyển đổi số quốc gia 10/10"
TARGETS = [("Công trình thanh niên số", "công trình"),
           ("Người được tập huấn chuyển đổi số", "người")]  # fmt: skip


def _as(app: Flask, login: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, login)
    submit(client, "/locale", {"locale": "en", "next": "/"}, page="/")
    return client


def _campaigns(session: Session) -> list[Campaign]:
    session.expire_all()
    return list(session.exec(select(Campaign).order_by(col(Campaign.id))).all())


def _state(session: Session, campaign: Campaign) -> str:
    session.expire_all()
    row = session.get(WfInstance, campaign.instance_id)
    assert row is not None
    return row.state


def _form(world: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """The launch form for block KA's members this year, with two targets and a checkpoint."""
    today = utcnow().date()
    form: dict[str, Any] = {
        "kind": "campaign", "title": TITLE, "theme": "Khai thác dữ liệu số để tạo ra giá trị",
        "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=25)).isoformat(),
        "checkpoints-0": (today + timedelta(days=10)).isoformat(),
        "basis_number": "46-KH/TWĐTN-TNTH", "basis_date": "2023-04-14",
        "basis_issuer": "Ban Bí thư Trung ương Đoàn", "audience": "blocks",
        "block_ids": [world["blocks"]["a"].id],
        "description": "Triển khai mô hình “Tuyến phố thông minh”.",
    }  # fmt: skip
    for i, (title, measure) in enumerate(TARGETS):
        form[f"targets-{i}-title"], form[f"targets-{i}-measure"] = title, measure
    return {**form, **extra}


def _fire(client: FlaskClient, campaign: Campaign, trigger: str, **data: Any) -> Any:
    url = f"/campaigns/{campaign.id}"
    return submit(client, f"{url}/fire", {"trigger": trigger, **data}, page=url)


def _figures(session: Session, campaign: Campaign, *values: str) -> dict[str, str]:
    ids = session.exec(select(CampaignTarget.id).where(CampaignTarget.campaign_id == campaign.id)
                       .order_by(col(CampaignTarget.position))).all()  # fmt: skip
    return {f"t{i}": v for i, v in zip(ids, values, strict=True)}


def _post(client: FlaskClient, campaign: Campaign, verb: str, form: dict[str, str]) -> Any:
    url = f"/campaigns/{campaign.id}"
    return submit(client, f"{url}/{verb}", form, page=url)


def _tick(runner: FlaskCliRunner, when: date, hours: int = 1) -> str:
    """Run `wflow tick` as if it were `hours` past midnight on `when` (the steps it fires too)."""
    now = datetime.combine(when, time()) + timedelta(hours=hours)
    set_clock(lambda: now)
    try:
        result = runner.invoke(args=["tick", "--now", now.isoformat()])
    finally:
        set_clock(None)
    assert result.exit_code == 0, result.output
    return result.output


def _count(session: Session, model: Any) -> int:
    session.expire_all()
    return len(session.exec(select(model)).all())


def test_campaign__launched_registered_run_reported_summarised_and_closed(
    app: Flask, session: Session, world: dict[str, Any], runner: FlaskCliRunner
) -> None:
    secretariat = _as(app, "secretariat")
    answer = submit(secretariat, "/campaigns/new", _form(world))
    assert answer.status_code == 303, answer.get_data(as_text=True)
    (campaign,) = _campaigns(session)
    url = f"/campaigns/{campaign.id}"
    assert answer.headers["Location"].endswith(url)
    assert campaign.unit_id is None and campaign.reports_due == campaign.ends_on + timedelta(10)
    assert _state(session, campaign) == "draft"
    a1, a2 = world["units"]["a1"], world["units"]["a2"]
    rows = session.exec(select(CampaignParticipant.unit_id, CampaignParticipant.block_id)).all()
    assert sorted(rows) == sorted(
        [(a1.id, world["blocks"]["a"].id), (a2.id, world["blocks"]["a"].id)]
    )
    # the launcher edits its draft; a participant sees it and cannot; an outsider sees nothing
    changed = submit(secretariat, f"{url}/edit", _form(world, theme="Dữ liệu số"),
                     page=f"{url}/edit")  # fmt: skip
    assert changed.status_code == 303, changed.get_data(as_text=True)
    a1_staff, a2_head, outsider = _as(app, "a1.staff"), _as(app, "a2.head"), _as(app, "b1.head")
    page = a1_staff.get(url).get_data(as_text=True)
    assert TITLE in page and "46-KH/TWĐTN-TNTH" in page and "Dữ liệu số" in page
    assert a1_staff.get(f"{url}/edit").status_code == 403
    assert outsider.get(url).status_code == 403
    assert outsider.get(f"{url}/summary").status_code == 403
    assert TITLE not in outsider.get("/campaigns").get_data(as_text=True)
    assert TITLE in a2_head.get("/campaigns").get_data(as_text=True)
    # registration: every participant unit (its head or staff) gets a task
    assert _fire(secretariat, campaign, "open_registration").status_code == 303
    assert _state(session, campaign) == "registration"
    assert "Register your unit" in a1_staff.get(url).get_data(as_text=True)
    assert "Register" in a1_staff.get("/tasks").get_data(as_text=True)
    session.expire_all()
    told = session.exec(select(Notification.user_id)).all()
    assert set(told) >= {world["users"]["a1.staff"].id, world["users"]["a2.head"].id}
    done = _post(a1_staff, campaign, "register", _figures(session, campaign, "500", "13"))
    assert done.status_code == 303, done.get_data(as_text=True)
    again = _post(a1_staff, campaign, "register", _figures(session, campaign, "600", "13"))
    assert again.status_code in (409, 422)
    assert _post(outsider, campaign, "register",
                 _figures(session, campaign, "1", "1")).status_code == 403  # fmt: skip
    assert _post(a2_head, campaign, "register",
                 _figures(session, campaign, "200", "0")).status_code == 303  # fmt: skip
    # the window opens on the start date (the deadline), then the checkpoint comes
    assert "1 deadline(s) fired" in _tick(runner, campaign.starts_on)
    assert _state(session, campaign) == "running"
    assert "1 item(s) opened" in _tick(runner, campaign.starts_on + timedelta(days=10))
    assert _state(session, campaign) == "checkpoint"
    assert "checkpoint of" in a1_staff.get(url).get_data(as_text=True)
    so_far = _post(a1_staff, campaign, "report", _figures(session, campaign, "300", "5"))
    assert so_far.status_code == 303, so_far.get_data(as_text=True)
    (point,) = session.exec(select(CampaignCheckpoint)).all()
    at_point = secretariat.get(f"{url}/summary?report={point.id}").get_data(as_text=True)
    assert "60%" in at_point and "38%" in at_point  # English writes no space before %
    assert "0 item(s) opened" in _tick(runner, campaign.starts_on + timedelta(days=10))
    _tick(runner, campaign.starts_on + timedelta(days=18))  # the checkpoint's week is over
    assert _state(session, campaign) == "running"
    # after the end, every registered participant reports its results
    assert _fire(secretariat, campaign, "end_window").status_code == 303
    assert _state(session, campaign) == "reporting"
    assert _post(a1_staff, campaign, "report",
                 _figures(session, campaign, "1025", "13")).status_code == 303  # fmt: skip
    assert _post(a2_head, campaign, "report",
                 _figures(session, campaign, "150", "4")).status_code == 303  # fmt: skip
    page = secretariat.get(f"{url}/summary").get_data(as_text=True)
    assert "2 of 2 participants registered; 2 reported." in page
    assert "205%" in page and "2 of 2 objectives met" in page and "153%" in page
    assert "0 of 1 objectives met" in page and "75%" in page
    assert "168%" in page and "131%" in page  # 1,175 of 700; 17 of 13
    assert "1,175" in page and 'role="img"' in page
    exported = secretariat.get(f"{url}/summary?format=csv").get_data(as_text=True)
    table = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))
    total = next(
        r for r in table if r["Participant"] == "Total" and r["Unit of measure"] == "công trình"
    )
    assert (total["Registered"], total["Achieved"], total["Share of the target (percent)"]) == (
        "700", "1175", "168")  # fmt: skip
    assert len(table) == 6  # two participants and the totals, two targets each
    only_a2 = secretariat.get(f"{url}/summary?q={a2.name}").get_data(as_text=True)
    assert a2.name in only_a2 and a1.name not in only_a2
    met = secretariat.get(f"{url}/summary?status=all_met").get_data(as_text=True)
    assert a1.name in met and a2.name not in met
    # a participant sees its own row and the totals, not the others' figures
    mine = a2_head.get(f"{url}/summary").get_data(as_text=True)
    assert a2.name in mine and a1.name not in mine and "168%" in mine
    # the launcher closes it: the summary is frozen
    assert _fire(a1_staff, campaign, "close").status_code == 403
    assert _fire(secretariat, campaign, "close").status_code == 303
    assert _state(session, campaign) == "closed"
    (campaign,) = _campaigns(session)
    assert campaign.summary is not None and campaign.closed_at is not None
    frozen = secretariat.get(f"{url}/summary").get_data(as_text=True)
    assert "Frozen at the close" in frozen and "205%" in frozen
    listed = secretariat.get("/campaigns?format=csv").get_data(as_text=True)
    assert TITLE in listed and "Closed" in listed


def test_campaign__refusals_change_nothing(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    secretariat = _as(app, "secretariat")
    today = utcnow().date()
    backwards = submit(secretariat, "/campaigns/new",
                       _form(world, ends_on=(today - timedelta(days=1)).isoformat()))  # fmt: skip
    assert backwards.status_code == 422
    assert "on or after the start date" in backwards.get_data(as_text=True)
    nobody = submit(secretariat, "/campaigns/new", _form(world, audience="units", block_ids=[]))
    assert nobody.status_code == 422 and "at least one participant" in nobody.get_data(as_text=True)
    no_target = _form(world)
    for key in [k for k in no_target if k.startswith("targets-")]:
        no_target[key] = ""
    refused = submit(secretariat, "/campaigns/new", no_target)
    assert refused.status_code == 422 and "at least one target" in refused.get_data(as_text=True)
    late_point = submit(secretariat, "/campaigns/new",
                        _form(world, **{"checkpoints-0": "2000-01-01"}))  # fmt: skip
    assert late_point.status_code == 422 and "strictly between" in late_point.get_data(as_text=True)
    council = _as(app, "council")
    assert council.get("/campaigns/new").status_code == 403
    assert _count(session, Campaign) == 0 and _count(session, CampaignTarget) == 0
    # a unit launches for its own people only: not for blocks, not for another unit
    head = _as(app, "a1.head")
    blocks = submit(head, "/campaigns/new", _form(world))
    assert blocks.status_code == 422 and "Not a valid choice" in blocks.get_data(as_text=True)
    other = submit(head, "/campaigns/new",
                   _form(world, audience="units", unit_ids=[world["units"]["b1"].id]))  # fmt: skip
    assert other.status_code == 422
    assert _count(session, Campaign) == 0
    own = submit(head, "/campaigns/new", _form(world, audience="all"))
    assert own.status_code == 303, own.get_data(as_text=True)
    (campaign,) = _campaigns(session)
    assert campaign.unit_id == world["units"]["a1"].id
    url = f"/campaigns/{campaign.id}"
    assert _as(app, "a2.head").get(url).status_code == 403  # not one of a1's units
    assert secretariat.get(url).status_code == 200  # the committee sees every campaign
    assert _fire(secretariat, campaign, "open_registration").status_code == 403  # a1's own
    assert _fire(head, campaign, "open_registration").status_code == 303
    staff = _as(app, "a1.staff")
    figures = _figures(session, campaign, "-5", "3")
    negative = _post(staff, campaign, "register", figures)
    assert negative.status_code == 422 and "never negative" in negative.get_data(as_text=True)
    absurd = _post(staff, campaign, "register", _figures(session, campaign, "1e15", "3"))
    assert absurd.status_code == 422 and "too large" in absurd.get_data(as_text=True)
    zeros = _post(staff, campaign, "register", _figures(session, campaign, "0", "0"))
    assert zeros.status_code == 422 and "above zero" in zeros.get_data(as_text=True)
    blank = _post(staff, campaign, "register", _figures(session, campaign, "", "3"))
    assert blank.status_code == 422
    assert _count(session, CampaignFigure) == 0
    assert (
        _post(staff, campaign, "report", _figures(session, campaign, "1", "1")).status_code == 422
    )
    assert _fire(staff, campaign, "cancel", reason=" ").status_code == 422
    assert _state(session, campaign) == "registration"
    assert _fire(staff, campaign, "cancel", reason="Trùng kế hoạch khác.").status_code == 303
    assert _state(session, campaign) == "cancelled"
    session.expire_all()
    assert session.exec(select(CampaignParticipant.registered_at)).all() == [None]
    assert Decimal(0) not in session.exec(select(col(CampaignFigure.value))).all()

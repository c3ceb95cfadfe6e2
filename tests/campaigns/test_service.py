"""Campaigns through their services: the summary's arithmetic, the guards, the tick, the demo."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session, col, select

from tests.dbs import DemoBuild
from wflow.campaigns import service as campaigns
from wflow.campaigns.models import Campaign, CampaignFigure
from wflow.campaigns.summary import Cell, Line, Summary, Target, award_candidates, build, percent
from wflow.clock import set_clock, utcnow
from wflow.core import subjects
from wflow.core import workflow as wf
from wflow.core.errors import Forbidden, ServiceError
from wflow.engine import GuardFailed, NotAllowed, WfInstance
from wflow.workflow_setup import engine


def test_summary__percentages_round_half_up_and_count_only_targets_taken_on() -> None:
    assert percent(Decimal(1025), Decimal(500)) == 205
    assert percent(Decimal(1), Decimal(8)) == 13  # 12.5 rounds up
    assert percent(Decimal(5), Decimal(0)) is None and percent(None, Decimal(3)) is None
    line = Line(1, "Tỉnh Đoàn", "TDOAN", None, True, True, {
        1: Cell(Decimal(20), Decimal(41)), 2: Cell(Decimal(0), Decimal(4)),
        3: Cell(Decimal(10), Decimal(9)),
    })  # fmt: skip
    assert (line.counted, line.met, line.mean_percent) == (2, 1, 148)  # (205 + 90) / 2 = 147.5
    quiet = Line(2, "Hội", "HND", None, True, False, {1: Cell(Decimal(5), None)})
    tgts = [Target(1, "Đội hình", "đội hình"), Target(2, "x", "y"), Target(3, "z", "w")]
    summary = Summary(None, tgts, [line, quiet], [])
    assert quiet.mean_percent is None
    assert [line.unit_id for line in award_candidates(summary)] == [1]
    again = Summary.from_json(summary.to_json())
    assert again.frozen and again.lines[0].cells[1] == Cell(Decimal(20), Decimal(41))
    total = again.totals[0]
    assert (total.registered, total.achieved, total.percent) == (Decimal(25), Decimal(41), 164)
    assert (total.units_met, total.units_counted) == (1, 2)


@pytest.fixture
def launched(app: Flask, session: Session, world: dict[str, Any]) -> Campaign:
    """A campaign of the secretariat for a1 and b1, two targets, registration open."""
    today = utcnow().date()
    given = campaigns.CampaignInput(
        title="Đợt thi đua", kind="campaign", starts_on=today, ends_on=today + timedelta(20),
        checkpoints=[today + timedelta(7), today + timedelta(14)], audience="units",
        unit_ids=[world["units"]["a1"].id, world["units"]["b1"].id],
        targets=[campaigns.TargetInput("Công trình", "công trình"),
                 campaigns.TargetInput("Người được tập huấn", "người")],
    )  # fmt: skip
    with app.test_request_context():
        campaign = campaigns.launch(session, engine(), user=world["users"]["secretariat"],
                                    given=given)  # fmt: skip
        campaigns.open_registration(session, engine(), user=world["users"]["secretariat"],
                                    campaign=campaign)  # fmt: skip
    return campaign


def _ids(session: Session, campaign: Campaign) -> list[int]:
    return [t.id or 0 for t in campaigns.targets(session, campaign)]


def test_service__the_act_needs_its_figures_and_the_checkpoints_open_once(
    app: Flask, session: Session, world: dict[str, Any], launched: Campaign
) -> None:
    users = world["users"]
    t1, t2 = _ids(session, launched)
    with app.test_request_context():
        eng = engine()
        # the generic instance page cannot register without figures: the act's guard refuses
        with pytest.raises(GuardFailed):
            wf.fire(session, eng, users["a1.head"], launched.instance_id or 0, "register")
        with pytest.raises(Forbidden):  # a2 takes no part
            campaigns.register(session, eng, user=users["a2.head"], campaign=launched,
                               given={t1: 1, t2: 1})  # fmt: skip
        with pytest.raises(ServiceError) as bad:
            campaigns.register(session, eng, user=users["a1.head"], campaign=launched,
                               given={t1: "abc", t2: 1})  # fmt: skip
        assert bad.value.field == f"t{t1}"
        campaigns.register(session, eng, user=users["a1.head"], campaign=launched,
                           given={t1: "4", t2: "100.5"})  # fmt: skip
        with pytest.raises(NotAllowed):  # the launcher's step, not a participant's
            campaigns.act(session, eng, user=users["a1.head"], campaign=launched,
                          trigger="begin")  # fmt: skip
        campaigns.act(session, eng, user=users["secretariat"], campaign=launched, trigger="begin")
        assert subjects.state(session, launched) == "running"
        assert launched.started_at is not None
        # b1 did not register: it reports nothing, at the checkpoints or at the end
        late = datetime.combine(launched.starts_on + timedelta(15), time(1))
        assert campaigns.open_due_checkpoints(session, eng, late) == 1
        assert campaigns.open_due_checkpoints(session, eng, late) == 0  # idempotent
        assert subjects.state(session, launched) == "checkpoint"
        opened = [c for c in campaigns.checkpoints(session, launched) if c.opened_at]
        assert [c.day for c in opened] == [launched.starts_on + timedelta(14)]  # the latest due
        with pytest.raises(ServiceError):
            campaigns.report(session, eng, user=users["b1.head"], campaign=launched,
                             given={t1: 1, t2: 1})  # fmt: skip
        campaigns.report(session, eng, user=users["a1.staff"], campaign=launched,
                         given={t1: 2, t2: 50})  # fmt: skip
        with pytest.raises(ServiceError):  # once per checkpoint
            campaigns.report(session, eng, user=users["a1.head"], campaign=launched,
                             given={t1: 3, t2: 60})  # fmt: skip
        summary = build(session, launched, opened[0])
        (a1,) = [line for line in summary.lines if line.reported]
        assert [a1.cells[t].percent for t in (t1, t2)] == [50, 50]
        assert build(session, launched).reported == 0  # the final report is still to come
    session.expire_all()
    figures = session.exec(select(CampaignFigure.kind, col(CampaignFigure.value))).all()
    assert sorted(figures) == [
        ("achieved", Decimal(2)), ("achieved", Decimal(50)),
        ("registered", Decimal(4)), ("registered", Decimal("100.5")),
    ]  # fmt: skip


def test_service__a_draft_alone_is_edited_and_registration_waits_for_the_start(
    app: Flask, session: Session, world: dict[str, Any], launched: Campaign
) -> None:
    with app.test_request_context():
        eng = engine()
        given = campaigns.CampaignInput(
            title="Khác", kind="campaign", starts_on=launched.starts_on,
            ends_on=launched.ends_on, audience="all",
            targets=[campaigns.TargetInput("Công trình", "công trình")],
        )  # fmt: skip
        with pytest.raises(ServiceError):
            campaigns.update(session, eng, user=world["users"]["secretariat"], campaign=launched,
                             given=given)  # fmt: skip
        set_clock(lambda: datetime.combine(launched.starts_on - timedelta(1), time(12)))
        try:
            report = eng.tick(lambda: Session(session.get_bind()))
        finally:
            set_clock(None)
        assert report.fired == 0 and subjects.state(session, launched) == "registration"
        # the window opens at local midnight (Asia/Ho_Chi_Minh, UTC+7): 17:00 UTC the day before
        row = session.get(WfInstance, launched.instance_id)
        opens = datetime.combine(launched.starts_on - timedelta(1), time(17))
        assert row is not None and row.due_at == opens
        set_clock(lambda: opens)
        try:
            report = eng.tick(lambda: Session(session.get_bind()))
        finally:
            set_clock(None)
        session.expire_all()
        assert report.fired == 1 and subjects.state(session, launched) != "registration"


def test_demo__last_years_peak_campaign_is_closed_and_this_years_movement_runs(
    app: Flask, session: Session, demo: DemoBuild
) -> None:
    assert demo.exit_code == 0, demo.output
    rows = session.exec(select(Campaign).order_by(col(Campaign.starts_on))).all()
    peak, movement = rows
    assert peak.title.startswith("Đợt thi đua cao điểm chào mừng Ngày Chuyển đổi số quốc gia")
    year = utcnow().year
    assert (peak.starts_on, peak.ends_on) == (date(year - 1, 10, 6), date(year - 1, 10, 31))
    assert peak.basis_number == "46-KH/TWĐTN-TNTH" and peak.summary is not None
    assert subjects.state(session, peak) == "closed"
    summary = build(session, peak)
    youth = next(line for line in summary.lines if line.code == "TDOAN")
    assert youth.met == youth.counted == 5
    assert 205 in [cell.percent for cell in youth.cells.values()]
    assert len(campaigns.checkpoints(session, peak)) == 1
    assert subjects.state(session, movement) == "running" and movement.year == year
    assert 0 < build(session, movement).registered < len(build(session, movement).lines)

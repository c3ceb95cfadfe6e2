"""A closed campaign's award dossier: opened by a participant that registered and reported,
refused with its reason to the others, before the close, twice for one award, and to another
unit's people; its list names the participant's own units and people."""

from __future__ import annotations

import html
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from tests.awards.test_nominees import listed, upload
from tests.conftest import sign_in, submit
from tests.dbs import DemoBuild
from tests.pdftext import pdf_text
from tests.titles.test_history import demo_user
from wflow.awards import catalogue as awards
from wflow.awards import nominations as noms
from wflow.awards.models import Decision, Nomination
from wflow.campaigns import service as campaigns
from wflow.campaigns.models import Campaign
from wflow.clock import utcnow
from wflow.core import subjects
from wflow.demo.campaigns import PEAK_TITLE
from wflow.org import service as org
from wflow.org.models import Unit
from wflow.people import service as people
from wflow.people.models import Person
from wflow.workflow_setup import engine

TITLE = "Đợt thi đua cao điểm chào mừng Ngày Chuyển đổi số quốc gia 10/10"


def _as(app: Flask, login: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, login)
    submit(client, "/locale", {"locale": "en", "next": "/"}, page="/")
    return client


@pytest.fixture
def reported(app: Flask, session: Session, world: dict[str, Any]) -> Campaign:
    """The secretariat's campaign for a1, a2 (block KA) and b1 (KB) by name: a1 and a2 registered,
    a2 alone reported its results, b1 let the registration pass; the reports are being taken."""
    users, units = world["users"], world["units"]
    today = utcnow().date()
    given = campaigns.CampaignInput(
        title=TITLE, kind="campaign", starts_on=today, ends_on=today + timedelta(20),
        audience="units", unit_ids=[units["a1"].id, units["a2"].id, units["b1"].id],
        targets=[campaigns.TargetInput("Công trình thanh niên số", "công trình")],
    )  # fmt: skip
    with app.test_request_context():
        sec = users["secretariat"]
        campaign = campaigns.launch(session, engine(), user=sec, given=given)
        campaigns.open_registration(session, engine(), user=sec, campaign=campaign)
        (target,) = campaigns.targets(session, campaign)
        for login in ("a1.head", "a2.head"):
            campaigns.register(session, engine(), user=users[login], campaign=campaign,
                               given={target.id or 0: 10})  # fmt: skip
        campaigns.act(session, engine(), user=sec, campaign=campaign, trigger="begin")
        campaigns.act(session, engine(), user=sec, campaign=campaign, trigger="end_window")
        campaigns.report(session, engine(), user=users["a2.head"], campaign=campaign,
                         given={target.id or 0: 21})  # fmt: skip
    return campaign


def _open(client: FlaskClient, campaign: Campaign, unit_id: int, award: str, s: Session) -> Any:
    found = awards.award_by_code(s, award)
    assert found is not None
    url = f"/campaigns/{campaign.id}"
    return submit(client, f"{url}/dossiers", {"unit_id": unit_id, "award_id": found.id}, page=url)


def _dossiers(session: Session, campaign: Campaign) -> list[Nomination]:
    session.expire_all()
    query = select(Nomination).where(Nomination.campaign_id == campaign.id)
    return list(session.exec(query.order_by(col(Nomination.id))).all())


def _refused(answer: Any, status: int, reason: str) -> None:
    page = html.unescape(answer.get_data(as_text=True))
    assert answer.status_code == status, page[:2000]
    assert reason in page, page[:4000]


def test_campaign_dossier__refusals_name_their_reason_and_change_nothing(
    app: Flask, session: Session, world: dict[str, Any], reported: Campaign
) -> None:
    units = world["units"]
    a1, a2, b1 = units["a1"], units["a2"], units["b1"]
    a2_head, sec = _as(app, "a2.head"), _as(app, "secretariat")
    # before the close: the campaign's page says when a dossier may be opened; a post is refused
    page = a2_head.get(f"/campaigns/{reported.id}").get_data(as_text=True)
    assert "Once the campaign is closed, each participant that registered and reported" in page
    _refused(
        _open(a2_head, reported, a2.id, "certificate_of_merit", session),
        409,
        "The campaign is not closed: awards come after its summary is frozen.",
    )
    assert submit(sec, f"/campaigns/{reported.id}/fire", {"trigger": "close"},
                  page=f"/campaigns/{reported.id}").status_code == 303  # fmt: skip
    # the participant that did not register, the one that did not report: refused, with why
    page = _as(app, "b1.head").get(f"/campaigns/{reported.id}").get_data(as_text=True)
    assert f"{b1.name} did not register for this campaign: it is not eligible." in page
    _refused(
        _open(_as(app, "b1.head"), reported, b1.id, "certificate_of_merit", session),
        422,
        f"{b1.name} did not register for this campaign: it is not eligible.",
    )
    _refused(
        _open(_as(app, "a1.head"), reported, a1.id, "certificate_of_merit", session),
        422,
        f"{a1.name} did not report its results: it is not eligible.",
    )
    # another unit's people may not open a participant's dossier; nor a ranking's award
    assert _open(a2_head, reported, b1.id, "certificate_of_merit", session).status_code == 403
    assert _open(_as(app, "b1.head"), reported, a2.id, "commendation_certificate",
                 session).status_code == 403  # fmt: skip
    _refused(
        _open(a2_head, reported, a2.id, "emulation_flag", session),
        422,
        "Cờ thi đua goes by the block's year-end ranking, not for a campaign.",
    )
    assert _dossiers(session, reported) == []
    # the participant's head opens it: block KA (its membership that year), the campaign's year
    answer = _open(a2_head, reported, a2.id, "certificate_of_merit", session)
    assert answer.status_code == 303, answer.get_data(as_text=True)[:2000]
    (dossier,) = _dossiers(session, reported)
    assert answer.headers["Location"].endswith(f"/nominations/{dossier.id}")
    assert (dossier.unit_id, dossier.block_id, dossier.year) == (
        a2.id, world["blocks"]["a"].id, reported.year)  # fmt: skip
    assert subjects.state(session, dossier) == "proposed" and dossier.rank is None
    assert f"{a2.name} đã hoàn thành 1/1 chỉ tiêu đăng ký, đạt bình quân 210%" in (
        dossier.achievements)  # fmt: skip
    page = a2_head.get(f"/nominations/{dossier.id}").get_data(as_text=True)
    assert "For the campaign:" in page and TITLE in page
    for kind in ("form01", "form02", "minutes"):  # no year-end rank to show: none is invented
        text = pdf_text(a2_head.get(f"/nominations/{dossier.id}/preview/{kind}.pdf").data)
        assert a2.name in text and "None" not in text, kind
    # the nominations list says what each dossier rewards, and filters by it (page and export)
    listing = html.unescape(sec.get("/nominations?ground=campaign").get_data(as_text=True))
    assert f'/nominations/{dossier.id}"' in listing and TITLE in listing
    listing = sec.get("/nominations?ground=ranking").get_data(as_text=True)
    assert f'/nominations/{dossier.id}"' not in listing
    exported = sec.get("/nominations?ground=campaign&format=csv").get_data(as_text=True)
    assert TITLE in exported and a2.name in exported
    # Form 02 reports the campaign's figures against the registered targets, not review scores
    form02 = " ".join(pdf_text(a2_head.get(f"/nominations/{dossier.id}/preview/form02.pdf").data)
                      .split())  # fmt: skip
    assert f"II. KẾT QUẢ THỰC HIỆN {TITLE.upper()}" in form02
    assert "Công trình thanh niên số công trình 10 21 210" in form02, form02
    assert "Hoàn thành 1/1 chỉ tiêu đăng ký, bình quân 210 % chỉ tiêu" in form02
    assert "KẾT QUẢ CHẤM ĐIỂM" not in form02
    # the same campaign and award again: one achievement, one award, naming the first dossier
    _refused(
        _open(_as(app, "a1.head"), reported, a2.id, "certificate_of_merit", session),
        409,
        f"{a2.name} is already proposed for Bằng khen for this campaign (nomination "
        f"{dossier.id}): one achievement, one award.",
    )
    assert len(_dossiers(session, reported)) == 1
    # the campaign's pages list it; the year-end proposal of the unit is not held up by it
    for url in (f"/campaigns/{reported.id}", f"/campaigns/{reported.id}/summary"):
        page = sec.get(url).get_data(as_text=True)
        assert "Awards for this campaign" in page and f"/nominations/{dossier.id}" in page
    flag = awards.award_by_code(session, "excellent_collective")
    assert flag is not None
    why = noms.ineligible(session, flag, a2.id or 0, world["blocks"]["a"].id or 0, reported.year)
    assert why is None or "one achievement earns one award" not in why


def test_campaign_dossier__the_participant_imports_its_own_units_and_people(
    app: Flask, session: Session, world: dict[str, Any], reported: Campaign
) -> None:
    users, units = world["users"], world["units"]
    a2 = units["a2"]
    with app.test_request_context():
        campaigns.act(session, engine(), user=users["secretariat"], campaign=reported,
                      trigger="close")  # fmt: skip
    assert _open(_as(app, "a2.head"), reported, a2.id, "certificate_of_merit",
                 session).status_code == 303  # fmt: skip
    (dossier,) = _dossiers(session, reported)
    leader = _as(app, "a1.head")  # the block's leading unit runs the block's vote, as for any
    url = f"/nominations/{dossier.id}"
    opened = submit(leader, f"{url}/fire", {"trigger": "open_block_vote"}, page=url)
    assert opened.status_code == 303
    for login in ("a1.head", "a2.head"):
        voted = submit(_as(app, login), f"{url}/vote", {"choice": "yes"}, page=url)
        assert voted.status_code == 303
    assert submit(leader, f"{url}/close", {}, page=url).status_code == 303
    assert subjects.state(session, dossier) == "dossier"
    with app.test_request_context():
        branch = org.create_unit(session, name="Chi đoàn Phòng Kỹ thuật", code="A2CD",
                                 kind="socio_political", parent_id=a2.id)  # fmt: skip
        people.create_person(session, user=users["admin"], unit_id=branch.id or 0,
                             full_name="Lê Văn Tùng", position="Bí thư Chi đoàn", sex="male",
                             birth_year=1995, since=date(2020, 1, 1))  # fmt: skip
        session.commit()
    table = (
        "STT,Loại,Họ tên / Tên tập thể,Mã,Hình thức khen thưởng,Tóm tắt thành tích\n"
        "1,Tập thể,Chi đoàn Phòng Kỹ thuật,A2CD,,Hoàn thành 210% chỉ tiêu\n"
        "2,Cá nhân,Lê Văn Tùng,,Bằng khen (cá nhân),Hướng dẫn 300 người dân dùng VNeID\n"
        f"3,Tập thể,{units['b1'].name},B1,,x\n"
    )
    # another participant's people do not touch it; the proposer's own units only
    assert upload(_as(app, "b1.head"), f"{url}/nominees", table).status_code == 403
    _refused(upload(_as(app, "secretariat"), f"{url}/nominees", table), 403,
             "Only the proposing participant or its block's leading unit prepares a "
             "campaign's dossier.")  # fmt: skip
    assert listed(session, dossier.id or 0) == []
    answer = upload(_as(app, "a2.head"), f"{url}/nominees", table)
    assert answer.status_code == 422
    outside = f"{units['b1'].name} is neither {a2.name} (which proposes this dossier)"
    assert outside in answer.get_data(as_text=True)
    good = "\n".join(table.splitlines()[:3]) + "\n"
    assert upload(_as(app, "a2.head"), f"{url}/nominees", good).status_code == 303
    assert [(r.unit_id, r.person_id is not None) for r in listed(session, dossier.id or 0)] == [
        (branch.id, False), (branch.id, True)]  # fmt: skip


def test_demo__the_peak_campaign_closes_with_the_youth_unions_dossier(
    app: Flask, session: Session, demo: DemoBuild
) -> None:
    assert demo.exit_code == 0, demo.output
    peak = session.exec(select(Campaign).where(Campaign.title == PEAK_TITLE)).one()
    youth = session.exec(select(Unit).where(Unit.code == "TDOAN")).one()
    under = [u for u in campaigns.own_units(session, youth.id or 0) if u.id != youth.id]
    assert len(under) == 12 and "Đoàn Thanh niên xã Cẩm Xuyên" in {u.name for u in under}
    assert all(5 <= len(people.people_of(session, [u.id or 0])) <= 10 for u in under)
    (dossier,) = _dossiers(session, peak)
    assert (dossier.unit_id, dossier.year) == (youth.id, peak.year)
    rows = listed(session, dossier.id or 0)
    assert sum(r.person_id is None for r in rows) == 12
    assert sum(r.person_id is not None for r in rows) == 3
    assert subjects.state(session, dossier) == "decided"
    decision = session.get(Decision, dossier.decision_id)
    assert decision is not None and decision.signed
    assert [r.approved for r in rows] == [True] * 14 + [False]  # the council's paper
    granted, refused = rows[:-1], rows[-1]
    page = demo_user(app, "tdoan.head").get(f"/campaigns/{peak.id}").get_data(as_text=True)
    assert "Khen thưởng đợt thi đua" in page and f"/nominations/{dossier.id}" in page
    assert f"Số {decision.number} ngày" in page  # Vietnamese by default
    names = {u.id: u.name for u in under}
    assert all(names[r.unit_id] in page for r in granted if r.person_id is None)
    person = session.get(Person, refused.person_id)
    assert person is not None and person.full_name not in page.split("campaign-awards")[-1]
    # the campaign's awards and the dossier's campaign read in the four languages
    head = demo_user(app, "tdoan.head")
    words = {"vi": ("Khen thưởng đợt thi đua", "Cho đợt thi đua:"),
             "en": ("Awards for this campaign", "For the campaign:"),
             "fr": ("Distinctions de la campagne", "Pour la campagne :"),
             "hu": ("A kampány kitüntetései", "A kampányért:")}  # fmt: skip
    for locale, (heading, link) in words.items():
        submit(head, "/locale", {"locale": locale, "next": "/"}, page="/")
        page = head.get(f"/campaigns/{peak.id}").get_data(as_text=True)
        assert heading in page, locale
        page = head.get(f"/nominations/{dossier.id}").get_data(as_text=True)
        assert link in page and PEAK_TITLE in page, locale

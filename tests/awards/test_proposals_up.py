"""Proposals that go up, through HTTP: the province's council approves a nomination for an award
above its level in its session; its chair signs the proposal to the Central council; the
Central secretariat returns it with a reason, then accepts it once proposed again; the Central
council votes and its chair's signed decision grants it; both councils see where it went."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from tests.awards import test_views
from tests.awards.test_views import (
    as_,
    close,
    fire,
    nomination_id,
    post,
    propose,
    state,
    vote,
)
from tests.conftest import PASSWORD, present, sign_in
from tests.pdftext import pdf_text
from tests.titles.test_decisions import english
from wflow.awards import catalogue as awards
from wflow.awards import levels
from wflow.awards import nominations as noms
from wflow.awards.models import Award, Decision, Nomination
from wflow.councils import service as councils
from wflow.engine import WfInstance
from wflow.org import service as org
from wflow.org.models import Block, Role, Unit, User
from wflow.pacts.models import Document
from wflow.signatures import keys

year_end = test_views.year_end  # the block of six with its year-end results
NATIONAL = "pm_certificate"
CENTRAL_MEMBERS = 3


@pytest.fixture
def central(
    app: Flask,
    session: Session,
    year_end: dict[str, Any],
    make_user: Any,
) -> dict[str, Any]:
    """The Central council above the province's, its office's secretariat, administrator and
    three members; a national award (the Prime Minister's certificate of merit)."""
    province = councils.default_council(session)
    with app.test_request_context():
        top = org.create_unit(session, name="Hội đồng Thi đua - Khen thưởng Trung ương",
                              code="HDTDKTTW", kind="council", level="central")  # fmt: skip
        province.parent_id = top.id
        session.add(province)
        office = org.create_unit(session, name="Ban Thi đua - Khen thưởng Trung ương",
                                 code="BTDKTTW", kind="agency", council_id=top.id)  # fmt: skip
        awards.ensure_catalogue(session)  # the seeds first: they come only into an empty one
        session.add(Award(code=NATIONAL, name="Bằng khen của Thủ tướng Chính phủ",
                          name_en="Prime Minister's certificate of merit", level="national",
                          position=0, proposers=["block_leader"], council_threshold="1/2",
                          council_of="all", council_quorum="1/2",
                          prize_multiple=Decimal(5)))  # fmt: skip
        session.commit()
    make_user("tw.sec", office, roles=(Role.SECRETARIAT.value,))
    make_user("tw.admin", office, roles=(Role.ADMIN.value,))
    for i in range(1, CENTRAL_MEMBERS + 1):
        make_user(f"tw.member{i}", office, roles=(Role.COUNCIL_MEMBER.value,))
    return {"province": province, "top": top, "office": office}


def _user(session: Session, login: str) -> User:
    return session.exec(select(User).where(User.login == login)).one()


def _chair(app: Flask, session: Session, admin: str, chair: str) -> None:
    """The council's administrator names its chair in the award settings."""
    client = as_(app, admin)
    data = {"base_salary": "2340000", "council_chair": _user(session, chair).id}
    assert post(client, "/admin/settings", data, "/admin/settings").status_code == 302


def _session(client: FlaskClient, year: int, title: str) -> int:
    """Open a council session (the secretariat of the client's council); its id."""
    meeting = {"title": title, "year": year, "held_on": "2026-12-20"}
    made = post(client, "/council/sessions", meeting, "/council/sessions")
    assert made.status_code == 303, made.get_data(as_text=True)
    return int(made.headers["Location"].rsplit("/", 1)[1])


def _approved_at_province(app: Flask, session: Session, world: dict[str, Any]) -> tuple[int, int]:
    """The block proposes the national award for its leading unit; the province's council
    approves it in its session. The nomination's and the session's ids."""
    heads = [as_(app, f"n{i}.head") for i in range(1, 6)]
    leader, sec = heads[0], as_(app, "sec")
    nid = nomination_id(propose(leader, world, 0, NATIONAL, session))
    assert fire(leader, nid, "open_block_vote").status_code == 303
    for client in heads:
        assert vote(client, nid, "yes").status_code == 303
    assert close(leader, nid).status_code == 303
    page = f"/nominations/{nid}"
    texts = {"cover_letter": "Kính đề nghị.", "minutes": "Biên bản.",
             "achievements": "Dẫn đầu khối ba năm liền."}  # fmt: skip
    assert post(leader, f"{page}/dossier", texts, page).status_code == 303
    assert post(leader, f"{page}/submit", {"password": PASSWORD}, page).status_code == 303
    assert fire(sec, nid, "start_review").status_code == 303
    sid = _session(sec, world["year"], "Phiên họp Hội đồng tỉnh tháng 12")
    assert fire(sec, nid, "refer_to_council", session_id=sid).status_code == 303
    for i in range(1, 11):
        assert vote(as_(app, f"council{i}"), nid, "yes").status_code == 303
    assert close(sec, nid).status_code == 303
    assert state(session, nid) == "approved"
    return nid, sid


def _propose(client: FlaskClient, spage: str, password: str = PASSWORD) -> Any:
    """Sign and send the session's proposals to the council above (its chair)."""
    return post(client, f"{spage}/proposals", {"propose-password": password}, spage)


def _upper(session: Session, nid: int) -> Nomination | None:
    """Return the latest nomination proposed up from `nid`, if any."""
    session.expire_all()
    query = select(Nomination).where(Nomination.proposed_from_id == nid)
    return session.exec(query.order_by(col(Nomination.id).desc())).first()


def test_proposal__province_proposes_centre_returns_then_decides(
    app: Flask,
    session: Session,
    year_end: dict[str, Any],
    central: dict[str, Any],
) -> None:
    nid, sid = _approved_at_province(app, session, year_end)
    sec, tw = as_(app, "sec"), as_(app, "tw.sec")
    spage = f"/council/sessions/{sid}"
    # the province does not decide a national award: no decision, a proposal to sign instead
    page = sec.get(spage).get_data(as_text=True)
    assert (
        "Proposals to the council above" in page
        and "Hội đồng Thi đua - Khen thưởng Trung ương" in page
    )
    assert f'action="{spage}/decision"' not in page
    assert 'action="/council/sessions/' + str(sid) + '/proposals"' not in page  # the clerk reads
    refused = post(sec, f"{spage}/decision", {"number": "9/QĐ-HĐTĐKT",
                                               "issued_on": "2026-12-28"}, spage)  # fmt: skip
    assert refused.status_code == 409
    told = sec.get(f"/nominations/{nid}").get_data(as_text=True)
    assert "Approved for an award above this council's level" in told
    assert f'href="{spage}#proposals"' in told  # where the chair signs it
    _chair(app, session, "admin", "council1")
    chair = as_(app, "council1")
    assert _propose(sec, spage).status_code == 403
    wrong = _propose(chair, spage, "wrong")
    assert wrong.status_code == 422 and "The password is wrong" in wrong.get_data(as_text=True)
    assert _upper(session, nid) is None and state(session, nid) == "approved"  # nothing sent
    assert _propose(chair, spage).status_code == 303
    assert state(session, nid) == "proposed_up"
    first = present(_upper(session, nid), "the proposal above")
    assert first.council_id == central["top"].id and state(session, first.id or 0) == "submitted"
    instance = session.get(WfInstance, first.instance_id)
    assert instance is not None and instance.council_id == central["top"].id
    # the letter is signed by the province's chair for the province's council
    letter = session.exec(select(Document).where(Document.nomination_id == first.id,
                                                 Document.kind == "proposal")).one()  # fmt: skip
    pdf = sec.get(f"/nominations/{first.id}/documents/{letter.id}.pdf")
    assert pdf.status_code == 200
    text = pdf_text(pdf.data)
    assert "TỜ TRÌNH" in text and "Kính gửi: Hội đồng Thi đua - Khen thưởng Trung ương" in text
    assert "Bằng khen của Thủ tướng Chính phủ" in text and "10/10 thành viên tán thành" in text
    with app.app_context():
        reports = keys.verify_document(session, pdf.data)
    assert [(r.ok, present(r.registered, "a certificate").holder_user_id) for r in reports] == [
        (True, _user(session, "council1").id)]  # fmt: skip
    # it waits in the Central secretariat's tasks, not the province's; the province reads only
    assert f"/nominations/{first.id}" in tw.get("/tasks").get_data(as_text=True)
    assert f"/nominations/{first.id}" not in sec.get("/tasks").get_data(as_text=True)
    assert fire(sec, first.id or 0, "start_review").status_code == 403
    # the Central secretariat returns it with a reason: the province has it approved again
    upage = tw.get(f"/nominations/{first.id}").get_data(as_text=True)
    assert "Return to the proposing council" in upage and "Return the dossier" not in upage
    refused = fire(tw, first.id or 0, "return_dossier", reason="x")
    assert refused.status_code == 422
    assert "returned to that council" in refused.get_data(as_text=True)
    assert fire(tw, first.id or 0, "return_proposal", reason="").status_code == 422
    why = "Bổ sung xác nhận của cơ quan thuế"
    assert fire(tw, first.id or 0, "return_proposal", reason=why).status_code == 303
    assert state(session, first.id or 0) == "returned" and state(session, nid) == "approved"
    shown = sec.get(f"/nominations/{nid}").get_data(as_text=True)
    assert why in shown and "Returned to the proposing council" in shown
    # proposed again: a new proposal, accepted, voted and decided at the Central council
    assert _propose(chair, spage).status_code == 303
    second = present(_upper(session, nid), "the second proposal above")
    assert second.id != first.id and state(session, nid) == "proposed_up"
    assert fire(tw, second.id or 0, "start_review").status_code == 303
    central_session = _session(tw, year_end["year"], "Phiên họp Hội đồng Trung ương")
    assert fire(sec, second.id or 0, "refer_to_council",
                session_id=central_session).status_code == 403  # fmt: skip
    wrong_council = fire(tw, second.id or 0, "refer_to_council", session_id=sid)
    assert wrong_council.status_code == 422  # the province's session is not the centre's
    assert "the council the nomination belongs to" in wrong_council.get_data(as_text=True)
    assert fire(tw, second.id or 0, "refer_to_council",
                session_id=central_session).status_code == 303  # fmt: skip
    assert vote(as_(app, "council2"), second.id or 0, "yes").status_code == 403  # not a member
    for i in range(1, CENTRAL_MEMBERS + 1):
        assert vote(as_(app, f"tw.member{i}"), second.id or 0, "yes").status_code == 303
    assert close(tw, second.id or 0).status_code == 303
    assert state(session, second.id or 0) == "approved"
    cpage = f"/council/sessions/{central_session}"
    assert "Proposals to the council above" not in tw.get(cpage).get_data(as_text=True)
    _chair(app, session, "tw.admin", "tw.member1")
    typed = {"number": "01/QĐ-HĐTĐKTTW", "issued_on": "2026-12-29"}
    assert post(tw, f"{cpage}/decision", typed, cpage).status_code == 303
    session.expire_all()
    did = session.exec(select(Decision).where(Decision.number == typed["number"])).one().id
    # the decision names the council that proposed it, not blocks of its own
    draft = pdf_text(tw.get(f"/council/decisions/{did}/draft.pdf").data)
    lower = session.get(Nomination, nid)
    assert lower is not None
    province = session.get(Unit, levels.council_of(session, lower))
    assert province is not None
    assert f"Xét đề nghị của {province.name} và Ban Thi đua - Khen thưởng," in draft, draft
    top_chair = as_(app, "tw.member1")
    sign = f"/council/decisions/{did}/sign"
    assert post(chair, sign, {"password": PASSWORD}, cpage).status_code in (403, 404)
    assert post(top_chair, sign, {"password": PASSWORD}, cpage).status_code == 303
    assert state(session, second.id or 0) == "decided"
    # the decision is the Central council's; both councils and the unit see the outcome
    decision = session.exec(select(Decision).where(Decision.id == did)).one()
    assert decision.council_id == central["top"].id
    for client in (sec, as_(app, "n1.head")):
        lower_page = client.get(f"/nominations/{nid}").get_data(as_text=True)
        assert "Between councils" in lower_page
        assert re.search(r"Trung ương</a></th><td>Decided</td>", lower_page), lower_page
    register = app.test_client().get(f"/awards?year={year_end['year']}").get_data(as_text=True)
    assert re.search(
        r"01/QĐ-HĐTĐKTTW</a> · [^<]*</td>\s*<td>Hội đồng Thi đua - Khen thưởng Trung ương</td>",
        register,
    ), register  # the level that decided it
    # another block's head sees neither nomination
    other = as_(app, "oth.head")
    assert other.get(f"/nominations/{nid}").status_code in (403, 404)
    assert other.get(f"/nominations/{second.id}").status_code in (403, 404)


def test_proposal__a_council_without_one_above_is_told_so(
    app: Flask,
    session: Session,
    year_end: dict[str, Any],
) -> None:
    with app.test_request_context():
        session.add(Award(code=NATIONAL, name="Bằng khen của Thủ tướng Chính phủ",
                          level="national", position=0, proposers=["block_leader"],
                          council_threshold="1/2", council_quorum="1/2"))  # fmt: skip
        session.commit()
    nid, sid = _approved_at_province(app, session, year_end)
    _chair(app, session, "admin", "council1")
    spage = f"/council/sessions/{sid}"
    refused = _propose(as_(app, "council1"), spage)
    assert refused.status_code == 409
    assert "no council above it" in refused.get_data(as_text=True)
    assert state(session, nid) == "approved" and _upper(session, nid) is None
    assert session.exec(select(Unit).where(Unit.level == "central")).first() is None


def test_demo__the_province_s_proposal_was_decided_at_the_centre(
    app: Flask, session: Session, demo: Any
) -> None:
    from wflow.demo.awards import PM_CERTIFICATE
    from wflow.demo.org import DEMO_PASSWORD

    assert demo.exit_code == 0, demo.output
    top = session.exec(select(Unit).where(Unit.code == "HDTDKTTW")).one()
    award = session.exec(select(Award).where(Award.code == PM_CERTIFICATE["code"])).one()
    rows = session.exec(select(Nomination).where(Nomination.award_id == award.id)).all()
    (lower,) = [n for n in rows if n.proposed_from_id is None]
    (upper,) = [n for n in rows if n.proposed_from_id == lower.id]
    assert upper.council_id == top.id
    assert (
        state(session, lower.id or 0) == "proposed_up"
        and state(session, upper.id or 0) == "decided"
    )
    decision = session.get(Decision, upper.decision_id)
    assert decision is not None and decision.council_id == top.id and decision.signed
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.9.1.1"
    assert sign_in(client, "tw.secretariat", DEMO_PASSWORD).status_code == 302
    page = client.get(f"/nominations/{lower.id}").get_data(as_text=True)
    assert "Qua các cấp Hội đồng" in page and "Hội đồng Thi đua - Khen thưởng Trung ương" in page


@pytest.fixture
def commune_block(
    app: Flask, session: Session, year_end: dict[str, Any], make_user: Any
) -> dict[str, Any]:
    """The year-end block moved under a commune's council (below the province's), with the
    commune's secretariat, administrator and three members, and an award of the commune."""
    province = councils.default_council(session)
    with app.test_request_context():
        commune = org.create_unit(session, name="Hội đồng Thi đua - Khen thưởng xã Thạch Hà",
                                  code="HDXTH", kind="council", level="commune",
                                  parent_id=province.id)  # fmt: skip
        office = org.create_unit(session, name="Văn phòng HĐND - UBND xã Thạch Hà",
                                 code="VPXTH", kind="agency", council_id=commune.id)  # fmt: skip
        for unit in year_end["units"]:
            unit.council_id = commune.id
            session.add(unit)
        year_end["block"].council_id = commune.id
        session.add(year_end["block"])
        awards.ensure_catalogue(session)  # the seeds first: they come only into an empty one
        session.add(Award(code="commune_certificate", name="Giấy khen của Chủ tịch UBND xã",
                          level="commune", position=6, proposers=["block_leader"],
                          council_threshold="1/2", council_quorum="1/2"))  # fmt: skip
        session.commit()
    make_user("xa.sec", office, roles=(Role.SECRETARIAT.value,))
    make_user("xa.admin", office, roles=(Role.ADMIN.value,))
    for i in range(1, 4):
        make_user(f"xa.member{i}", office, roles=(Role.COUNCIL_MEMBER.value,))
    return {"commune": commune, "province": province}


def _through_the_block(app: Flask, session: Session, world: dict[str, Any],
                       proposals: list[tuple[int, str]], clerk: str) -> list[int]:  # fmt: skip
    """The leading unit proposes each (unit, award); the block approves; the dossiers are
    signed; the council's secretariat (`clerk`) accepts them. Their ids."""
    heads = [as_(app, f"n{i}.head") for i in range(1, 6)]
    leader, sec = heads[0], as_(app, clerk)
    ids = [nomination_id(propose(leader, world, unit, code, session)) for unit, code in proposals]
    for nid in ids:
        assert fire(leader, nid, "open_block_vote").status_code == 303
        for client in heads:
            assert vote(client, nid, "yes").status_code == 303
        assert close(leader, nid).status_code == 303
        page = f"/nominations/{nid}"
        assert post(leader, f"{page}/submit", {"password": PASSWORD}, page).status_code == 303
        assert fire(sec, nid, "start_review").status_code == 303
    return ids


def _voted(app: Flask, clerk: FlaskClient, nid: int, sid: int, members: list[str]) -> None:
    """Refer the nomination to the session; every member votes yes; the clerk closes."""
    assert fire(clerk, nid, "refer_to_council", session_id=sid).status_code == 303
    for login in members:
        assert vote(as_(app, login), nid, "yes").status_code == 303
    assert close(clerk, nid).status_code == 303


def test_proposal__the_commune_decides_its_own_and_the_province_the_higher_one(
    app: Flask, session: Session, year_end: dict[str, Any], commune_block: dict[str, Any]
) -> None:
    # the catalogue suits the level: the commune's block names who decides a higher award; a
    # province's block is not offered the commune's award, and is refused it
    year = year_end["year"]
    commune_page = as_(app, "n1.head").get(
        f"/blocks/{year_end['block'].id}/nominations?year={year}"
    )
    assert "Bằng khen (decided by Hội đồng Thi đua - Khen thưởng)" in commune_page.get_data(
        as_text=True)  # fmt: skip
    other = session.exec(select(Block).where(Block.code == "KOTH")).one()
    province_page = as_(app, "oth.head").get(f"/blocks/{other.id}/nominations?year={year}")
    assert "Giấy khen của Chủ tịch UBND xã" not in province_page.get_data(as_text=True)
    lower = session.exec(select(Award).where(Award.code == "commune_certificate")).one()
    with english(app):
        why = noms.ineligible(session, lower, year_end["units"][0].id, other.id or 0, year)
    assert why == "This award is granted by a council of a lower level."
    merit, own = _through_the_block(
        app, session, year_end, [(0, "certificate_of_merit"), (1, "commune_certificate")], "xa.sec"
    )
    xa = as_(app, "xa.sec")
    sid = _session(xa, year_end["year"], "Phiên họp Hội đồng Thi đua - Khen thưởng xã")
    members = [f"xa.member{i}" for i in range(1, 4)]
    for nid in (merit, own):
        _voted(app, xa, nid, sid, members)
    assert state(session, merit) == "approved" and state(session, own) == "approved"
    # in the same session: the commune's own award by its decision, the higher one proposed
    _chair(app, session, "xa.admin", "xa.member1")
    spage = f"/council/sessions/{sid}"
    # each council numbers its own decisions: the commune's first, whatever the province's
    assert 'value="01/QĐ-HDXTH"' in xa.get(spage).get_data(as_text=True)
    typed = {"number": "01/QĐ-HĐTĐKTX", "issued_on": "2026-12-27"}
    assert post(xa, f"{spage}/decision", typed, spage).status_code == 303
    session.expire_all()
    did = session.exec(select(Decision).where(Decision.number == typed["number"])).one().id
    commune_chair = as_(app, "xa.member1")
    both = commune_chair.get(spage).get_data(as_text=True)  # two signing forms, one page
    assert both.count('id="password"') == 1 and both.count('id="propose-password"') == 1
    sign = f"/council/decisions/{did}/sign"
    assert post(commune_chair, sign, {"password": PASSWORD}, spage).status_code == 303
    assert state(session, own) == "decided" and state(session, merit) == "approved"
    assert _propose(commune_chair, spage).status_code == 303
    upper = present(_upper(session, merit), "the proposal above")
    assert upper.council_id == commune_block["province"].id
    assert state(session, merit) == "proposed_up" and state(session, upper.id or 0) == "submitted"
    # the province's secretariat accepts it; the province's council votes; its chair decides
    sec = as_(app, "sec")
    assert fire(xa, upper.id or 0, "start_review").status_code == 403  # not the commune's
    assert fire(sec, upper.id or 0, "start_review").status_code == 303
    province_session = _session(sec, year_end["year"], "Phiên họp Hội đồng tỉnh")
    _voted(app, sec, upper.id or 0, province_session, [f"council{i}" for i in range(1, 11)])
    _chair(app, session, "admin", "council1")
    ppage = f"/council/sessions/{province_session}"
    typed = {"number": "05/QĐ-HĐTĐKT", "issued_on": "2026-12-30"}
    assert post(sec, f"{ppage}/decision", typed, ppage).status_code == 303
    session.expire_all()
    did = session.exec(select(Decision).where(Decision.number == typed["number"])).one().id
    signed = post(as_(app, "council1"), f"/council/decisions/{did}/sign", {"password": PASSWORD},
                  ppage)  # fmt: skip
    assert signed.status_code == 303 and state(session, upper.id or 0) == "decided"
    # the register: the commune's award by the commune, the certificate by the province
    register = app.test_client().get(f"/awards?year={year_end['year']}").get_data(as_text=True)
    assert re.search(r"01/QĐ-HĐTĐKTX</a> · [^<]*</td>\s*<td>Hội đồng Thi đua - Khen thưởng xã",
                     register)  # fmt: skip
    assert re.search(r"05/QĐ-HĐTĐKT</a> · [^<]*</td>\s*<td>Hội đồng Thi đua - Khen thưởng<",
                     register)  # fmt: skip
    # the award history names the council of each decision: the commune's, the province's
    history = sec.get("/titles/history").get_data(as_text=True)
    assert re.search(r"01/QĐ-HĐTĐKTX, [^<]*</td><td>Hội đồng Thi đua - Khen thưởng xã Thạch Hà<",
                     history), history  # fmt: skip
    assert re.search(r"05/QĐ-HĐTĐKT, [^<]*</td><td>Hội đồng Thi đua - Khen thưởng<", history)
    # the commune's people see the province's outcome
    page = as_(app, "n1.head").get(f"/nominations/{merit}").get_data(as_text=True)
    assert re.search(r"Hội đồng Thi đua - Khen thưởng</a></th><td>Decided</td>", page), page

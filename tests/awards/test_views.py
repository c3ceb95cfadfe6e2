"""Award nominations through HTTP: eligibility, the block's and the council's secret votes,
the signed dossier, the secretariat's review, the signed decision and the public register.

The year's results are written as accepted review rows (tests/scoreboard/helpers.py): the
nomination reads the ranking, it does not drive the reviews.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from markupsafe import escape
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlmodel import Session, col, select

from tests.conftest import PASSWORD, TOKEN_RE, csrf_token, present
from tests.documents.helpers import assert_lasting
from tests.pdftext import pdf_text
from tests.scoreboard.helpers import plan_and_pact, review_row, review_version
from tests.sql import statements_sent
from wflow.accounts import tokens
from wflow.awards import catalogue as awards
from wflow.awards import decisions as award_decision
from wflow.awards import nominations as noms
from wflow.awards.models import Award, Decision, DossierNominee, Nomination
from wflow.core.access import current_year
from wflow.documents.pki import KeyStore
from wflow.engine.tables import WfEvent, WfInstance, WfParticipant, WfTask
from wflow.org.models import Block, BlockMembership, Role, Unit, User
from wflow.pacts.models import Document
from wflow.people.models import Person
from wflow.plans.models import Registration
from wflow.signatures import codes, keys

TOTALS = [95, 92, 88, 80, 70, 91]  # N1 leads; N6 scores well but never registered
COUNCIL = 10


@pytest.fixture
def year_end(
    app: Flask,
    session: Session,
    make_unit: Callable[..., Unit],
    make_user: Callable[..., User],
    make_block: Callable[..., Block],
) -> dict[str, Any]:
    """A block of six units with accepted year-end results, a council of ten, the committee."""
    year = current_year()
    units = [make_unit(f"N{i}", f"Đơn vị số {i}") for i in range(1, 7)]
    for i, u in enumerate(units, start=1):
        make_user(f"n{i}.head", u)
    make_user("n1.staff", units[0], roles=(Role.UNIT_STAFF.value,))
    block = make_block("KNOM", units, year, leader=units[0], deputy=units[1])
    other = make_unit("OTH", "Đơn vị khối khác")
    make_user("oth.head", other)
    make_block("KOTH", [other], year, leader=other)
    make_user("sec", None, roles=(Role.SECRETARIAT.value,))
    make_user("admin", None, roles=(Role.ADMIN.value,))
    for i in range(1, COUNCIL + 1):
        make_user(f"council{i}", None, roles=(Role.COUNCIL_MEMBER.value,))
    with app.app_context():
        keys.ensure_unit_certificates(session)
        plan, pact, criteria = plan_and_pact(session, block, year, ["year_end"])
        for u in units[:5]:
            session.add(Registration(plan_id=plan.id or 0, unit_id=u.id or 0, year=year))
        session.commit()
        for u, total in zip(units, TOTALS, strict=True):
            review_row(session, pact, u, "year_end", final=total, scores=[28, 27, 36],
                       criteria=criteria, version=review_version(app))  # fmt: skip
    return {"year": year, "units": units, "block": block, "plan": plan}


_address = iter(range(1, 250))


def as_(app: Flask, login: str) -> FlaskClient:
    """A browser signed in as `login`, from its own address (sign-in is rate-limited)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.9.0.{next(_address)}"
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "login": login,
                                           "password": PASSWORD})  # fmt: skip
    assert response.status_code == 302, login
    return client


def post(client: FlaskClient, url: str, data: dict[str, Any], page: str) -> Any:
    """POST with the CSRF token of `page`."""
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data})


def award_id(session: Session, code: str) -> int:
    session.expire_all()
    awards.ensure_catalogue(session)
    found = session.exec(select(Award).where(Award.code == code)).one()
    return found.id or 0


def state(session: Session, nomination_id: int) -> str:
    session.expire_all()
    n = session.get(Nomination, nomination_id)
    assert n is not None
    row = session.get(WfInstance, n.instance_id)
    assert row is not None
    return row.state


def propose(client: FlaskClient, world: dict[str, Any], unit: int, code: str,
            session: Session) -> Any:  # fmt: skip
    page = f"/blocks/{world['block'].id}/nominations?year={world['year']}"
    data = {"unit_id": world["units"][unit].id, "award_id": award_id(session, code)}
    return post(client, page, data, page)


def nomination_id(response: Any) -> int:
    found = re.search(r"/nominations/(\d+)$", response.headers["Location"])
    assert found, response.headers.get("Location")
    return int(found.group(1))


def fire(client: FlaskClient, nid: int, trigger: str, **data: Any) -> Any:
    page = f"/nominations/{nid}"
    return post(client, f"{page}/fire", {"trigger": trigger, **data}, page)


def vote(client: FlaskClient, nid: int, choice: str) -> Any:
    page = f"/nominations/{nid}"
    return post(client, f"{page}/vote", {"choice": choice}, page)


def close(client: FlaskClient, nid: int) -> Any:
    page = f"/nominations/{nid}"
    return post(client, f"{page}/close", {}, page)


def api_document(app: Flask, session: Session, login: str, document_id: int) -> Any:
    """GET a stored document through the JSON API with a fresh token of `login`."""
    user = session.exec(select(User).where(User.login == login)).one()
    with app.app_context():
        _row, secret = tokens.create_token(session, user=user, name="test")
    return app.test_client().get(f"/api/v1/documents/{document_id}",
                                 headers={"Authorization": f"Bearer {secret}"})  # fmt: skip


def make_certificate_strict(app: Flask, session: Session) -> None:
    """The admin sets the certificate of merit's council vote to 90 % of all members."""
    admin = as_(app, "admin")
    aid = award_id(session, "certificate_of_merit")
    page = f"/admin/awards/{aid}"
    data = {"code": "certificate_of_merit", "name": "Bằng khen", "name_en": "Certificate",
            "level": "provincial", "position": 2, "proposers": ["block_leader"],
            "max_rank": "", "min_score_percent": "90", "block_threshold": "2/3",
            "block_of": "present", "block_quorum": "2/3", "block_secret": "y",
            "council_threshold": "90%", "council_of": "all", "council_quorum": "2/3",
            "council_secret": "y", "prize_multiple": "2", "active": "y"}  # fmt: skip
    assert post(admin, page, data, page).status_code == 302


# --- eligibility -------------------------------------------------------------------------


def test_eligibility__refusals_name_the_reason(app: Flask, year_end: dict[str, Any],
                                               session: Session) -> None:  # fmt: skip
    leader = as_(app, "n1.head")
    page = f"/blocks/{year_end['block'].id}/nominations?year={year_end['year']}"
    listing = leader.get(page)
    assert listing.status_code == 200 and "Đơn vị số 1" in listing.get_data(as_text=True)
    unregistered = propose(leader, year_end, 5, "certificate_of_merit", session)
    assert unregistered.status_code == 409
    assert "did not register" in unregistered.get_data(as_text=True)
    below = propose(leader, year_end, 2, "certificate_of_merit", session)  # 88 < 90
    assert below.status_code == 409 and "needs at least 90.00" in below.get_data(as_text=True)
    second = propose(leader, year_end, 1, "emulation_flag", session)  # ranked 2nd
    assert second.status_code == 409 and "rank 1 or better" in second.get_data(as_text=True)
    first = propose(leader, year_end, 0, "emulation_flag", session)
    assert first.status_code == 303
    twice = propose(leader, year_end, 0, "certificate_of_merit", session)
    assert twice.status_code == 409 and "one achievement" in twice.get_data(as_text=True)
    member = as_(app, "n2.head")  # not the leading unit
    assert propose(member, year_end, 1, "certificate_of_merit", session).status_code == 403
    assert as_(app, "oth.head").get(page).status_code == 403
    assert session.exec(select(Nomination)).all().__len__() == 1


def test_eligibility__the_table_says_what_proposing_would_in_bounded_statements(
    app: Flask, year_end: dict[str, Any], session: Session
) -> None:
    leader = as_(app, "n1.head")
    block, year = year_end["block"], year_end["year"]
    page = f"/blocks/{block.id}/nominations?year={year}"
    assert propose(leader, year_end, 0, "emulation_flag", session).status_code == 303
    bind = app.extensions["wflow.db"]

    def table() -> tuple[int, dict[tuple[str, str], str]]:
        assert leader.get(page).status_code == 200
        with statements_sent(bind) as seen:
            text = leader.get(page).get_data(as_text=True)
        text = text[text.index('id="ranking"') :].split("</table>")[0]  # the ranking's table
        heads = re.findall(r'<th scope="col">([^<]+)</th>', text)[3:]  # after rank, unit, total
        cells = {}
        for unit, row in re.findall(r'<th scope="row" class="plain">([^<]+)</th>(.*?)</tr>', text,
                                    re.S):  # fmt: skip
            said = re.findall(r"<td>(?:<span class=\"muted\">(.*?)</span>|<strong>.*?</strong>)"
                              r"</td>", row)  # fmt: skip
            cells.update({(unit, a): why for a, why in zip(heads, said, strict=True)})
        return len(seen), cells

    before, cells = table()
    session.expire_all()
    shown = {a.name: a for a in awards.catalogue(session, active_only=True, nominee="unit")}
    with app.test_request_context(), force_locale("en"):  # the page's language
        for unit in year_end["units"]:
            for name, award in shown.items():
                if (unit.name, name) not in cells:
                    continue  # an award of another level is not offered
                why = noms.ineligible(session, award, unit.id, block.id, year) or ""
                assert cells[(unit.name, name)] == str(escape(why)), (unit.name, name)
    reasons = set(cells.values())
    assert "" in reasons and len(reasons) >= 4  # eligible, unregistered, rank, score, proposed
    extra = Unit(code="N7", name="Đơn vị số 7")
    session.add(extra)
    session.flush()
    session.add(BlockMembership(block_id=block.id, year=year, unit_id=extra.id or 0))
    session.commit()
    after, cells = table()
    assert after == before  # a unit more reads no more statements
    assert any(unit == "Đơn vị số 7" for unit, _a in cells)


# --- the story ---------------------------------------------------------------------------


def test_story__ranking_to_signed_decision_and_register(
    app: Flask, year_end: dict[str, Any], session: Session, tmp_path: Path
) -> None:
    make_certificate_strict(app, session)
    heads = [as_(app, f"n{i}.head") for i in range(1, 7)]
    leader, sec = heads[0], as_(app, "sec")
    flag = nomination_id(propose(leader, year_end, 0, "emulation_flag", session))
    merit = nomination_id(propose(leader, year_end, 1, "certificate_of_merit", session))

    # block votes: secret; five yes and an abstention for the flag
    for nid in (flag, merit):
        assert fire(leader, nid, "open_block_vote").status_code == 303
    for i, client in enumerate(heads):
        assert vote(client, flag, "abstain" if i == 5 else "yes").status_code == 303
        assert vote(client, merit, "no" if i in (4, 5) else "yes").status_code == 303
    page = heads[2].get(f"/nominations/{flag}").get_data(as_text=True)
    assert "6 of 6 have voted" in page and "You have voted" in page
    assert close(leader, flag).status_code == 303
    assert close(leader, merit).status_code == 303
    assert state(session, flag) == "dossier" and state(session, merit) == "dossier"
    shown = heads[3].get(f"/nominations/{flag}").get_data(as_text=True)
    assert "passed" in shown and "You have voted" not in shown  # the tally, once closed
    assert "Ballots (6)" in shown  # and every ballot by its receipt

    # dossier: edited, signed by the leader's head, returned with a reason, resubmitted
    dossier = f"/nominations/{flag}"
    texts = {
        "cover_letter": "Kính đề nghị tặng Cờ.",
        "minutes": "Hội nghị bình xét.",
        "achievements": "Hoàn thành 13/13 chỉ tiêu.",
    }
    saved = post(leader, f"{dossier}/dossier", texts, dossier)
    assert saved.status_code == 303
    staff = as_(app, "n1.staff")
    assert post(staff, f"{dossier}/submit", {"password": PASSWORD}, dossier).status_code == 403
    refused = post(leader, f"{dossier}/submit", {"password": "wrong"}, dossier)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and state(session, flag) == "dossier"
    assert "<li>The password is wrong: nothing was signed.</li>" in page
    assert f'action="/nominations/{flag}/submit"' in page and 'name="password"' in page
    assert post(leader, f"{dossier}/submit", {"password": PASSWORD}, dossier).status_code == 303
    assert state(session, flag) == "submitted"
    assert fire(sec, flag, "return_dossier", reason="").status_code == 422
    assert fire(sec, flag, "return_dossier", reason="Thiếu số liệu").status_code == 303
    session.expire_all()
    iid = present(session.get(Nomination, flag), "the nomination").instance_id
    bare = post(leader, f"/instances/{iid}/fire", {"trigger": "submit_dossier"}, dossier)
    assert bare.status_code == 303 and state(session, flag) == "dossier"  # must sign again
    assert post(leader, f"{dossier}/submit", {"password": PASSWORD}, dossier).status_code == 303
    assert post(leader, f"/nominations/{merit}/submit", {"password": PASSWORD},
                f"/nominations/{merit}").status_code == 303  # fmt: skip
    for nid in (flag, merit):
        assert fire(sec, nid, "start_review").status_code == 303
    forms = session.exec(select(Nomination).where(Nomination.id == flag)).one()
    assert forms.submitted_at is not None
    listed = leader.get(dossier).get_data(as_text=True)
    assert listed.count("Báo cáo thành tích") >= 2  # two submissions, each signed
    docs = re.findall(rf"/nominations/{flag}/documents/(\d+)\.pdf", listed)
    pdf = leader.get(f"/nominations/{flag}/documents/{docs[0]}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    with app.app_context():
        reports = keys.verify_document(session, pdf.data)
    assert [r.unit.code if r.unit else None for r in reports] == ["N1"] and reports[0].ok
    # the same dossier through the API: the block and the committee, not another block
    assert api_document(app, session, "n4.head", int(docs[0])).status_code == 200
    assert api_document(app, session, "council1", int(docs[0])).status_code == 200
    assert api_document(app, session, "oth.head", int(docs[0])).status_code == 403

    # council session; votes: the flag at exactly 90 % of all, the certificate one below
    meeting = {"title": "Phiên họp tháng 12", "year": year_end["year"], "held_on": "2026-12-20"}
    made = post(sec, "/council/sessions", meeting, "/council/sessions")
    sid = int(made.headers["Location"].rsplit("/", 1)[1])
    for nid in (flag, merit):
        assert fire(sec, nid, "refer_to_council", session_id=sid).status_code == 303
    assert f'href="/council/sessions/{sid}"' in sec.get(f"/nominations/{flag}").get_data(
        as_text=True
    )  # the committee follows the link; members read the title only
    assert f'href="/council/sessions/{sid}"' not in heads[2].get(f"/nominations/{flag}").get_data(
        as_text=True)  # fmt: skip
    council = [as_(app, f"council{i}") for i in range(1, COUNCIL + 1)]
    for i, client in enumerate(council[:9]):  # c10 is absent
        assert vote(client, flag, "yes" if i < 8 else "no").status_code == 303
        assert vote(client, merit, "yes" if i < 8 else "no").status_code == 303
    absent = session.exec(select(User).where(User.login == "council10")).one()
    written = post(sec, f"/nominations/{flag}/written-vote",
                   {"member_id": absent.id, "choice": "yes"}, f"/nominations/{flag}")  # fmt: skip
    assert written.status_code == 303
    post(sec, f"/nominations/{merit}/written-vote", {"member_id": absent.id, "choice": "no"},
         f"/nominations/{merit}")  # fmt: skip
    assert close(sec, flag).status_code == 303 and close(sec, merit).status_code == 303
    assert state(session, flag) == "approved"  # 9 yes of 10: exactly 90 %
    assert state(session, merit) == "rejected"  # 8 yes of 10: one vote below
    session.expire_all()
    nomination = present(session.get(Nomination, flag), "the nomination")
    tally = present(nomination.council_tally, "the council's tally")
    assert (tally["yes"], tally["present"], tally["written"]) == (9, 9, 1)
    assert vote(council[9], flag, "no").status_code == 409  # after closing

    # the decision: the secretariat prepares and submits it; the council's chair signs it
    spage = f"/council/sessions/{sid}"
    typed = {"number": "123/QĐ-HĐTĐKT", "issued_on": "2026-12-28"}
    no_chair = post(sec, f"{spage}/decision", typed, spage)
    assert no_chair.status_code == 409 and "The council has no chair" in no_chair.get_data(
        as_text=True)  # fmt: skip
    admin = as_(app, "admin")
    chair, vice = (session.exec(select(User).where(User.login == f"council{i}")).one()
                   for i in (1, 2))  # fmt: skip
    assert post(admin, "/admin/settings", {"base_salary": "2340000", "council_chair": chair.id,
                                          "council_vice_chairs": [vice.id]},
                "/admin/settings").status_code == 302  # fmt: skip
    assert post(sec, f"{spage}/decision", typed, spage).status_code == 303
    assert state(session, flag) == "approved"  # nothing is granted before the chair signs
    session.expire_all()
    did = session.exec(select(Decision).where(Decision.number == "123/QĐ-HĐTĐKT")).one().id
    sign, back = f"/council/decisions/{did}/sign", f"/council/decisions/{did}/return"
    assert "Sign the decision" not in sec.get(spage).get_data(as_text=True)
    assert post(sec, sign, {"password": PASSWORD}, spage).status_code == 403  # never the clerk
    assert post(council[3], sign, {"password": PASSWORD}, spage).status_code == 403  # a member
    draft = council[0].get(f"/council/decisions/{did}/draft.pdf")
    assert draft.status_code == 200 and "DỰ THẢO" in pdf_text(draft.data)
    assert "CHỦ TỊCH" in pdf_text(draft.data)
    assert heads[2].get(f"/council/decisions/{did}/draft.pdf").status_code == 403
    # the vice-chair returns the draft with a reason; the secretariat corrects and resubmits
    assert post(council[1], back, {"reason": ""}, spage).status_code == 422
    assert post(council[1], back, {"reason": "Sửa ngày ban hành"}, spage).status_code == 303
    assert "Sửa ngày ban hành" in sec.get(spage).get_data(as_text=True)
    assert post(council[0], sign, {"password": PASSWORD}, spage).status_code == 409
    assert post(sec, f"{spage}/decision", typed, spage).status_code == 303
    task = council[0].get("/tasks").get_data(as_text=True)  # the chair finds it among the tasks
    assert f'href="/council/decisions/{did}"' in task and "123/QĐ-HĐTĐKT" in task
    assert "123/QĐ-HĐTĐKT" not in council[3].get("/tasks").get_data(as_text=True)
    bad = post(council[0], sign, {"password": "wrong"}, spage)
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and state(session, flag) == "approved"  # nothing signed
    assert "<li>The password is wrong: nothing was signed.</li>" in page
    assert 'name="password"' in page  # the form again, with its reason
    nominated = session.get(Nomination, flag)
    merit_award = awards.award_by_code(session, "person_certificate_of_merit")
    assert nominated is not None and merit_award is not None
    # the dossier's list: the unit itself for its flag, and two of its people
    itself = DossierNominee(
        nomination_id=flag,
        position=0,
        unit_id=nominated.unit_id,
        award_id=nominated.award_id,
        achievement="Dẫn đầu khối",
    )
    session.add(itself)
    for i, name in enumerate(("Trần Thị Mai", "Phạm Văn Đức"), start=1):
        person = Person(full_name=name, position="Chuyên viên", unit_id=nominated.unit_id,
                        sex="female" if i == 0 else "male", birth_year=1990)  # fmt: skip
        session.add(person)
        session.flush()
        session.add(DossierNominee(nomination_id=flag, position=i, unit_id=nominated.unit_id,
                                   person_id=person.id, award_id=merit_award.id or 0,
                                   achievement=f"Thành tích {i}"))  # fmt: skip
    session.commit()
    signed = post(council[0], sign, {"password": PASSWORD}, spage)
    assert signed.status_code == 303 and state(session, flag) == "decided"
    session.expire_all()
    granted = session.get(Nomination, flag)  # the flag (12×) and two Bằng khen (1× each)
    assert granted is not None and granted.prize_amount == Decimal(14 * 2_340_000)
    decided_by = session.exec(select(WfEvent).where(
        WfEvent.instance_id == granted.instance_id, WfEvent.trigger == "decide")).one()  # fmt: skip
    assert decided_by.actor_user_id == chair.id  # the chair's signature decides, not the clerk
    public = app.test_client()
    register = public.get(f"/awards?year={year_end['year']}").get_data(as_text=True)
    assert '<th scope="row" class="plain">Đơn vị số 1</th>' in register
    assert "123/QĐ-HĐTĐKT" in register
    assert '<th scope="row" class="plain">Đơn vị số 2</th>' not in register
    unit_filter = re.search(r'<select id="unit".*?</select>', register, re.S)
    assert unit_filter and ">Đơn vị số 2</option>" in unit_filter.group(0)
    assert ">Hội đồng Thi đua - Khen thưởng</option>" not in unit_filter.group(0)  # no council
    decision_pdf = re.search(r"/decisions/(\d+)\.pdf", register)
    assert decision_pdf
    signed_pdf = public.get(decision_pdf.group(0))
    assert signed_pdf.status_code == 200
    text = pdf_text(signed_pdf.data)  # the decision in Vietnamese formats, dated locally
    assert "mức lương cơ sở 2.340.000 đồng" in text and "tổng số tiền 32.760.000 đồng" in text
    assert "Quyết định số 123/QĐ-HĐTĐKT ngày 28/12/2026" in text
    # Decree 30: on behalf of the council, its chair, then the chair's full name under the box
    block = re.escape("TM. HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG CHỦ TỊCH Đã ký số")
    assert re.search(block + r".{0,120}\(GMT\+7\) " + re.escape(chair.display_name), text)
    assert "DỰ THẢO" not in text
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d \(GMT\+7\)", text)  # the stamp: local time
    assert "28.080.000" in register and "28,080,000" not in register  # the public register (vi)
    with app.app_context():
        reports = keys.verify_document(session, signed_pdf.data)
    assert len(reports) == 1 and reports[0].ok and reports[0].unit is not None
    assert reports[0].unit.kind == "council"
    registered = present(reports[0].registered, "the signing certificate")
    assert registered.holder_user_id == chair.id  # the chair's own certificate
    decision = session.exec(select(Decision).where(Decision.number == "123/QĐ-HĐTĐKT")).one()
    assert decision.document_id is not None  # a public act: any caller may read it
    # the decision prints its verification code and URL (and QR), which lead to its page
    coded = session.get(Document, decision.document_id)
    assert coded is not None and coded.verify_code
    link = f"{app.config['PUBLIC_URL'].rstrip('/')}/v/{coded.verify_code}"
    assert f"Mã xác thực: {codes.grouped(coded.verify_code)} · {link}" in text
    verified = public.get(f"/v/{coded.verify_code}").get_data(as_text=True)
    assert "123/QĐ-HĐTĐKT" in verified and "Quyết định khen thưởng" in verified
    assert "Tất cả 1 chữ ký đều toàn vẹn, tin cậy và có trong danh mục." in verified
    assert api_document(app, session, "oth.head", decision.document_id).status_code == 200
    # numbers restart every year: next year's first decision is 01 again, this year's next 02
    year = year_end["year"]
    assert award_decision.next_number(session, date(year + 1, 1, 5)) == "01/QĐ-HĐTĐKT"
    assert award_decision.next_number(session, date(year, 12, 30)) == "02/QĐ-HĐTĐKT"
    certificate = public.get(f"/awards/{flag}/certificate.pdf")
    assert certificate.status_code == 200 and certificate.data.startswith(b"%PDF")
    # the certificate is signed by the decision's signatory, on one page, with its own code
    with app.app_context():
        on_certificate = keys.verify_document(session, certificate.data)
    assert [r.ok for r in on_certificate] == [True]
    assert present(on_certificate[0].registered, "a certificate").holder_user_id == chair.id
    printed = pdf_text(certificate.data)
    assert "TM. HỘI ĐỒNG" in printed and chair.display_name in printed
    assert "Mã xác thực" in printed
    assert PdfFileReader(BytesIO(certificate.data)).root["/Pages"]["/Count"] == 1
    held = session.exec(select(Document).where(Document.nomination_id == flag,
                                               Document.kind == "certificate")).one()  # fmt: skip
    shown = public.get(f"/v/{held.verify_code}").get_data(as_text=True)
    assert "Giấy chứng nhận khen thưởng" in shown and "123/QĐ-HĐTĐKT" in shown
    # the people of the dossier: a page each, one signature of the chair stamped on the last
    batch = sec.get(f"/nominations/{flag}/certificates.pdf")
    assert batch.status_code == 200
    with app.app_context():
        on_batch = keys.verify_document(session, batch.data)
    holders = [(r.ok, present(r.registered, "a certificate").holder_user_id) for r in on_batch]
    assert holders == [(True, chair.id)]
    # each lasts: timestamped, revocation data embedded, valid and trusted in poppler too
    ca = KeyStore(app.instance_path).ca_cert_path
    for name, data in (("decision", signed_pdf.data), ("certificate", certificate.data),
                       ("batch", batch.data)):  # fmt: skip
        assert_lasting(data, ca, tmp_path / name)
    assert PdfFileReader(BytesIO(batch.data)).root["/Pages"]["/Count"] == 2
    listed = pdf_text(batch.data)
    assert "Trần Thị Mai" in listed and "Phạm Văn Đức" in listed
    assert "(Chữ ký số ở trang cuối)" in listed and chair.display_name in listed
    csv = public.get(f"/awards?year={year_end['year']}&format=csv").get_data(as_text=True)
    assert "Cờ thi đua" in csv and "28080000" in csv

    # revocation with a reason shows on the register
    assert fire(sec, flag, "revoke", reason="").status_code == 422
    assert fire(sec, flag, "revoke", reason="Hồ sơ không trung thực").status_code == 303
    assert "Hồ sơ không trung thực" in public.get("/awards").get_data(as_text=True)
    assert public.get(f"/awards/{flag}/certificate.pdf").status_code == 410


# --- vote refusals and secrecy -----------------------------------------------------------


def _open_vote(app: Flask, world: dict[str, Any], session: Session) -> tuple[int, FlaskClient]:
    leader = as_(app, "n1.head")
    nid = nomination_id(propose(leader, world, 0, "emulation_flag", session))
    assert fire(leader, nid, "open_block_vote").status_code == 303
    return nid, leader


def test_votes__non_member_second_vote_and_after_closing_are_refused(
    app: Flask, year_end: dict[str, Any], session: Session
) -> None:
    nid, leader = _open_vote(app, year_end, session)
    assert vote(as_(app, "oth.head"), nid, "yes").status_code == 403  # another block
    assert vote(as_(app, "council1"), nid, "yes").status_code == 403  # not a block member
    assert vote(as_(app, "n1.staff"), nid, "yes").status_code == 403  # the head votes
    second = as_(app, "n2.head")
    assert vote(second, nid, "yes").status_code == 303
    assert vote(second, nid, "no").status_code == 409
    assert vote(second, nid, "maybe").status_code == 422
    # four of six took part: quorum 2/3 met; 4 yes of 4 voters passes
    for login in ("n1.head", "n3.head", "n4.head"):
        assert vote(as_(app, login), nid, "yes").status_code == 303
    assert close(leader, nid).status_code == 303 and state(session, nid) == "dossier"
    assert vote(as_(app, "n5.head"), nid, "yes").status_code == 409
    events = session.exec(select(WfEvent).where(WfEvent.trigger == "vote_yes")).all()
    assert events == []  # secret: the audit says "participate", never the choice


def test_votes__below_quorum_is_rejected_and_the_wrong_outcome_cannot_be_fired(
    app: Flask, year_end: dict[str, Any], session: Session
) -> None:
    nid, leader = _open_vote(app, year_end, session)
    for login in ("n2.head", "n3.head", "n4.head"):  # 3 of 6: below the 2/3 quorum
        assert vote(as_(app, login), nid, "yes").status_code == 303
    page = f"/nominations/{nid}"
    session.expire_all()
    iid = present(session.get(Nomination, nid), "the nomination").instance_id
    forced = post(leader, f"/instances/{iid}/fire", {"trigger": "block_approved"}, page)
    assert forced.status_code == 303 and state(session, nid) == "block_vote"  # refused by guard
    assert close(leader, nid).status_code == 303 and state(session, nid) == "rejected"
    assert "No quorum" in leader.get(page).get_data(as_text=True)


def test_secrecy__no_page_or_api_reveals_another_voter_s_choice(
    app: Flask, year_end: dict[str, Any], session: Session
) -> None:
    from wflow.accounts import tokens

    nid, leader = _open_vote(app, year_end, session)
    assert vote(as_(app, "n2.head"), nid, "no").status_code == 303
    assert vote(leader, nid, "yes").status_code == 303
    session.expire_all()
    iid = present(session.get(Nomination, nid), "the nomination").instance_id
    watcher = as_(app, "n3.head")
    for client in (watcher, as_(app, "sec")):
        for path in (f"/nominations/{nid}", f"/instances/{iid}",
                     f"/instances/{iid}?as_of=2100-01-01", "/nominations?format=csv",
                     "/tasks", "/notifications"):  # fmt: skip
            body = client.get(path).get_data(as_text=True)
            assert "You have voted" not in body, path
            assert not re.search(r"(refused|abstained|\bNo</strong>|\bNo</td>)", body), path
    mine = as_(app, "n2.head").get(f"/nominations/{nid}").get_data(as_text=True)
    assert "You have voted" in mine and not re.search(r"\bNo</(strong|td)>", mine)
    with app.app_context():
        n3 = session.exec(select(User).where(User.login == "n3.head")).one()
        _row, secret = tokens.create_token(session, user=n3, name="t")
    api = app.test_client().get(f"/api/v1/instances/{iid}",
                                headers={"Authorization": f"Bearer {secret}"})  # fmt: skip
    assert api.status_code == 200
    statuses = [p["status"] for p in api.get_json()["participants"]]
    assert sorted(statuses) == ["voted", "voted", "waiting", "waiting", "waiting", "waiting"]
    assert "refuse" not in api.get_data(as_text=True)


RECEIPT_RE = re.compile(r"Receipt: ([0-9A-F]{4}(?:-[0-9A-F]{4}){4})")


def test_secrecy__the_voter_checks_the_ballot_by_its_receipt_once_closed(
    app: Flask, year_end: dict[str, Any], session: Session
) -> None:
    nid, leader = _open_vote(app, year_end, session)
    page = f"/nominations/{nid}"
    receipts: dict[str, str] = {}
    for login, choice in (("n2.head", "no"), ("n3.head", "abstain"), ("n4.head", "yes"),
                          ("n1.head", "yes")):  # fmt: skip
        client = leader if login == "n1.head" else as_(app, login)
        done = vote(client, nid, choice)
        assert done.status_code == 303
        flashed = client.get(page).get_data(as_text=True)
        found = RECEIPT_RE.search(flashed)
        assert found, login
        receipts[found.group(1)] = {"yes": "Yes", "no": "No", "abstain": "Abstention"}[choice]
    assert "Ballots (" not in leader.get(page).get_data(as_text=True)  # not while open
    assert close(leader, nid).status_code == 303
    board = as_(app, "n5.head").get(page).get_data(as_text=True)
    listed = dict(re.findall(r"<code>([0-9A-F-]+)</code></td><td>(\w+)</td>", board))
    assert listed == receipts  # each voter finds the choice made, and the count is the list's


@pytest.mark.parametrize(
    ("language", "yes", "header"), [("fr", "Pour", "Abstention"), ("hu", "Igen", "Tartózkodás")]
)
def test_votes__the_count_s_headers_are_nouns(
    app: Flask, year_end: dict[str, Any], session: Session, language: str, yes: str, header: str
) -> None:
    nid, leader = _open_vote(app, year_end, session)
    for login, choice in (("n2.head", "abstain"), ("n3.head", "yes"), ("n4.head", "yes")):
        assert vote(as_(app, login), nid, choice).status_code == 303
    assert vote(leader, nid, "yes").status_code == 303
    assert close(leader, nid).status_code == 303
    page = f"/nominations/{nid}"
    reader = as_(app, "n5.head")
    post(reader, "/locale", {"locale": language, "next": page}, page)
    html = reader.get(page).get_data(as_text=True)
    assert f'<th scope="col">{yes}</th>' in html
    assert f'<th scope="col">{header}</th></tr></thead>' in html  # the count's last column
    assert f"<td>{header}</td>" in html  # the abstaining ballot, listed by its receipt
    assert "abstenir" not in html


def _cells(session: Session, table: sa.Table) -> list[tuple[str, list[Any]]]:
    return [(table.name, list(r)) for r in session.execute(sa.select(table)).all()]


def test_secrecy__no_row_of_any_table_pairs_a_voter_with_a_choice(
    app: Flask, year_end: dict[str, Any], session: Session
) -> None:
    """Every table is read whole after a vote: the choices live in rows that name no one."""
    from sqlmodel import SQLModel

    nid, leader = _open_vote(app, year_end, session)
    for login, choice in (("n2.head", "no"), ("n3.head", "abstain"), ("n4.head", "yes")):
        assert vote(as_(app, login), nid, choice).status_code == 303
    assert vote(leader, nid, "yes").status_code == 303
    session.expire_all()
    iid = present(session.get(Nomination, nid), "the nomination").instance_id
    choices = {"act", "refuse", "abstain", "vote_yes", "vote_no", "vote_abstain"}
    holding: dict[str, int] = {}
    for table in SQLModel.metadata.sorted_tables:
        if table.name in ("wf_definition", "wf_task"):  # the workflow's text; who may vote
            continue
        rows = _cells(session, table)
        if "instance_id" in table.c:  # the vote's own rows; other instances (pacts) sign openly
            at = list(table.c.keys()).index("instance_id")
            rows = [(n, r) for n, r in rows if r[at] == iid]
        for name, row in rows:
            text = " ".join(str(v) for v in row)
            named = any(isinstance(v, str) and v in choices for v in row)
            if named or re.search(r"vote_(yes|no|abstain)", text):
                holding[name] = holding.get(name, 0) + 1
    assert holding == {"wf_ballot": 4}
    ballot = SQLModel.metadata.tables["wf_ballot"]
    assert sorted(ballot.c.keys()) == ["choice", "id", "instance_id", "paper", "round"]
    assert not ballot.foreign_keys - {fk for fk in ballot.foreign_keys
                                      if fk.column.table.name == "wf_instance"}  # fmt: skip
    cast = session.exec(select(WfParticipant).where(WfParticipant.instance_id == iid)).all()
    assert sorted(str(p.choice) for p in cast) == ["None", "None", "cast", "cast", "cast", "cast"]
    # the task index offers the vote to those who have not voted, and to no one else
    tasks = session.execute(
        sa.select(col(WfTask.principal)).where(
            col(WfTask.instance_id) == iid, col(WfTask.trigger) == "vote_yes"
        )
    ).scalars()
    assert set(tasks) == {p.principal for p in cast if p.choice is None}


def test_pages__forms_carry_csrf_and_public_pages_need_no_login(
    app: Flask, year_end: dict[str, Any], session: Session
) -> None:
    public = app.test_client()
    assert public.get("/awards").status_code == 200
    assert public.get("/awards?format=xlsx").status_code == 200
    assert public.get("/decisions/999.pdf").status_code == 404
    assert public.get("/nominations").status_code == 302
    admin = as_(app, "admin")
    listing = admin.get("/admin/awards").get_data(as_text=True)
    assert "Cờ thi đua" in listing and TOKEN_RE.search(admin.get("/admin/settings").get_data(
        as_text=True))  # fmt: skip
    saved = post(admin, "/admin/settings", {"base_salary": "2.340.000"}, "/admin/settings")
    assert saved.status_code == 302
    assert post(admin, "/admin/settings", {"base_salary": "abc"}, "/admin/settings"
                ).status_code == 422  # fmt: skip

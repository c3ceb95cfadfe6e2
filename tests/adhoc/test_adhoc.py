"""Ad-hoc awards: the short path end to end, a refusal at each step with its reason, history."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session, col, select

from tests.conftest import PASSWORD, submit
from tests.dbs import DemoBuild
from tests.pdftext import pdf_text
from tests.people.test_views import as_user
from tests.titles.test_decisions import english, person
from tests.titles.test_history import demo_user
from wflow.adhoc import service as adhoc
from wflow.adhoc.models import AdhocAward
from wflow.awards import catalogue as awards
from wflow.awards import decisions as council_decisions
from wflow.core import subjects
from wflow.core.access import current_year
from wflow.core.errors import Conflict, Forbidden, ServiceError
from wflow.org.models import User
from wflow.pacts.models import Document
from wflow.people.models import Person
from wflow.signatures import codes, keys
from wflow.workflow_setup import engine

YEAR = current_year()
DAY = date(YEAR, 1, 2)  # the day of the rescue (today at the latest, whenever tests run)


def award_id(session: Session, code: str) -> int:
    """Return the id of a seeded award."""
    found = awards.award_by_code(session, code)
    assert found is not None and found.adhoc
    return found.id or 0


@pytest.fixture
def rescue(app: Flask, session: Session, world: dict[str, Any]) -> dict[str, Any]:
    """Unit A1 with Hùng (a youth union member who rescued two children), the council's chair."""
    a1, head = world["units"]["a1"], world["users"]["a1.head"]
    hung = person(app, session, head, a1.id, "Nguyễn Văn Hùng")
    with app.test_request_context():
        awards.set_council_chair(session, world["users"]["admin"], world["users"]["council"].id)
    return {"unit": a1, "head": head, "hung": hung, "world": world}


def form(session: Session, who: str, *, code: str = "person_certificate_of_merit",
         day: date = DAY) -> dict[str, Any]:  # fmt: skip
    """Return the proposal form's fields."""
    return {"award_id": award_id(session, code), "nominee": who, "achieved_on": day.isoformat(),
            "title": "Cứu hai em nhỏ đuối nước trên sông Lam",
            "achievement": "Lao xuống dòng nước xiết, đưa hai em nhỏ vào bờ an toàn."}  # fmt: skip


def fire(client: Any, row_id: int, trigger: str, reason: str = "") -> Any:
    """Fire a step from the proposal's page."""
    url = f"/adhoc/{row_id}"
    return submit(client, f"{url}/fire", {"trigger": trigger, "reason": reason}, page=url)


def state(session: Session, row_id: int) -> str:
    """Return the proposal's workflow state, read fresh."""
    session.expire_all()
    row = session.get(AdhocAward, row_id)
    assert row is not None
    return subjects.state(session, row)


def test_short_path__proposal_secretariat_chair_decision_history(
    app: Flask, session: Session, rescue: dict[str, Any]
) -> None:
    a1, hung = rescue["unit"], rescue["hung"]
    head = as_user(app, "a1.head")
    new = f"/units/{a1.id}/adhoc/new"
    page = head.get(new).get_data(as_text=True)
    assert "Nguyễn Văn Hùng" in page and "Bằng khen (cá nhân)" in page
    answer = submit(head, new, form(session, f"person:{hung.id}"))
    assert answer.status_code == 303, answer.get_data(as_text=True)
    row = session.exec(select(AdhocAward)).one()
    assert state(session, row.id or 0) == "draft"
    assert fire(head, row.id or 0, "submit").status_code == 303
    # the secretariat returns it with a reason, the unit submits again, the secretariat accepts
    sec = as_user(app, "secretariat")
    assert fire(sec, row.id or 0, "return_proposal", "").status_code == 422  # a reason is due
    assert (
        fire(sec, row.id or 0, "return_proposal", "Thiếu xác nhận của địa phương").status_code
        == 303
    )
    page = head.get(f"/adhoc/{row.id}").get_data(as_text=True)
    assert "Thiếu xác nhận của địa phương" in page and "Change the proposal" in page
    assert fire(head, row.id or 0, "submit").status_code == 303
    assert fire(sec, row.id or 0, "accept").status_code == 303
    assert state(session, row.id or 0) == "deciding"
    # the secretariat may not sign; the chair does, with the council's key
    url = f"/adhoc/{row.id}"
    signing = {"number": "15/QĐ-HĐTĐKT", "issued_on": DAY.isoformat(), "password": PASSWORD}
    assert submit(sec, f"{url}/decision", signing, page=url).status_code == 403
    chair = as_user(app, "council")
    assert "Sign the decision" in chair.get(url).get_data(as_text=True)
    wrong = submit(chair, f"{url}/decision", {**signing, "password": "nope"}, page=url)
    assert wrong.status_code == 422 and state(session, row.id or 0) == "deciding"
    signed = submit(chair, f"{url}/decision", signing, page=url)
    assert signed.status_code == 303, signed.get_data(as_text=True)
    assert state(session, row.id or 0) == "decided"
    pdf = app.test_client().get(f"{url}/decision.pdf")  # a public act
    text = pdf_text(pdf.data)
    assert "15/QĐ-HĐTĐKT" in text and "Nguyễn Văn Hùng" in text and "đột xuất" in text
    assert b"/ByteRange" in pdf.data  # signed
    # its verification code, printed on it, leads to its public page
    session.expire_all()
    decided = session.get(AdhocAward, row.id)
    doc = session.get(Document, decided.document_id if decided else 0)
    assert doc is not None and doc.verify_code
    assert f"Mã xác thực: {codes.grouped(doc.verify_code)} · " in text
    verified = app.test_client().get(f"/v/{doc.verify_code}").get_data(as_text=True)
    assert "15/QĐ-HĐTĐKT" in verified and "Quyết định khen thưởng" in verified
    certificate = app.test_client().get(f"{url}/certificate.pdf")
    assert certificate.status_code == 200  # signed by the chair with the decision
    with app.app_context():
        reports = keys.verify_document(session, certificate.data)
    assert [r.ok for r in reports] == [True]
    assert decided is not None and decided.certificate_document_id is not None
    held = session.get(Document, decided.certificate_document_id)
    assert held is not None and held.verify_code
    assert f"Mã xác thực: {codes.grouped(held.verify_code)}" in pdf_text(certificate.data)
    shown = app.test_client().get(f"/v/{held.verify_code}").get_data(as_text=True)
    assert "Giấy chứng nhận khen thưởng" in shown and "15/QĐ-HĐTĐKT" in shown
    # the award history and the unit's titles page list it
    found = head.get("/titles/history?q=hung").get_data(as_text=True)
    assert "Bằng khen (cá nhân)" in found and "15/QĐ-HĐTĐKT" in found
    assert "Cứu hai em nhỏ" in found
    titles = head.get(f"/units/{a1.id}/titles?year={YEAR}").get_data(as_text=True)
    assert "15/QĐ-HĐTĐKT" in titles and "Nguyễn Văn Hùng" in titles


def test_one_achievement_one_award__the_earlier_decision_is_named(
    app: Flask, session: Session, rescue: dict[str, Any]
) -> None:
    a1, hung = rescue["unit"], rescue["hung"]
    head: User = rescue["head"]
    proposal = adhoc.Proposal(award_id(session, "person_certificate_of_merit"),
                              f"person:{hung.id}", DAY, "Cứu người", "Cứu hai em nhỏ")  # fmt: skip
    with english(app):
        eng = engine()
        first = adhoc.propose(session, eng, user=head, unit_id=a1.id, proposal=proposal)
        with pytest.raises(Conflict, match="already proposed for the achievement of"):
            adhoc.propose(session, eng, user=head, unit_id=a1.id, proposal=proposal)
        adhoc.submit(session, eng, user=head, row=first)
        sec = rescue["world"]["users"]["secretariat"]
        adhoc.accept(session, eng, user=sec, row=first)
        chair = rescue["world"]["users"]["council"]
        adhoc.sign_decision(session, eng, user=chair, row=first, number="16/QĐ-HĐTĐKT",
                            issued_on=DAY, password=PASSWORD)  # fmt: skip
        other = adhoc.Proposal(award_id(session, "commendation_certificate"), f"unit:{a1.id}",
                               DAY, "Tập thể", "x")  # fmt: skip
        with pytest.raises(ServiceError, match="goes to a collective"):
            adhoc.propose(session, eng, user=head, unit_id=a1.id,
                          proposal=adhoc.Proposal(other.award_id, f"person:{hung.id}", DAY,
                                                  "Cứu người", "x"))  # fmt: skip
        with pytest.raises(Conflict, match=r"already holds .* \(decision 16/QĐ-HĐTĐKT\)"):
            adhoc.propose(session, eng, user=head, unit_id=a1.id, proposal=proposal)
        # another day is another achievement; a decision number is used once
        again = adhoc.propose(session, eng, user=head, unit_id=a1.id,
                              proposal=adhoc.Proposal(proposal.award_id, proposal.nominee,
                                                      date(YEAR, 1, 1), "Khác", "x"))  # fmt: skip
        adhoc.submit(session, eng, user=head, row=again)
        adhoc.accept(session, eng, user=sec, row=again)
        with pytest.raises(Conflict, match="Another decision has this number"):
            adhoc.sign_decision(session, eng, user=chair, row=again, number="16/QĐ-HĐTĐKT",
                                issued_on=DAY, password=PASSWORD)  # fmt: skip
    assert state(session, again.id or 0) == "deciding"
    # the chair's decisions and the sessions' decisions share the council's numbering
    assert council_decisions.number_taken(session, "16/QĐ-HĐTĐKT", DAY.year)
    assert council_decisions.next_number(session, DAY) == "02/QĐ-HĐTĐKT"


def test_refusals__wrong_unit_wrong_role_no_chair(
    app: Flask, session: Session, rescue: dict[str, Any], make_user: Any
) -> None:
    a1, hung, world = rescue["unit"], rescue["hung"], rescue["world"]
    a2_head = as_user(app, "a2.head")
    # another unit's head may not propose for A1, nor propose A1's person for A2
    assert a2_head.get(f"/units/{a1.id}/adhoc/new").status_code == 403
    a2 = world["units"]["a2"]
    answer = submit(a2_head, f"/units/{a2.id}/adhoc/new", form(session, f"person:{hung.id}"))
    assert answer.status_code == 422
    assert "Nguyễn Văn Hùng does not work in this unit." in answer.get_data(as_text=True)
    answer = submit(a2_head, f"/units/{a2.id}/adhoc/new",
                    form(session, f"unit:{a1.id}", code="commendation_certificate"))  # fmt: skip
    assert "is neither this unit nor a unit under it" in answer.get_data(as_text=True)
    assert session.exec(select(AdhocAward)).all() == []
    # a unit's person may not act as the secretariat; the secretariat may not decide
    head = as_user(app, "a1.head")
    submit(head, f"/units/{a1.id}/adhoc/new", form(session, f"person:{hung.id}"))
    row = session.exec(select(AdhocAward)).one()
    assert fire(head, row.id or 0, "submit").status_code == 303
    assert fire(head, row.id or 0, "accept").status_code == 403
    assert a2_head.get(f"/adhoc/{row.id}").status_code == 403  # not theirs to see
    # without a chair named, the secretariat cannot refer it, and says why
    with app.test_request_context():
        awards.set_council_chair(session, world["users"]["admin"], None)
    sec = as_user(app, "secretariat")
    refused = fire(sec, row.id or 0, "accept")
    assert refused.status_code == 409
    assert "The council has no chair" in refused.get_data(as_text=True)
    assert state(session, row.id or 0) == "checking"
    # another council member is not the chair
    with app.test_request_context():
        awards.set_council_chair(session, world["users"]["admin"], world["users"]["council"].id)
    make_user("council2", None, roles=("council_member",))
    assert fire(sec, row.id or 0, "accept").status_code == 303
    url = f"/adhoc/{row.id}"
    other = as_user(app, "council2")
    signing = {"number": "17/QĐ-HĐTĐKT", "issued_on": DAY.isoformat(), "password": PASSWORD}
    assert submit(other, f"{url}/decision", signing, page=url).status_code == 403
    assert fire(other, row.id or 0, "decline", "Không").status_code == 403
    chair = as_user(app, "council")
    assert fire(chair, row.id or 0, "decline", "Chưa đủ căn cứ").status_code == 303
    assert state(session, row.id or 0) == "declined"


def test_service__forbidden_outside_the_unit_and_prerequisites(
    app: Flask, session: Session, rescue: dict[str, Any]
) -> None:
    a1, hung, world = rescue["unit"], rescue["hung"], rescue["world"]
    proposal = adhoc.Proposal(award_id(session, "person_certificate_of_merit"),
                              f"person:{hung.id}", DAY, "Cứu người", "x")  # fmt: skip
    with english(app), pytest.raises(Forbidden):
        adhoc.propose(session, engine(), user=world["users"]["b1.head"], unit_id=a1.id,
                      proposal=proposal)  # fmt: skip
    fighter = awards.award_by_code(session, "provincial_fighter")
    assert fighter is not None
    fighter.adhoc = True  # an administrator allows it ad hoc; its prerequisites still hold
    session.add(fighter)
    session.commit()
    with english(app), pytest.raises(ServiceError, match="needs Chiến sĩ thi đua cơ sở"):
        adhoc.propose(
            session,
            engine(),
            user=rescue["head"],
            unit_id=a1.id,
            proposal=adhoc.Proposal(fighter.id, f"person:{hung.id}", DAY, "x", "y"),
        )
    assert session.exec(select(Person)).all() and session.exec(select(AdhocAward)).all() == []


def test_demo__a_decided_rescue_one_for_the_chair_one_for_the_secretariat_in_four_languages(
    app: Flask, session: Session, demo: DemoBuild
) -> None:
    rows = session.exec(select(AdhocAward).order_by(col(AdhocAward.id))).all()
    assert [subjects.state(session, r) for r in rows] == ["decided", "deciding", "checking"]
    assert rows[0].decision_number and rows[0].prize_amount
    chair = demo_user(app, "council1")
    page = chair.get(f"/adhoc/{rows[1].id}").get_data(as_text=True)
    assert "Ký quyết định" in page  # Vietnamese by default; the chair may sign
    headings = {
        "vi": "Khen thưởng đột xuất",
        "en": "Ad-hoc awards",
        "fr": "Distinctions exceptionnelles",
        "hu": "Soron kívüli kitüntetések",
    }
    head = demo_user(app, "tdoan.head")
    for locale, heading in headings.items():
        submit(head, "/locale", {"locale": locale, "next": "/"}, page="/")
        page = head.get("/adhoc").get_data(as_text=True)
        assert heading in page and "sông Ngàn Phố" in page, locale
        page = head.get(f"/adhoc/{rows[0].id}").get_data(as_text=True)
        assert rows[0].decision_number in page, locale
    found = head.get("/titles/history?kind=person").get_data(as_text=True)
    assert rows[0].decision_number in found and "sông Ngàn Phố" in found
    assert demo_user(app, "hlhpn.head").get(f"/adhoc/{rows[0].id}").status_code == 403

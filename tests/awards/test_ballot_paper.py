"""One dossier, many names: the council votes on every name with one secret ballot paper,
each name passes by its own award's rule, and the decision grants the names that passed,
each with its prize, the certificates of the people and collectives in one batch."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlmodel import Session, select

from tests.awards.test_nominees import listed, upload
from tests.awards.test_views import (
    COUNCIL,
    as_,
    close,
    fire,
    nomination_id,
    pdf_text,
    post,
    propose,
    state,
    vote,
    year_end,  # noqa: F401  (a fixture, by name)
)
from tests.conftest import PASSWORD, present
from wflow.awards import nominations as noms
from wflow.awards.models import Nomination
from wflow.core.errors import ServiceError
from wflow.engine import WfBallot, WfEvent, WfInstance, WfParticipant
from wflow.org import service as org
from wflow.org.models import Unit, User
from wflow.people import service as people
from wflow.people.models import Person
from wflow.workflow_setup import engine

NAMES = (
    "STT,Loại,Họ tên / Tên tập thể,Mã,Hình thức khen thưởng,Tóm tắt thành tích\n"
    "1,Tập thể,Đơn vị số 1,,,Dẫn đầu khối\n"
    "2,Tập thể,Chi đoàn Phòng Kỹ thuật,N1CD,Tập thể lao động tiên tiến,Hoàn thành 13/13\n"
    "3,Cá nhân,Nguyễn Thị Mai,,Bằng khen (cá nhân),Cứu người\n"
    "4,Cá nhân,Lê Văn Tùng,,Bằng khen (cá nhân),Sáng kiến số hoá hồ sơ\n"
)
# each council member's paper (the tenth is absent and votes in writing), name by name:
# the flag needs 90 % of all (9), the collective 2/3 of those who voted, a person 2/3 of all
PAPERS = {
    "Đơn vị số 1": ["yes"] * 8 + ["no", "yes"],  # 9 of 10: passes
    "Chi đoàn Phòng Kỹ thuật": ["yes"] * 7 + ["no", "no", "abstain"],  # 7 of 10 voted: passes
    "Nguyễn Thị Mai": ["yes"] * 6 + ["no"] * 4,  # 6 of 10 members: fails
    "Lê Văn Tùng": ["yes"] * 10,
}


def _to_council(app: Flask, session: Session, world: dict[str, Any]) -> tuple[int, int]:
    """Take a dossier of four names to a council session; return its id and the session's."""
    heads = [as_(app, f"n{i}.head") for i in range(1, 7)]
    leader, sec = heads[0], as_(app, "sec")
    flag = nomination_id(propose(leader, world, 0, "emulation_flag", session))
    assert fire(leader, flag, "open_block_vote").status_code == 303
    for client in heads:  # the block votes on the dossier whole, as before
        assert vote(client, flag, "yes").status_code == 303
    assert close(leader, flag).status_code == 303 and state(session, flag) == "dossier"
    n1 = world["units"][0]
    with app.app_context():
        branch = org.create_unit(session, name="Chi đoàn Phòng Kỹ thuật", code="N1CD",
                                 kind="socio_political", parent_id=n1.id)  # fmt: skip
        admin = session.exec(select(User).where(User.login == "admin")).one()
        for unit, name in ((n1, "Nguyễn Thị Mai"), (branch, "Lê Văn Tùng")):
            people.create_person(session, user=admin, unit_id=unit.id or 0, full_name=name,
                                 position="Chuyên viên", sex="male", birth_year=1990,
                                 since=date(2020, 1, 1))  # fmt: skip
        session.commit()
    assert upload(leader, f"/nominations/{flag}/nominees", NAMES).status_code == 303
    assert len(listed(session, flag)) == 4
    page = f"/nominations/{flag}"
    assert post(leader, f"{page}/submit", {"password": PASSWORD}, page).status_code == 303
    assert fire(sec, flag, "start_review").status_code == 303
    meeting = {"title": "Phiên họp tháng 12", "year": world["year"], "held_on": "2026-12-20"}
    made = post(sec, "/council/sessions", meeting, "/council/sessions")
    sid = int(made.headers["Location"].rsplit("/", 1)[1])
    assert fire(sec, flag, "refer_to_council", session_id=sid).status_code == 303
    return flag, sid


def _paper(session: Session, flag: int, member: int) -> dict[str, str]:
    """Return member `member`'s ballot paper as the form posts it: name_<id> -> choice."""
    people_names = {p.id: p.full_name for p in session.exec(select(Person)).all()}
    out = {}
    for row in listed(session, flag):
        unit = present(session.get(Unit, row.unit_id), "the nominated unit")
        name = people_names[row.person_id] if row.person_id else unit.name
        out[f"name_{row.id}"] = PAPERS[name][member]
    return out


def _cast(client: FlaskClient, flag: int, paper: dict[str, str]) -> Any:
    page = f"/nominations/{flag}"
    return post(client, f"{page}/vote", paper, page)


def test_council_votes_each_name_on_one_paper_and_the_decision_grants_those_that_passed(
    app: Flask, session: Session, request: pytest.FixtureRequest
) -> None:
    world: dict[str, Any] = request.getfixturevalue("year_end")
    flag, sid = _to_council(app, session, world)
    council = [as_(app, f"council{i}") for i in range(1, COUNCIL + 1)]
    page = council[0].get(f"/nominations/{flag}").get_data(as_text=True)
    assert "One ballot paper: vote yes, no or abstain for each name." in page
    assert "<legend>Lê Văn Tùng — Bằng khen (cá nhân)</legend>" in page

    # refused, and nothing recorded: a paper with a name left blank, a single choice
    partial = dict(list(_paper(session, flag, 0).items())[:3])
    refused = _cast(council[0], flag, partial)
    assert refused.status_code == 422
    assert "Vote yes, no or abstain for every name" in refused.get_data(as_text=True)
    assert vote(council[0], flag, "yes").status_code == 422
    session.expire_all()
    iid = present(session.get(Nomination, flag), "the nomination").instance_id
    entry = present(session.get(WfInstance, iid), "the workflow instance").entry  # the council vote
    in_round = (WfBallot.instance_id == iid) & (WfBallot.round == entry)
    assert session.exec(select(WfBallot).where(in_round)).all() == []
    # a name that is not on the dossier is refused by the service itself
    member = session.exec(select(User).where(User.login == "council1")).one()
    nomination = session.get(Nomination, flag)
    assert nomination is not None
    full = {r.id or 0: "yes" for r in listed(session, flag)}
    with app.app_context(), pytest.raises(ServiceError, match="không thuộc danh sách của hồ sơ"):
        noms.cast_vote(session, engine(), user=member, nomination=nomination,
                       paper={**full, 99999: "yes"})  # fmt: skip

    receipts = []
    for i, client in enumerate(council[:9]):  # the tenth member is absent
        answer = _cast(client, flag, _paper(session, flag, i))
        assert answer.status_code == 303
        shown = client.get(f"/nominations/{flag}").get_data(as_text=True)
        receipt = present(re.search(r"Receipt: ([0-9A-F-]+)\.", shown), "a receipt on the page")
        receipts.append(receipt.group(1))
    absent = session.exec(select(User).where(User.login == f"council{COUNCIL}")).one()
    written = {"member_id": absent.id, **_paper(session, flag, 9)}
    page = f"/nominations/{flag}"
    assert post(council[0], f"{page}/written-vote", written, page).status_code == 403
    sec = as_(app, "sec")
    assert post(sec, f"{page}/written-vote", written, page).status_code == 303

    # the secret stays: no voter's row or event holds a paper; ten papers name no one
    session.expire_all()
    voters = (WfParticipant.instance_id == iid) & (WfParticipant.round == entry)
    seats = session.exec(select(WfParticipant).where(voters)).all()
    assert sum(1 for s in seats if s.choice == "cast") == COUNCIL
    assert all("paper" not in (s.data or {}) for s in seats)
    events = session.exec(select(WfEvent).where(WfEvent.instance_id == iid)).all()
    assert all("paper" not in str(e.data) for e in events)
    ballots = session.exec(select(WfBallot).where(in_round)).all()
    assert len(ballots) == COUNCIL and all(len(b.paper or {}) == 4 for b in ballots)

    assert close(sec, flag).status_code == 303 and state(session, flag) == "approved"
    session.expire_all()
    verdicts = {}
    for row in listed(session, flag):
        assert row.council_tally is not None
        verdicts[row.position] = (row.approved, row.council_tally["yes"], row.council_tally["no"])
    assert verdicts == {1: (True, 9, 1), 2: (True, 7, 2), 3: (False, 6, 4), 4: (True, 10, 0)}
    shown = council[3].get(f"/nominations/{flag}").get_data(as_text=True)
    assert "3 of 4 names approved, each by its award" in shown
    assert '<th scope="row">Nguyễn Thị Mai</th><td>Bằng khen (cá nhân)</td>' in shown
    assert "6 yes of 10 (all members); 2/3 needs 7." in shown
    # each voter finds their receipt on the board with their paper's choice per name
    first = shown.split(f"<code>{receipts[8]}</code>")[1].split("</tr>")[0]
    assert "Đơn vị số 1: No;" in first and "Lê Văn Tùng: Yes" in first

    # the decision grants the three names that passed, each with its prize, and the total
    admin = as_(app, "admin")
    chair = session.exec(select(User).where(User.login == "council1")).one()
    assert post(admin, "/admin/settings", {"base_salary": "2340000", "council_chair": chair.id},
                "/admin/settings").status_code == 302  # fmt: skip
    spage = f"/council/sessions/{sid}"
    typed = {"number": "77/QĐ-HĐTĐKT", "issued_on": "2026-12-28"}
    assert post(sec, f"{spage}/decision", typed, spage).status_code == 303
    draft = council[0].get(spage).get_data(as_text=True)
    did = present(re.search(r"/council/decisions/(\d+)", draft), "the decision's link").group(1)
    signed = post(council[0], f"/council/decisions/{did}/sign", {"password": PASSWORD}, spage)
    assert signed.status_code == 303 and state(session, flag) == "decided"
    session.expire_all()
    prizes = {r.position: r.prize_amount for r in listed(session, flag)}
    assert prizes == {1: Decimal(28_080_000), 2: Decimal(1_880_000), 3: None,
                      4: Decimal(2_340_000)}  # fmt: skip
    granted = session.get(Nomination, flag)
    assert granted is not None and granted.prize_amount == Decimal(32_300_000)
    public = app.test_client()
    register = public.get(f"/awards?year={world['year']}").get_data(as_text=True)
    decision_pdf = re.search(r"/decisions/(\d+)\.pdf", register)
    assert decision_pdf
    text = pdf_text(public.get(decision_pdf.group(0)).data)
    assert "cho 2 tập thể và 1 cá nhân" in text and "tổng số tiền 32.300.000 đồng" in text
    assert "Lê Văn Tùng" in text and "Chi đoàn Phòng Kỹ thuật" in text
    assert "Nguyễn Thị Mai" not in text  # rejected by the council
    assert "Lê Văn Tùng" in register and "Nguyễn Thị Mai" not in register
    assert "1.880.000" in register
    # the people and collectives of the list in one batch; the unit's own certificate apart
    batch = sec.get(f"/nominations/{flag}/certificates.pdf")
    assert batch.status_code == 200
    assert int(PdfFileReader(io.BytesIO(batch.data)).root["/Pages"]["/Count"]) == 2
    printed = pdf_text(batch.data)
    assert "Lê Văn Tùng" in printed and "Chi đoàn Phòng Kỹ thuật" in printed
    assert public.get(f"/awards/{flag}/certificate.pdf").status_code == 200
    # a person's history (tra cứu) shows the award the dossier gave them
    history = sec.get("/titles/history?q=Le Van Tung").get_data(as_text=True)
    assert "Bằng khen (cá nhân)" in history and "77/QĐ-HĐTĐKT" in history

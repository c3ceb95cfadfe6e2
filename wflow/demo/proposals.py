"""The demo's proposal that goes up: from the province to the Central council, decided there.

The political block's best-ranked unit last year after the flag's is proposed for the Prime
Minister's certificate of merit (an award of the national level); the province's council
approves it in a session of its own, its chair signs the proposal to the Central council, whose
office accepts it, whose three members vote on it, and whose chair signs the decision.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from wflow.awards import catalogue as awards
from wflow.awards import decisions as award_decision
from wflow.awards import nominations as noms
from wflow.awards import proposals
from wflow.awards.documents import leader_unit
from wflow.awards.models import Nomination
from wflow.clock import utcnow
from wflow.core import subjects
from wflow.demo.awards import heads_of, through_the_block, user_by_login
from wflow.demo.org import DEMO_PASSWORD, DemoLogin
from wflow.engine import Engine
from wflow.org import service as org
from wflow.org.models import Block, Role, Unit, User
from wflow.scoreboard.service import year_ranking

PM_CERTIFICATE = {
    "code": "pm_certificate_of_merit", "name": "Bằng khen của Thủ tướng Chính phủ",
    "name_en": "Prime Minister's certificate of merit", "level": "national", "position": 0,
    "proposers": ["block_leader"], "max_rank": None, "block_threshold": "2/3",
    "block_of": "present", "block_quorum": "2/3", "block_secret": True,
    "council_threshold": "2/3", "council_of": "all", "council_quorum": "2/3",
    "council_secret": True, "prize_multiple": "5", "active": True,
}  # fmt: skip
# the Central council's members: (login, name); the first chairs it
CENTRAL_MEMBERS = [
    ("tw.chair", "Nguyễn Văn Toàn"),
    ("tw.member1", "Trần Thị Hồng Hạnh"),
    ("tw.member2", "Lê Quang Vinh"),
]


def build_proposal_demo(session: Session, engine: Engine, year: int) -> list[DemoLogin]:
    """Escalate one nomination of the province to the Central council and decide it there."""
    last = year - 1
    central = session.exec(select(Unit).where(Unit.code == "HDTDKTTW")).one()
    board = session.exec(select(Unit).where(Unit.code == "BTDKTTW")).one()
    members = [org.create_user(session, login=login, display_name=name, password=DEMO_PASSWORD,
                               unit_id=board.id, roles=[Role.COUNCIL_MEMBER.value])
               for login, name in CENTRAL_MEMBERS]  # fmt: skip
    award = awards.save_award(session, None, PM_CERTIFICATE)
    block = session.exec(select(Block).where(Block.code == "KCTXH")).one()
    ranking = year_ranking(session, block.id or 0, last)
    # the best-ranked unit not yet proposed for last year (the first has the flag)
    bid = block.id or 0
    open_ = [r.unit_id for r in ranking
             if noms.ineligible(session, award, r.unit_id, bid, last, ranking) is None]  # fmt: skip
    top = open_[0]
    leading = leader_unit(session, Nomination(block_id=bid, year=last, unit_id=0,
                                              award_id=0))  # fmt: skip
    leader = heads_of(session, [leading.id if leading else top])[0]
    secretariat = user_by_login(session, "secretariat")
    nomination = noms.propose(session, engine, user=leader, block_id=bid, year=last,
                              unit_id=top, award_id=award.id or 0)  # fmt: skip
    nomination.achievements = (
        "Ba năm liền dẫn đầu Khối thi đua các cơ quan Đảng, đoàn thể chính trị - xã hội tỉnh; "
        "hoàn thành xuất sắc 13/13 chỉ tiêu; 1.186 sáng kiến, mô hình được công nhận."
    )
    session.add(nomination)
    through_the_block(session, engine, leader, nomination,
                       heads_of(session, [r.unit_id for r in ranking]), secretariat)  # fmt: skip
    held_on = utcnow().date() - timedelta(days=2)
    upward = award_decision.create_session(
        session, user=secretariat, year=last, held_on=held_on,
        title=f"Phiên họp Hội đồng xét đề nghị khen thưởng cấp Nhà nước năm {last}",
    )  # fmt: skip
    _council_votes(session, engine, secretariat, nomination, upward.id or 0,
                   _province_members(session))  # fmt: skip
    (upper,) = proposals.propose_up(session, engine, user=user_by_login(session, "council1"),
                                    council_session=upward, password=DEMO_PASSWORD)  # fmt: skip
    # at the Central council: accepted, voted by its members, decided by its chair
    office = user_by_login(session, "tw.secretariat")
    subjects.fire(session, engine, user=office, subject=upper, trigger="start_review")
    central_session = award_decision.create_session(
        session, user=office, year=last, held_on=held_on + timedelta(days=1),
        title=f"Phiên họp Hội đồng Thi đua - Khen thưởng Trung ương năm {last}",
    )  # fmt: skip
    _council_votes(session, engine, office, upper, central_session.id or 0, members)
    awards.set_council_chair(session, office, members[0].id, central.id)
    decision = award_decision.submit_decision(
        session, engine, user=office, council_session=central_session,
        number="01/QĐ-HĐTĐKTTW", issued_on=held_on + timedelta(days=1),
    )  # fmt: skip
    award_decision.sign_decision(session, engine, user=members[0], decision=decision,
                                 password=DEMO_PASSWORD)  # fmt: skip
    return [DemoLogin(login, name, "council_member · Trung ương")
            for login, name in CENTRAL_MEMBERS]  # fmt: skip


def _province_members(session: Session) -> list[User]:
    """Return the province council's members (the demo's council1…), by login."""
    rows = session.exec(select(User)).all()
    return sorted((u for u in rows if Role.COUNCIL_MEMBER.value in u.roles
                   and u.login.startswith("council")), key=lambda u: u.login)  # fmt: skip


def _council_votes(session: Session, engine: Engine, secretariat: User, nomination: Nomination,
                   session_id: int, members: list[User]) -> None:  # fmt: skip
    """Refer the nomination to the session; every member votes yes; the secretariat closes."""
    subjects.fire(session, engine, user=secretariat, subject=nomination,
                  trigger="refer_to_council", data={"session_id": str(session_id)})  # fmt: skip
    for member in members:
        noms.cast_vote(session, engine, user=member, nomination=nomination, choice="yes")
    noms.close_vote(session, engine, user=secretariat, nomination=nomination)

"""The demo's awards, built through the nomination services (`wflow init --demo`).

Last year's results of the political block (the review demo) end with a signed decision:
the block's leading unit proposed by last year's leader for the emulation flag and the next
units eligible for certificates of merit, each voted by the block in secret, its dossier
signed and checked, voted by the council (one member in writing) and granted by the decision
signed with the council's key; in the same session the council approved the last unit for
the Prime Minister's certificate of merit, which it proposes to the Central council once that
exists (wflow.demo.proposals). This year's nominations are not open: the reviews run.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from wflow.awards import catalogue as awards
from wflow.awards import decisions as award_decision
from wflow.awards import nominations as noms
from wflow.awards.documents import leader_unit
from wflow.awards.models import Nomination
from wflow.clock import utcnow
from wflow.core import subjects
from wflow.demo.org import DEMO_PASSWORD, heads_of, user_by_login
from wflow.engine import Engine
from wflow.org.models import Block, Role, User
from wflow.scoreboard.service import year_ranking

CERTIFICATES = 2  # certificates of merit proposed after the flag
# an award the province's council approves and proposes to the Central council
PM_CERTIFICATE = {
    "code": "pm_certificate_of_merit", "name": "Bằng khen của Thủ tướng Chính phủ",
    "name_en": "Prime Minister's certificate of merit", "level": "national", "position": 0,
    "proposers": ["block_leader"], "max_rank": None, "block_threshold": "2/3",
    "block_of": "present", "block_quorum": "2/3", "block_secret": True,
    "council_threshold": "2/3", "council_of": "all", "council_quorum": "2/3",
    "council_secret": True, "prize_multiple": "5", "active": True,
}  # fmt: skip


def through_the_block(session: Session, engine: Engine, leader: User, n: Nomination,
                       heads: list[User], secretariat: User) -> None:  # fmt: skip
    """Take a proposed nomination through its block's vote, its signed dossier and the
    secretariat's acceptance."""
    subjects.fire(session, engine, user=leader, subject=n, trigger="open_block_vote")
    for head in heads:
        noms.cast_vote(session, engine, user=head, nomination=n, choice="yes")
    noms.close_vote(session, engine, user=leader, nomination=n)
    noms.submit_dossier(session, engine, user=leader, nomination=n, password=DEMO_PASSWORD)
    subjects.fire(session, engine, user=secretariat, subject=n, trigger="start_review")


def build_nomination_demo(session: Session, engine: Engine, year: int) -> None:
    """Grant last year's flag and certificates of merit of the political block by decision."""
    last = year - 1
    block = session.exec(select(Block).where(Block.code == "KCTXH")).one()
    awards.ensure_catalogue(session)
    catalogue = {a.code: a for a in awards.catalogue(session)}
    ranking = year_ranking(session, block.id or 0, last)
    if not ranking or not ranking[0].scored:
        raise RuntimeError("the nomination demo needs last year's reviews (the review demo)")
    probe = Nomination(block_id=block.id or 0, year=last, unit_id=0, award_id=0)
    leading = leader_unit(session, probe)
    if leading is None:
        raise RuntimeError("the political block had no leading unit last year")
    leader = heads_of(session, [leading.id or 0])[0]
    secretariat = user_by_login(session, "secretariat")
    heads = heads_of(session, [r.unit_id for r in ranking])
    chosen = [(ranking[0].unit_id, catalogue["emulation_flag"])]
    merit = catalogue["certificate_of_merit"]
    for row in ranking[1:]:
        if len(chosen) > CERTIFICATES:
            break
        if noms.ineligible(session, merit, row.unit_id, block.id or 0, last, ranking) is None:
            chosen.append((row.unit_id, merit))
    # and, for the Central council to decide (wflow.demo.proposals), the last unit left
    national = awards.save_award(session, None, PM_CERTIFICATE)
    taken = {unit_id for unit_id, _award in chosen}
    bid = block.id or 0
    left = [r.unit_id for r in ranking if r.unit_id not in taken and
            noms.ineligible(session, national, r.unit_id, bid, last, ranking) is None]  # fmt: skip
    chosen.append((left[-1], national))
    proposed = [
        noms.propose(session, engine, user=leader, block_id=block.id or 0, year=last,
                     unit_id=unit_id, award_id=award.id or 0)
        for unit_id, award in chosen
    ]  # fmt: skip
    proposed[-1].achievements = (
        "Ba năm liền hoàn thành xuất sắc nhiệm vụ trong Khối thi đua các tổ chức chính trị - "
        "xã hội tỉnh; 13/13 chỉ tiêu; nhiều mô hình được nhân rộng trong toàn tỉnh."
    )
    for n in proposed:
        through_the_block(session, engine, leader, n, heads, secretariat)
    held_on = utcnow().date() - timedelta(days=3)
    council_session = award_decision.create_session(
        session, user=secretariat, year=last, held_on=held_on,
        title=f"Phiên họp Hội đồng Thi đua - Khen thưởng xét khen thưởng năm {last}",
    )  # fmt: skip
    council = sorted(
        (u for u in session.exec(select(User)).all() if Role.COUNCIL_MEMBER.value in u.roles),
        key=lambda u: u.login,
    )
    for n in proposed:
        subjects.fire(session, engine, user=secretariat, subject=n,
                             trigger="refer_to_council",
                             data={"session_id": str(council_session.id)})  # fmt: skip
        for member in council[:-1]:
            noms.cast_vote(session, engine, user=member, nomination=n, choice="yes")
        if council:  # the last member was away and voted in writing
            noms.record_written_vote(session, engine, user=secretariat, nomination=n,
                                     member_id=council[-1].id or 0, choice="yes")  # fmt: skip
        noms.close_vote(session, engine, user=secretariat, nomination=n)
    # the council's signatories: its chair and two vice-chairs (Decree 30: KT. CHỦ TỊCH)
    admin = user_by_login(session, "admin")
    awards.set_council_chair(session, admin, user_by_login(session, "council1").id)
    awards.set_council_vice_chairs(session, admin, [user_by_login(session, f"council{i}").id or 0
                                                    for i in (2, 3)])  # fmt: skip
    decision = award_decision.submit_decision(
        session, engine, user=secretariat, council_session=council_session,
        number=award_decision.next_number(session, held_on), issued_on=held_on,
    )  # fmt: skip
    award_decision.sign_decision(session, engine, user=user_by_login(session, "council1"),
                                 decision=decision, password=DEMO_PASSWORD)  # fmt: skip

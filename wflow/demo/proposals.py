"""The demo's proposal that goes up: from the province to the Central council, decided there.

The province's council approved, in the session that granted last year's flag (wflow.demo.awards),
the political block's last unit for the Prime Minister's certificate of merit, an award of the
national level; once the Central council exists, the province's chair signs the proposal to
it, whose office accepts it, whose three members vote on it, and whose chair signs the
decision.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from wflow.awards import catalogue as awards
from wflow.awards import decisions as award_decision
from wflow.awards import nominations as noms
from wflow.awards import proposals
from wflow.awards.models import CouncilSession, Nomination
from wflow.clock import utcnow
from wflow.core import subjects
from wflow.demo.awards import PM_CERTIFICATE
from wflow.demo.councils import CENTRAL_MEMBERS
from wflow.demo.org import DEMO_PASSWORD, user_by_login
from wflow.engine import Engine
from wflow.org.models import Unit, User


def build_proposal_demo(session: Session, engine: Engine, year: int) -> None:
    """Escalate one nomination of the province to the Central council and decide it there."""
    last = year - 1
    central = session.exec(select(Unit).where(Unit.code == "HDTDKTTW")).one()
    members = [user_by_login(session, login) for login, _name in CENTRAL_MEMBERS]
    award = awards.award_by_code(session, str(PM_CERTIFICATE["code"]))
    held = session.exec(select(Nomination).where(Nomination.award_id == (award.id if award else 0),
                                                 Nomination.year == last)).one()  # fmt: skip
    upward = session.get(CouncilSession, held.session_id or 0)
    if upward is None:
        raise RuntimeError("the proposal demo needs the awards demo's council session")
    held_on = utcnow().date() - timedelta(days=1)
    (upper,) = proposals.propose_up(session, engine, user=user_by_login(session, "council1"),
                                    council_session=upward, password=DEMO_PASSWORD)  # fmt: skip
    # at the Central council: accepted, voted by its members, decided by its chair
    office = user_by_login(session, "tw.secretariat")
    subjects.fire(session, engine, user=office, subject=upper, trigger="start_review")
    central_session = award_decision.create_session(
        session, user=office, year=last, held_on=held_on,
        title=f"Phiên họp Hội đồng Thi đua - Khen thưởng Trung ương năm {last}",
    )  # fmt: skip
    council_votes(session, engine, office, upper, central_session.id or 0, members)
    awards.set_council_chair(session, office, members[0].id, central.id)
    decision = award_decision.submit_decision(
        session, engine, user=office, council_session=central_session,
        number="01/QĐ-HĐTĐKTTW", issued_on=held_on,
    )  # fmt: skip
    award_decision.sign_decision(session, engine, user=members[0], decision=decision,
                                 password=DEMO_PASSWORD)  # fmt: skip


def council_votes(session: Session, engine: Engine, secretariat: User, nomination: Nomination,
                   session_id: int, members: list[User]) -> None:  # fmt: skip
    """Refer the nomination to the session; every member votes yes; the secretariat closes."""
    subjects.fire(session, engine, user=secretariat, subject=nomination,
                  trigger="refer_to_council", data={"session_id": str(session_id)})  # fmt: skip
    for member in members:
        noms.cast_vote(session, engine, user=member, nomination=nomination, choice="yes")
    noms.close_vote(session, engine, user=secretariat, nomination=nomination)

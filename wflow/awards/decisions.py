"""Council sessions, the signed decision that grants their approved nominations, the register.

The secretariat opens a session, refers checked dossiers to it, closes each council vote; it
then compiles the session's approved nominations into a decision (number, date, annex of
unit, award and prize money = the award's multiple × the base salary), signs it with the
council's key after re-entering the password, and every nomination in it is decided in the
same transaction. The council's key is that of the council's unit (kind `council`, created
with its certificate on first use), so `/verify` names the council as a registered signer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.accounts import service as auth
from wflow.awards import catalogue as awards
from wflow.awards import documents as docs
from wflow.awards.models import Award, CouncilSession, Decision, Nomination
from wflow.awards.subject import NOMINATION
from wflow.clock import utcnow
from wflow.core import installation, subjects
from wflow.core import workflow as wf
from wflow.core.errors import Conflict, Forbidden, ServiceError
from wflow.core.uow import transactional
from wflow.documents import signing
from wflow.engine import Engine, WfInstance
from wflow.org import service as org
from wflow.org.models import Block, Role, Unit, UnitKind, User
from wflow.org.service import clean_text
from wflow.signatures import codes, keys

COUNCIL_CODE = "HDTDKT"
COUNCIL_NAME = "Hội đồng Thi đua - Khen thưởng"


def _secretariat(user: User) -> None:
    if not (user.is_active and user.has_role(Role.SECRETARIAT)):
        raise Forbidden(_l("Only the secretariat may do this."))


def council_unit(session: Session) -> Unit:
    """Return the council's unit (its signing identity), creating it on first use."""
    found = session.exec(
        select(Unit).where(Unit.kind == UnitKind.COUNCIL.value).order_by(col(Unit.id))
    ).first()
    if found is not None:
        return found
    return org.create_unit(
        session, name=COUNCIL_NAME, code=COUNCIL_CODE, kind=UnitKind.COUNCIL.value
    )


def council_unit_name(session: Session) -> str:
    """Return the council's name, read only (never created here), "" before it exists."""
    query = select(Unit.name).where(Unit.kind == UnitKind.COUNCIL.value).order_by(col(Unit.id))
    return session.exec(query).first() or ""


# --- sessions ----------------------------------------------------------------------------


@transactional
def create_session(
    session: Session, *, user: User, year: int | None, title: str, held_on: date | None
) -> CouncilSession:
    """Open a council session deciding on `year`'s results (the secretariat)."""
    _secretariat(user)
    if year is None or not 2000 <= year <= 2100:
        raise ServiceError(_l("Give a year between 2000 and 2100."), "year")
    if held_on is None:
        raise ServiceError(_l("Give the date of the session."), "held_on")
    row = CouncilSession(
        year=year,
        title=clean_text(title, "title", max_len=300),
        held_on=held_on,
        created_by_user_id=user.id,
    )
    session.add(row)
    return row


def sessions(session: Session) -> list[CouncilSession]:
    """Return every council session, newest first."""
    query = select(CouncilSession).order_by(
        col(CouncilSession.held_on).desc(), col(CouncilSession.id).desc()
    )
    return list(session.exec(query).all())


def open_sessions(session: Session, year: int) -> list[CouncilSession]:
    """Return the sessions of `year` without a signed decision (nominations may join them)."""
    decided = set(session.exec(select(Decision.session_id)).all())
    return [s for s in sessions(session) if s.year == year and s.id not in decided]


def agenda(session: Session, council_session: CouncilSession) -> list[Nomination]:
    """Return the nominations referred to the session, by id."""
    query = select(Nomination).where(Nomination.session_id == council_session.id)
    return list(session.exec(query.order_by(col(Nomination.id))).all())


def decision_of(session: Session, council_session: CouncilSession) -> Decision | None:
    """Return the session's signed decision, if any."""
    query = select(Decision).where(Decision.session_id == council_session.id)
    return session.exec(query).first()


def next_number(session: Session, when: date) -> str:
    """Propose the next decision number of the year: "NN/QĐ-HĐTĐKT" (all the council's)."""
    count = session.exec(
        select(sa.func.count()).select_from(Decision).where(Decision.year == when.year)
    ).one()
    count += sum(counted(session, when.year) for _taken, counted in _SHARING)
    return f"{count + 1:02d}/QĐ-HĐTĐKT"


NumberTaken = Callable[[Session, str, int], bool]  # (session, number, year)
YearCount = Callable[[Session, int], int]  # (session, year): how many numbers it used
_SHARING: list[tuple[NumberTaken, YearCount]] = []


def share_numbering(taken: NumberTaken, counted: YearCount) -> None:
    """Make another kind of the council's decisions (ad-hoc awards) share the year's numbers."""
    if (taken, counted) not in _SHARING:
        _SHARING.append((taken, counted))


# --- the decision ------------------------------------------------------------------------


def sign_as_council(
    session: Session,
    user: User,
    council: Unit,
    pdf: bytes,
    page: int,
    box: tuple[int, int, int, int],
    *,
    reason: str,
) -> bytes:
    """Sign a decision's PDF in its box with the council's key, stamped with the signer's name."""
    key, cert, chain = keys.signing_identity(session, council)
    stamp = signing.Stamp(unit_name=council.name, signer_name=user.display_name, when=utcnow(),
                          zone=installation.zone(session))  # fmt: skip
    try:
        return signing.sign_pdf(pdf, key=key, cert=cert, chain=chain, field=docs.COUNCIL_FIELD,
                                stamp=stamp, box=box, page=page, reason=reason)  # fmt: skip
    except signing.SigningFailed as exc:
        raise ServiceError(_l("The document could not be signed: %(why)s", why=str(exc))) from None


def number_taken(session: Session, number: str, year: int) -> bool:
    """Tell whether a decision of the council of `year` already has this number."""
    same = select(Decision.id).where(Decision.number == number, Decision.year == year)
    if session.exec(same).first() is not None:
        return True
    return any(taken(session, number, year) for taken, _counted in _SHARING)


@transactional
def sign_decision(
    session: Session,
    engine: Engine,
    *,
    user: User,
    council_session: CouncilSession,
    number: str,
    issued_on: date | None,
    password: str,
    code: str = "",
    address: str | None = None,
) -> Decision:
    """Compile, sign with the council's key and store the session's decision; decide every
    approved nomination of the session in the same transaction (the secretariat)."""
    _secretariat(user)
    text = clean_text(number, "number", max_len=50)
    if issued_on is None:
        raise ServiceError(_l("Give the date of the decision."), "issued_on")
    if decision_of(session, council_session) is not None:
        raise Conflict(_l("This session's decision is already signed."))
    if number_taken(session, text, issued_on.year):
        raise Conflict(_l("Another decision has this number."), "number")
    listed = agenda(session, council_session)
    states = subjects.states(session, listed)
    passed = subjects.tagged(session, NOMINATION, "approved")
    approved = [n for n in listed if states.get(n.id or 0) in passed]
    if not approved:
        raise Conflict(_l("No nomination of this session has been approved by the council."))
    # the password (and code) re-entered: wrong ones count toward the waits
    auth.confirm_signer(session, user, password, code=code, address=address)
    council = council_unit(session)
    salary = awards.base_salary(session)
    actor = wf.actor_for(session, user)
    decision = Decision(
        session_id=council_session.id or 0,
        number=text,
        year=issued_on.year,
        issued_on=issued_on,
        base_salary=salary,
        signed_by_user_id=user.id,
    )
    session.add(decision)
    session.flush()
    code = codes.new_code(session)
    pdf, page, box = docs.render_decision(session, decision, council, approved,
                                          codes.footer(session, code))  # fmt: skip
    signed = sign_as_council(session, user, council, pdf, page, box,
                             reason=f"Quyết định khen thưởng số {text}")  # fmt: skip
    doc = docs.store(session, signed, kind="decision", decision_id=decision.id, user_id=user.id,
                     verify_code=code)  # fmt: skip
    decision.document_id = doc.id
    session.add(decision)
    by_row = {r["nomination"].id: r for r in docs.decision_rows(session, approved, salary)}
    for n in approved:
        n.decision_id, n.prize_amount = decision.id, by_row[n.id]["prize"]
        n.updated_at = utcnow()
        session.add(n)
    session.flush()
    for n in approved:
        wf.fire(
            session, engine, user, n.instance_id or 0, "decide",
            {"decision_number": text, "decision_date": issued_on.isoformat()}, actor=actor,
        )  # fmt: skip
    return decision


# --- the public register -----------------------------------------------------------------


@dataclass(frozen=True)
class Granted:
    """An award in the public register: who, what, by which decision; revoked or not."""

    nomination: Nomination
    unit: Unit
    block: Block
    award: Award
    decision: Decision
    revoked_at: datetime | None
    revoke_reason: str


def register(
    session: Session,
    *,
    year: int | None = None,
    block_id: int | None = None,
    unit_id: int | None = None,
) -> list[Granted]:
    """Return the awards granted by a signed decision (revoked ones marked), newest first."""
    query = (
        sa.select(Nomination, Unit, Block, Award, Decision)
        .join(Unit, col(Unit.id) == Nomination.unit_id)
        .join(Block, col(Block.id) == Nomination.block_id)
        .join(Award, col(Award.id) == Nomination.award_id)
        .join(Decision, col(Decision.id) == Nomination.decision_id)
        .join(WfInstance, col(WfInstance.id) == Nomination.instance_id)
        .where(col(WfInstance.state).in_(subjects.tagged(session, NOMINATION, "decided")))
    )
    if year:
        query = query.where(col(Nomination.year) == year)
    if block_id:
        query = query.where(col(Nomination.block_id) == block_id)
    if unit_id:
        query = query.where(col(Nomination.unit_id) == unit_id)
    rows = session.execute(query).all()
    out = [Granted(n, u, b, a, d, n.revoked_at, n.revoke_reason) for n, u, b, a, d in rows]
    out.sort(key=lambda g: (-g.nomination.year, g.award.position, g.unit.name))
    return out


def total_prize(rows: list[Granted]) -> Decimal:
    """Return the prize money of the awards not revoked."""
    return sum(
        (g.nomination.prize_amount or Decimal(0) for g in rows if not g.revoked_at), Decimal(0)
    )

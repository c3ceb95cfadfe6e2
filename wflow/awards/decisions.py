"""Council sessions, the signed decision that grants their approved nominations, the register.

The secretariat opens a session, refers checked dossiers to it, closes each council vote; it
then prepares the decision (number, date; the annex of unit, award and prize money = the
award's multiple × the base salary is compiled from the approved nominations) and submits it
for signature (workflows/award_decision.yaml). The council's chair, or a vice-chair for the
chair, reads the draft and signs it after re-entering the password, and every nomination in
it is decided in the same transaction; or returns it with a reason. The key is that of the
council's unit (kind `council`, created with its certificate on first use), so `/verify`
names the council as a registered signer; the stamp and the reason name the person and
their capacity.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.accounts import service as auth
from wflow.awards import catalogue as awards
from wflow.awards import (
    decision_subject,  # noqa: F401  (registers the subject kind)
    levels,
    nominees,
)
from wflow.awards import documents as docs
from wflow.awards.models import Award, CouncilSession, Decision, DossierNominee, Nomination
from wflow.awards.signatories import CHAIR, NO_CHAIR, Signatory, signatories, signatory_of
from wflow.awards.subject import NOMINATION
from wflow.clock import utcnow
from wflow.core import installation, subjects
from wflow.core import workflow as wf
from wflow.core.access import acts_in
from wflow.core.errors import Conflict, Forbidden, ServiceError
from wflow.core.uow import transactional
from wflow.councils import service as councils
from wflow.documents import signing
from wflow.engine import Actor, Engine, FireResult, WfInstance
from wflow.org.models import Block, Role, Unit, UnitKind, User
from wflow.org.service import clean_text
from wflow.pacts.models import Document
from wflow.people.models import Person
from wflow.signatures import codes, keys


def _secretariat(session: Session, user: User, council_id: int | None) -> None:
    """Refuse anyone but the secretariat of the council (None: the user's own)."""
    body = council_id if council_id is not None else councils.of_user(session, user)
    if not (user.is_active and user.has_role(Role.SECRETARIAT) and acts_in(session, user, body)):
        raise Forbidden(_l("Only the secretariat may do this."))


def body_of(session: Session, council_id: int | None) -> Unit:
    """Return the council's unit, which signs its decisions (the first council's for None)."""
    found = session.get(Unit, council_id) if council_id is not None else None
    return found if found is not None else council_unit(session)


def council_unit(session: Session) -> Unit:
    """Return the council's unit (its signing identity), creating it on first use."""
    return councils.default_council(session)


def council_unit_name(session: Session) -> str:
    """Return the council's name, read only (never created here), "" before it exists."""
    query = select(Unit.name).where(Unit.kind == UnitKind.COUNCIL.value).order_by(col(Unit.id))
    return session.exec(query).first() or ""


# --- sessions ----------------------------------------------------------------------------


@transactional
def create_session(
    session: Session, *, user: User, year: int | None, title: str, held_on: date | None
) -> CouncilSession:
    """Open a council session deciding on `year`'s results (the secretariat, for its council)."""
    _secretariat(session, user, None)
    if year is None or not 2000 <= year <= 2100:
        raise ServiceError(_l("Give a year between 2000 and 2100."), "year")
    if held_on is None:
        raise ServiceError(_l("Give the date of the session."), "held_on")
    row = CouncilSession(
        year=year,
        council_id=councils.of_user(session, user),
        title=clean_text(title, "title", max_len=300),
        held_on=held_on,
        created_by_user_id=user.id,
    )
    session.add(row)
    return row


def sessions(session: Session, council_ids: Collection[int] | None = None) -> list[CouncilSession]:
    """Return the council sessions (of `council_ids` when given), newest first."""
    query = select(CouncilSession).order_by(
        col(CouncilSession.held_on).desc(), col(CouncilSession.id).desc()
    )
    if council_ids is not None:
        query = query.where(col(CouncilSession.council_id).in_(sorted(council_ids)))
    return list(session.exec(query).all())


def open_sessions(session: Session, year: int, council_id: int | None) -> list[CouncilSession]:
    """Return the council's sessions of `year` without a signed decision (nominations of its
    blocks may join them)."""
    decided = set(session.exec(select(Decision.session_id)).all())
    return [s for s in sessions(session, [council_id or 0])
            if s.year == year and s.id not in decided]  # fmt: skip


def agenda(session: Session, council_session: CouncilSession) -> list[Nomination]:
    """Return the nominations referred to the session, by id."""
    query = select(Nomination).where(Nomination.session_id == council_session.id)
    return list(session.exec(query.order_by(col(Nomination.id))).all())


def decision_of(session: Session, council_session: CouncilSession) -> Decision | None:
    """Return the session's decision (being prepared, awaiting signature or signed), if any."""
    query = select(Decision).where(Decision.session_id == council_session.id)
    return session.exec(query).first()


def next_number(session: Session, when: date, council_id: int | None = None) -> str:
    """Propose a council's next decision number of the year (its sessions' and ad-hoc
    decisions): "NN/QĐ-HĐTĐKT" for the first council, "NN/QĐ-<code>" for another."""
    council = body_of(session, council_id)
    count = session.exec(
        select(sa.func.count())
        .select_from(Decision)
        .where(Decision.year == when.year, Decision.council_id == council.id)
    ).one()
    count += sum(counted(session, when.year, council.id or 0) for _taken, counted in _SHARING)
    suffix = "HĐTĐKT" if council.id == councils.first_id(session) else council.code
    return f"{count + 1:02d}/QĐ-{suffix}"


NumberTaken = Callable[[Session, str, int], bool]  # (session, number, year)
# (session, year, council id): how many numbers the council used that year
YearCount = Callable[[Session, int, int], int]
_SHARING: list[tuple[NumberTaken, YearCount]] = []


def share_numbering(taken: NumberTaken, counted: YearCount) -> None:
    """Make another kind of the council's decisions (ad-hoc awards) share the year's numbers."""
    if (taken, counted) not in _SHARING:
        _SHARING.append((taken, counted))


# --- the decision ------------------------------------------------------------------------


def sign_as_council(
    session: Session,
    signatory: Signatory,
    council: Unit,
    pdf: bytes,
    page: int,
    box: tuple[int, int, int, int] | None,
    *,
    reason: str,
) -> bytes:
    """Sign a decision's PDF in its box with the signer's own certificate for the council,
    stamped with their name and the capacity they sign in (the signature's reason)."""
    assert signatory.user is not None
    key, cert, chain = keys.signing_identity(session, council, user=signatory.user)
    stamp = signing.Stamp(unit_name=council.name, signer_name=signatory.user.display_name,
                          when=utcnow(), zone=installation.zone(session))  # fmt: skip
    try:
        return signing.sign_pdf(pdf, key=key, cert=cert, chain=chain, field=docs.COUNCIL_FIELD,
                                stamp=stamp, box=box, page=page,
                                reason=signatory.reason(council.name, reason),
                                proof=keys.signature_proof(session))  # fmt: skip
    except signing.SigningFailed as exc:
        raise ServiceError(_l("The document could not be signed: %(why)s", why=str(exc))) from None


Rendered = tuple[bytes, int, tuple[int, int, int, int] | None]  # the PDF, its box's page, box


def issue_signed(
    session: Session,
    signatory: Signatory,
    council: Unit,
    render: Callable[[dict[str, str]], Rendered],
    *,
    reason: str,
    kind: str,
    nomination_id: int | None = None,
    decision_id: int | None = None,
) -> Document:
    """Render a document with a new verification code (`render` takes the code's footer),
    sign it as `signatory` for the council and store it."""
    code = codes.new_code(session)
    pdf, page, box = render(codes.footer(session, code))
    signed = sign_as_council(session, signatory, council, pdf, page, box, reason=reason)
    return docs.store(session, signed, kind=kind, nomination_id=nomination_id,
                      decision_id=decision_id,
                      user_id=signatory.user.id if signatory.user else None,
                      verify_code=code)  # fmt: skip


def number_taken(session: Session, number: str, year: int, but: int | None = None) -> bool:
    """Tell whether another decision of the council of `year` (not `but`) has this number."""
    same = select(Decision.id).where(Decision.number == number, Decision.year == year)
    if but is not None:
        same = same.where(Decision.id != but)
    if session.exec(same).first() is not None:
        return True
    return any(taken(session, number, year) for taken, _counted in _SHARING)


def approved(session: Session, council_session: CouncilSession) -> list[Nomination]:
    """Return the session's nominations the council approved, whatever their award's level."""
    listed = agenda(session, council_session)
    states = subjects.states(session, listed)
    passed = subjects.tagged(session, NOMINATION, "approved")
    return [n for n in listed if states.get(n.id or 0) in passed]


def approved_of(session: Session, council_session: CouncilSession) -> list[Nomination]:
    """Return the session's nominations the council approved for awards of its level (the
    decision's annex; those above it are proposed to the council above)."""
    return [n for n in approved(session, council_session) if levels.decides_here(session, n)]


def render_draft(
    session: Session, decision: Decision, signatory: Signatory
) -> tuple[bytes, int, tuple[int, int, int, int]]:
    """Render the decision as it would be signed by `signatory`: the PDF, its box's page and box."""
    held = session.get(CouncilSession, decision.session_id)
    approved = approved_of(session, held) if held is not None else []
    body = body_of(session, decision.council_id)
    return docs.render_decision(session, decision, body, approved, signatory)


@transactional
def submit_decision(
    session: Session,
    engine: Engine,
    *,
    user: User,
    council_session: CouncilSession,
    number: str,
    issued_on: date | None,
) -> Decision:
    """Prepare the session's decision (number, date, the approved nominations as its annex)
    and submit it to the council's chair and vice-chairs for signature (the secretariat)."""
    _secretariat(session, user, council_session.council_id)
    text = clean_text(number, "number", max_len=50)
    if issued_on is None:
        raise ServiceError(_l("Give the date of the decision."), "issued_on")
    decision = decision_of(session, council_session)
    if decision is not None and decision.signed:
        raise Conflict(_l("This session's decision is already signed."))
    if decision is not None and not subjects.has_tag(session, decision, "editable"):
        raise Conflict(_l("The decision is already awaiting signature."))
    if number_taken(session, text, issued_on.year, but=decision.id if decision else None):
        raise Conflict(_l("Another decision has this number."), "number")
    if not approved_of(session, council_session):
        raise Conflict(_l("No nomination of this session has been approved by the council."))
    signers = signatories(session, council_session.council_id)
    if not signers or signers[0].capacity != CHAIR:
        raise Conflict(NO_CHAIR)
    typed: dict[str, Any] = {
        "number": text,
        "year": issued_on.year,
        "issued_on": issued_on,
        "base_salary": awards.base_salary(session),
        "prepared_by_user_id": user.id,
    }
    if decision is None:
        decision = Decision(session_id=council_session.id or 0,
                            council_id=council_session.council_id, **typed)  # fmt: skip
        subjects.start(session, engine, decision, user)
    else:  # a returned draft, corrected
        for name, value in typed.items():
            setattr(decision, name, value)
        session.add(decision)
    data = {"signatories": [s.user.id for s in signers if s.user is not None]}
    subjects.fire(session, engine, user=user, subject=decision, trigger="submit", data=data)
    return decision


def _deciding(session: Session, engine: Engine, user: User, nomination: Nomination) -> Actor:
    """Return who records the decision in a nomination: the signer where its definition lets
    the council's members do so, else the engine (definitions before version 5)."""
    actor = wf.actor_for(session, user)
    if "decide" in engine.available(session, nomination.instance_id or 0, actor):
        return actor
    return Actor.system()


@transactional
def sign_decision(
    session: Session,
    engine: Engine,
    *,
    user: User,
    decision: Decision,
    password: str,
    code: str = "",
    address: str | None = None,
) -> Decision:
    """Sign the submitted decision as the council's chair or a vice-chair, store it and decide
    every nomination of its annex, in one transaction."""
    if not subjects.has_tag(session, decision, "signing"):
        raise Conflict(_l("This decision is not awaiting signature."))
    signatory = signatory_of(session, user, decision.council_id)
    actor = wf.actor_for(session, user)
    if signatory is None or "sign" not in engine.available(session, decision.instance_id or 0,
                                                           actor):  # fmt: skip
        raise Forbidden(_l("Only the council's chair or a vice-chair signs its decisions."))
    held = session.get(CouncilSession, decision.session_id)
    approved = approved_of(session, held) if held is not None else []
    if not approved:
        raise Conflict(_l("No nomination of this session has been approved by the council."))
    # the password (and code) re-entered: wrong ones count toward the waits
    auth.confirm_signer(session, user, password, code=code, address=address)
    council = body_of(session, decision.council_id)
    decision.signed_by_user_id, decision.capacity = user.id, signatory.capacity
    decision.signed_at = utcnow()
    doc = issue_signed(
        session, signatory, council,
        lambda footer: docs.render_decision(session, decision, council, approved, signatory,
                                            footer),
        reason=f"Quyết định khen thưởng số {decision.number}", kind="decision",
        decision_id=decision.id,
    )  # fmt: skip
    decision.document_id = doc.id
    session.add(decision)
    prizes: dict[int, Decimal] = {}
    for r in docs.decision_rows(session, approved, decision.base_salary):
        nid = r["nomination"].id or 0
        prizes[nid] = prizes.get(nid, Decimal(0)) + r["prize"]
        if r["nominee"] is not None:  # a name of the dossier's list: its own prize
            r["nominee"].prize_amount = r["prize"]
            session.add(r["nominee"])
    for n in approved:
        n.decision_id, n.prize_amount = decision.id, prizes[n.id or 0]
        n.updated_at = utcnow()
        session.add(n)
        _sign_certificate(session, signatory, council, decision, n)
    session.flush()
    data = {"decision_number": decision.number, "decision_date": decision.issued_on.isoformat()}
    for n in approved:
        wf.fire(session, engine, user, n.instance_id or 0, "decide", data,
                actor=_deciding(session, engine, user, n))  # fmt: skip
    subjects.fire(session, engine, user=user, subject=decision, trigger="sign")
    return decision


def _sign_certificate(session: Session, signatory: Signatory, council: Unit, decision: Decision,
                      nomination: Nomination) -> None:  # fmt: skip
    """Render the nomination's award certificate (unless its list of names leaves its own
    unit out), and its other nominees' certificates (a page each), signed by the decision's
    signatory, each file with its own verification code, and store them."""
    if nominees.awards_itself(session, nomination):
        issue_signed(
        session, signatory, council,
            lambda footer: docs.render_certificate(session, nomination, decision, council,
                                                   signatory, footer),
            reason=f"Giấy chứng nhận khen thưởng theo Quyết định số {decision.number}",
            kind=docs.CERTIFICATE_KIND, nomination_id=nomination.id,
        )  # fmt: skip
    pages = nominees.certificate_pages(session, nomination, decision)
    if pages:
        issue_signed(
            session, signatory, council,
            lambda footer: docs.render_certificates(council, pages, signatory, footer),
            reason=f"Giấy chứng nhận khen thưởng cá nhân theo Quyết định số {decision.number}",
            kind=docs.NOMINEES_KIND, nomination_id=nomination.id,
        )  # fmt: skip


def return_decision(
    session: Session, engine: Engine, *, user: User, decision: Decision, reason: str
) -> FireResult:
    """Return the draft to the secretariat with a reason (the chair or a vice-chair)."""
    return subjects.fire_with_reason(session, engine, user=user, subject=decision,
                                     trigger="return_draft", reason=reason)  # fmt: skip


# --- the public register -----------------------------------------------------------------


@dataclass(frozen=True)
class Granted:
    """An award in the public register: who (a unit, or a person of a unit), what, by which
    decision; revoked or not. A dossier of names gives one per name it awards (`nominee`)."""

    nomination: Nomination
    unit: Unit
    block: Block
    award: Award
    decision: Decision
    revoked_at: datetime | None
    revoke_reason: str
    person: Person | None = None
    nominee: DossierNominee | None = None
    council: Unit | None = None  # the council whose decision granted it (its level)

    @property
    def name(self) -> str:
        """Return who was awarded: the person's full name, or the unit's name."""
        return self.person.full_name if self.person else self.unit.name

    @property
    def prize(self) -> Decimal | None:
        """Return the prize money of this award (a name's own, or the nomination's)."""
        return self.nominee.prize_amount if self.nominee else self.nomination.prize_amount


def _by_name(session: Session, rows: list[Granted]) -> list[Granted]:
    """Return the register's lines with each dossier of names given as the names it awards."""
    names = docs.awarded_names(session, [g.nomination.id or 0 for g in rows])
    if not names:
        return rows
    listed = [r for found in names.values() for r in found]
    units = {u.id: u for u in session.exec(select(Unit).where(
        col(Unit.id).in_({r.unit_id for r in listed})))}  # fmt: skip
    people = {p.id: p for p in session.exec(select(Person).where(
        col(Person.id).in_({r.person_id for r in listed if r.person_id})))}  # fmt: skip
    catalogue = {a.id: a for a in session.exec(select(Award))}
    out: list[Granted] = []
    for g in rows:
        for r in names.get(g.nomination.id or 0, []):
            out.append(replace(g, unit=units[r.unit_id], award=catalogue[r.award_id],
                               person=people.get(r.person_id), nominee=r))  # fmt: skip
        if g.nomination.id not in names:
            out.append(g)
    return out


def register(
    session: Session,
    *,
    year: int | None = None,
    block_id: int | None = None,
    unit_id: int | None = None,
    person_id: int | None = None,
) -> list[Granted]:
    """Return the awards granted by a signed decision (revoked ones marked), newest first:
    of a unit (itself or its people), of a person, or every one."""
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
    rows = session.execute(query).all()
    ids = {d.council_id for *_rest, d in rows if d.council_id is not None}
    bodies = {c.id: c for c in session.exec(select(Unit).where(col(Unit.id).in_(ids)))}
    found = [Granted(n, u, b, a, d, n.revoked_at, n.revoke_reason,
                     council=bodies.get(d.council_id)) for n, u, b, a, d in rows]  # fmt: skip
    out = [
        g for g in _by_name(session, found)
        if (not unit_id or g.unit.id == unit_id)
        and (not person_id or (g.person is not None and g.person.id == person_id))
    ]  # fmt: skip
    out.sort(key=lambda g: (-g.nomination.year, g.award.position, g.person is not None, g.name))
    return out


def total_prize(rows: list[Granted]) -> Decimal:
    """Return the prize money of the awards not revoked."""
    return sum((g.prize or Decimal(0) for g in rows if not g.revoked_at), Decimal(0))

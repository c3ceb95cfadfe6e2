"""Verbs on ad-hoc awards: propose, change, submit, check, refer, decide by a signed decision.

A unit's head or staff proposes one of its people, or itself or a unit under it, for an award
the catalogue allows ad hoc, for an achievement on a given day; the secretariat checks it and
returns it with a reason or refers it to the council's chair (named in the award settings),
who signs the decision with the council's key or declines with a reason. One achievement earns
one award: the same nominee cannot be proposed twice for an achievement of the same day while
an earlier proposal stands, and a decided one is named by its decision's number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.accounts import service as auth
from wflow.adhoc import documents as adhoc_docs
from wflow.adhoc.models import AdhocAward
from wflow.adhoc.subject import ADHOC, nominee_name
from wflow.awards import catalogue as awards
from wflow.awards import decisions as council
from wflow.awards import documents as award_docs
from wflow.awards import signatories
from wflow.awards.models import Award
from wflow.awards.signatories import CHAIR, Signatory
from wflow.campaigns import service as campaigns
from wflow.clock import utcnow
from wflow.core import formats, installation, subjects
from wflow.core import workflow as wf
from wflow.core.access import Action, may
from wflow.core.errors import Conflict, Forbidden, NotFound, ServiceError
from wflow.core.uow import transactional
from wflow.councils import service as councils
from wflow.documents.render import render_html
from wflow.engine import Engine, FireResult, WfInstance
from wflow.org.models import Unit, User
from wflow.org.service import clean_text
from wflow.pacts.documents import SIGN_BOX_MM, box_of, html_to_pdf
from wflow.pacts.models import Document
from wflow.people.models import Person
from wflow.reviews import evidence as files
from wflow.titles import rules as title_rules

WORKFLOW = "adhoc_award"
REASON_TRIGGERS = ("return_proposal", "withdraw", "decline")  # the step asks for a reason
DOCUMENT_KIND = "adhoc_decision"
NO_CHAIR = signatories.NO_CHAIR


@dataclass(frozen=True)
class Proposal:
    """What a unit proposes: the award, the nominee ("person:<id>" or "unit:<id>"), the act."""

    award_id: int | None
    nominee: str
    achieved_on: date | None
    title: str
    achievement: str


@dataclass(frozen=True)
class Evidence:
    """An uploaded evidence file."""

    data: bytes
    filename: str


# --- what may be proposed ----------------------------------------------------------------


def adhoc_catalogue(session: Session) -> list[Award]:
    """Return the active awards granted ad hoc, highest first."""
    return [a for a in awards.catalogue(session, active_only=True) if a.adhoc]


def collectives(session: Session, unit_id: int) -> list[Unit]:
    """Return the collectives a unit may propose: itself, then the units under it."""
    return campaigns.own_units(session, unit_id)


def people(session: Session, unit_id: int) -> list[Person]:
    """Return the active people of the unit and of the units under it, by name."""
    ids = [u.id for u in collectives(session, unit_id)]
    query = select(Person).where(col(Person.unit_id).in_(ids), Person.active == True)  # noqa: E712
    return list(session.exec(query.order_by(col(Person.full_name), col(Person.id))).all())


def may_propose(session: Session, user: User | None, unit_id: int) -> bool:
    """Tell whether `user` acts for the unit (its head or staff), who proposes its awards."""
    return may(session, user, Action.ACT, unit_id=unit_id)


def earlier(session: Session, row: AdhocAward, locale: str | None = None) -> str | None:
    """Return why the nominee's achievement is already proposed or awarded (None: it is not)."""
    who = (
        AdhocAward.person_id == row.person_id
        if row.person_id is not None
        else AdhocAward.nominee_unit_id == row.nominee_unit_id
    )
    query = select(AdhocAward).where(who, AdhocAward.achieved_on == row.achieved_on)
    if row.id is not None:
        query = query.where(AdhocAward.id != row.id)
    others = list(session.exec(query.order_by(col(AdhocAward.id))).all())
    dropped = subjects.tagged(session, ADHOC, "dropped")
    states = subjects.states(session, others)
    standing = [o for o in others if states.get(o.id or 0) not in dropped]
    decided = next((o for o in standing if o.decision_number), None)
    name = nominee_name(session, row)
    day = formats.format_date(row.achieved_on, locale, installation.zone(session))
    if decided is not None:
        award = session.get(Award, decided.award_id)
        what = str(_l("the achievement of %(day)s", day=day))
        return awards.already_awarded(name, award.name if award else "", what,
                                      decided.decision_number or "")  # fmt: skip
    if standing:
        return str(_l("%(nominee)s is already proposed for the achievement of %(day)s: one "
                      "achievement, one award.", nominee=name, day=day))  # fmt: skip
    return None


def _nominee(
    session: Session, unit_id: int, award: Award, raw: str
) -> tuple[int | None, int | None]:
    """Return (person id, collective id) of the chosen nominee, refusing a wrong one."""
    kind, _sep, ident = str(raw or "").partition(":")
    if kind not in ("person", "unit") or not ident.isdigit():
        raise ServiceError(_l("Choose who is proposed."), "nominee")
    if kind != award.nominee:
        if award.nominee == "person":
            raise ServiceError(_l("%(award)s goes to a person: choose one of the unit's people.",
                                  award=award.name), "nominee")  # fmt: skip
        raise ServiceError(_l("%(award)s goes to a collective: choose the unit or a unit under "
                              "it.", award=award.name), "nominee")  # fmt: skip
    allowed = {u.id for u in collectives(session, unit_id)}
    if kind == "unit":
        unit = session.get(Unit, int(ident))
        if unit is None:
            raise ServiceError(_l("Choose who is proposed."), "nominee")
        if unit.id not in allowed:
            raise ServiceError(_l("%(unit)s is neither this unit nor a unit under it.",
                                  unit=unit.name), "nominee")  # fmt: skip
        return None, unit.id
    person = session.get(Person, int(ident))
    if person is None:
        raise ServiceError(_l("Choose who is proposed."), "nominee")
    if person.unit_id not in allowed or not person.active:
        raise ServiceError(_l("%(person)s does not work in this unit.", person=person.full_name),
                           "nominee")  # fmt: skip
    return person.id, None


def _clean(session: Session, user: User, unit_id: int, proposal: Proposal, row: AdhocAward) -> None:
    """Check the proposal and write it into `row` (ServiceError naming the first wrong field)."""
    award = session.get(Award, proposal.award_id) if proposal.award_id else None
    if award is None or award not in adhoc_catalogue(session):
        raise ServiceError(_l("Choose an award granted ad hoc."), "award_id")
    person_id, collective_id = _nominee(session, unit_id, award, proposal.nominee)
    today = installation.local_date(session, utcnow())
    day = proposal.achieved_on
    if day is None or not date(2000, 1, 1) <= day <= today:
        raise ServiceError(_l("Give the day of the achievement, today at the latest."),
                           "achieved_on")  # fmt: skip
    row.award_id, row.person_id, row.nominee_unit_id = award.id or 0, person_id, collective_id
    row.achieved_on, row.year = day, day.year
    row.title = clean_text(proposal.title, "title", max_len=300)
    row.achievement = clean_text(proposal.achievement, "achievement", max_len=20_000)
    if person_id is not None and award.prerequisites:
        person = session.get(Person, person_id)
        assert person is not None
        held = title_rules.held_titles(session, [person_id])
        names = {a.code: a.name for a in awards.catalogue(session)}
        refused = title_rules.missing(session, title_rules.Candidate(person, award), day.year,
                                      held, names)  # fmt: skip
        if refused:
            raise ServiceError(" ".join(refused), "nominee")
    twice = earlier(session, row, user.locale)
    if twice:
        raise Conflict(twice, "nominee")


def _attach(session: Session, row: AdhocAward, evidence: Evidence | None) -> None:
    """Check and stage the evidence file, when one is given (it replaces an earlier one)."""
    if evidence is None or not evidence.data:
        return
    kind = files.check(evidence.data, evidence.filename, files.max_bytes(session))
    sha, path = files.store(session, evidence.data)
    row.evidence_filename = files.clean_filename(evidence.filename)
    row.evidence_type, row.evidence_sha256, row.evidence_path = kind, sha, path


@transactional
def propose(
    session: Session,
    engine: Engine,
    *,
    user: User,
    unit_id: int,
    proposal: Proposal,
    evidence: Evidence | None = None,
) -> AdhocAward:
    """Propose a person or collective of the unit for an ad-hoc award; start its workflow."""
    if not may_propose(session, user, unit_id):
        raise Forbidden(_l("Only the unit's head or staff propose its ad-hoc awards."))
    row = AdhocAward(unit_id=unit_id, award_id=0, year=0, achieved_on=date.min, title="",
                     proposed_by_user_id=user.id)  # fmt: skip
    _clean(session, user, unit_id, proposal, row)
    _attach(session, row, evidence)
    session.add(row)
    session.flush()
    subjects.start(session, engine, row, user)
    return row


@transactional
def change(
    session: Session,
    *,
    user: User,
    row: AdhocAward,
    proposal: Proposal,
    evidence: Evidence | None = None,
) -> AdhocAward:
    """Change a proposal still in draft (after a return, with the secretariat's reason)."""
    if not may_propose(session, user, row.unit_id):
        raise Forbidden(_l("Only the unit's head or staff propose its ad-hoc awards."))
    if not subjects.has_tag(session, row, "editable"):
        raise Conflict(_l("The proposal can be changed only before it is submitted."))
    _clean(session, user, row.unit_id, proposal, row)
    _attach(session, row, evidence)
    row.updated_at = utcnow()
    session.add(row)
    return row


# --- the short path ----------------------------------------------------------------------


@transactional
def submit(
    session: Session, engine: Engine, *, user: User, row: AdhocAward,
    expected_version: int | None = None,
) -> FireResult:  # fmt: skip
    """Send the proposal to the secretariat (the unit's head or staff)."""
    row.submitted_at = row.updated_at = utcnow()
    session.add(row)
    return subjects.fire(session, engine, user=user, subject=row, trigger="submit",
                         expected_version=expected_version)  # fmt: skip


@transactional
def accept(
    session: Session, engine: Engine, *, user: User, row: AdhocAward,
    expected_version: int | None = None,
) -> FireResult:  # fmt: skip
    """Accept the checked proposal and refer it to the council's chair (the secretariat)."""
    chair = awards.council_chair(session, councils.of_unit(session, row.unit_id))
    if chair is None:
        raise Conflict(NO_CHAIR)
    return subjects.fire(session, engine, user=user, subject=row, trigger="accept",
                         data={"chair": [chair.id]}, expected_version=expected_version)  # fmt: skip


def act(
    session: Session, engine: Engine, *, user: User, row: AdhocAward, trigger: str,
    reason: str = "", expected_version: int | None = None,
) -> FireResult:  # fmt: skip
    """Return the proposal, withdraw it or decline the award, with the person's reason."""
    return subjects.fire_with_reason(session, engine, user=user, subject=row, trigger=trigger,
                                     reason=reason, expected_version=expected_version)  # fmt: skip


# --- the chair's decision ----------------------------------------------------------------


def _taken(session: Session, number: str, year: int) -> bool:
    same = select(AdhocAward.id).where(
        AdhocAward.decision_number == number, AdhocAward.decision_year == year
    )
    return session.exec(same).first() is not None


def _counted(session: Session, year: int, council_id: int) -> int:
    query = (
        select(sa.func.count())
        .select_from(AdhocAward)
        .join(WfInstance, col(WfInstance.id) == col(AdhocAward.instance_id))
        .where(AdhocAward.decision_year == year, WfInstance.council_id == council_id)
    )
    return int(session.exec(query).one())


# the chair's decisions are the council's: one numbering a year with the sessions' decisions
council.share_numbering(_taken, _counted)
next_number = council.next_number
number_taken = council.number_taken


def render_decision(
    session: Session, row: AdhocAward, signer: User, verify: dict[str, str] | None = None
) -> tuple[bytes, int, tuple[int, int, int, int]]:
    """Render the chair's decision (with its verification code's footer `verify`); return the
    PDF and its signature's page and box."""
    body = council.body_of(session, councils.of_unit(session, row.unit_id))
    proposer = session.get(Unit, row.unit_id)
    context = {
        "row": row,
        "award": session.get(Award, row.award_id),
        "nominee": nominee_name(session, row),
        "person": session.get(Person, row.person_id) if row.person_id else None,
        "nominee_unit": session.get(Unit, row.nominee_unit_id) if row.nominee_unit_id else None,
        "proposer": proposer,
        "council": body,
        "signatory": Signatory(signer, CHAIR),
        "box_mm": SIGN_BOX_MM,
        "anchor": award_docs.SIGN_ANCHOR,
        "date": row.decision_date,
        "place": "……",
        "number": row.decision_number,
        "issuer_parent": "",
        "issuer": body.name,
        "doc_title_text": award_docs.TITLES["decision"],
        "verify": verify,
    }
    pdf, anchors = html_to_pdf(render_html("pdf/adhoc_decision.html", context))
    page, box = box_of(anchors[award_docs.SIGN_ANCHOR])
    return pdf, page, box


@transactional
def sign_decision(
    session: Session,
    engine: Engine,
    *,
    user: User,
    row: AdhocAward,
    number: str,
    issued_on: date | None,
    password: str,
    code: str = "",
    address: str | None = None,
) -> AdhocAward:
    """Sign the decision granting the award with the council's key and decide the proposal
    (the council's chair), in one transaction."""
    if not subjects.has_tag(session, row, "deciding"):
        raise Conflict(_l("The proposal is not awaiting the chair's decision."))
    if "decide" not in engine.available(session, row.instance_id or 0, wf.actor_for(session, user)):
        raise Forbidden(_l("Only the council's chair signs this decision."))
    text = clean_text(number, "number", max_len=50)
    today = installation.local_date(session, utcnow())
    if issued_on is None or not row.achieved_on <= issued_on <= today:
        raise ServiceError(_l("Give the decision's date, between the achievement and today."),
                           "issued_on")  # fmt: skip
    if number_taken(session, text, issued_on.year):
        raise Conflict(_l("Another decision has this number."), "number")
    auth.confirm_signer(session, user, password, code=code, address=address)
    award = session.get(Award, row.award_id)
    if award is None:
        raise NotFound(_l("This award does not exist."))
    salary = awards.base_salary(session)
    row.decision_number, row.decision_year, row.decision_date = text, issued_on.year, issued_on
    row.base_salary, row.prize_amount = salary, awards.prize(award.prize_multiple, salary)
    row.decided_by_user_id, row.updated_at = user.id, utcnow()
    signatory = Signatory(user, CHAIR)
    body = council.body_of(session, councils.of_unit(session, row.unit_id))
    doc = council.issue_signed(
        session, signatory, body, lambda footer: render_decision(session, row, user, footer),
        reason=f"Quyết định khen thưởng số {text}", kind=DOCUMENT_KIND,
    )  # fmt: skip
    pages = [adhoc_docs.certificate_page(session, row)]  # signed with the decision, too
    certificate = council.issue_signed(
        session, signatory, body,
        lambda footer: award_docs.render_certificates(body, pages, signatory, footer),
        reason=f"Giấy chứng nhận khen thưởng theo Quyết định số {text}",
        kind=award_docs.CERTIFICATE_KIND,
    )  # fmt: skip
    row.document_id, row.certificate_document_id = doc.id, certificate.id
    session.add(row)
    session.flush()
    data = {"decision_number": text, "decision_date": issued_on.isoformat()}
    subjects.fire(session, engine, user=user, subject=row, trigger="decide", data=data)
    return row


def certificate_document(session: Session, row: AdhocAward) -> Document | None:
    """Return the signed certificate, once the award is decided (None: decided before they
    were signed)."""
    found = row.certificate_document_id
    return session.get(Document, found) if found else None


def decision_document(session: Session, row: AdhocAward) -> Document | None:
    """Return the signed decision, once the award is decided."""
    return session.get(Document, row.document_id) if row.document_id else None


# --- lists -------------------------------------------------------------------------------


def listed(
    session: Session, *, unit_id: int | None = None, year: int | None = None
) -> list[AdhocAward]:
    """Return the proposals (of a proposing unit, of a year), newest first."""
    query = select(AdhocAward)
    if unit_id is not None:
        query = query.where(AdhocAward.unit_id == unit_id)
    if year:
        query = query.where(AdhocAward.year == year)
    return list(session.exec(query.order_by(col(AdhocAward.id).desc())).all())


def decided(session: Session, rows: list[AdhocAward]) -> list[AdhocAward]:
    """Return the proposals granted by a signed decision."""
    states = subjects.states(session, rows)
    done = subjects.tagged(session, ADHOC, "decided")
    return [r for r in rows if states.get(r.id or 0) in done and r.decision_number]

"""Verbs on a block's pact: prepare it from the published plan, open signing, sign, decline.

The leading unit of the plan's first year prepares the pact and opens signing (which renders
the PDF with every signature field); the head of each member unit signs its own field after
re-entering the password. A signature is put into the PDF first and the workflow's act then
names the stored revision (`pact_rules.signed_document`), so the state and the document never
disagree; two heads signing at the same moment are serialised by the instance's version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.clock import utcnow
from wflow.core import subjects, uow
from wflow.core import workflow as wf
from wflow.core.errors import Conflict, Forbidden, NotFound, ServiceError
from wflow.core.uow import transactional
from wflow.engine import Engine, FireResult, StaleVersion, WfEvent, WfInstance
from wflow.org.models import Block, User
from wflow.org.service import clean_text
from wflow.pacts.documents import Signer, add_document, field_name, read_document
from wflow.pacts.documents import signers_of as _signers_of
from wflow.pacts.models import Document, Pact
from wflow.plans import service as plans
from wflow.plans.models import Plan
from wflow.signatures import keys

WORKFLOW = "pact"
DEAD = frozenset({"withdrawn"})  # a pact in these states no longer holds its plan
SIGN_ATTEMPTS = 4  # tries when another head signs at the same moment
DEFAULT_SIGNING_DAYS = 21


def title_for(year: int, year_end: int) -> str:
    """Return the pact's title: "GIAO ƯỚC THI ĐUA NĂM 2026" or "… GIAI ĐOẠN 2022 - 2027"."""
    if year == year_end:
        return f"Giao ước thi đua năm {year}"
    return f"Giao ước thi đua giai đoạn {year} - {year_end}"


def _number(session: Session, block: Block, year: int) -> str:
    count = len(
        session.exec(select(Pact.id).where(Pact.block_id == block.id, Pact.year == year)).all()
    )
    return f"{count + 1:02d}/GƯTĐ-{block.code}"


@transactional
def prepare_pact(session: Session, engine: Engine, *, user: User, plan: Plan) -> Pact:
    """Prepare the pact of a published plan and start its workflow; the block's leader only."""
    if not plans.is_leader(session, user, plan):
        raise Forbidden(_l("Only the block's leading unit may do this."))
    if subjects.state(session, plan) != "published":
        raise Conflict(_l("A pact is prepared from a published plan."))
    others = list(session.exec(select(Pact).where(Pact.plan_id == plan.id)).all())
    states = subjects.states(session, others)
    if any(states.get(p.id or 0) not in DEAD for p in others):
        raise Conflict(_l("This plan already has a pact."))
    block = session.get(Block, plan.block_id)
    if block is None:
        raise NotFound(_l("The plan's block does not exist."))
    pact = Pact(
        block_id=plan.block_id, plan_id=plan.id or 0, year=plan.year, year_end=plan.year_end,
        number=_number(session, block, plan.year), title=title_for(plan.year, plan.year_end),
        created_by_user_id=user.id,
    )  # fmt: skip
    session.add(pact)
    session.flush()
    data = {"period_end": f"{plan.year_end}-12-31T23:59:59"}
    subjects.start(session, engine, pact, user, data)
    session.add(pact)
    return pact


def open_signing(
    session: Session,
    engine: Engine,
    *,
    user: User,
    pact: Pact,
    days: int | None = None,
    expected_version: int | None = None,
) -> FireResult:
    """Render the pact with every signature field and open it for signing for `days`."""
    plan = session.get(Plan, pact.plan_id)
    if days is None:
        days = int((plan.rules if plan else {}).get("signing_days", DEFAULT_SIGNING_DAYS))
    until = (utcnow() + timedelta(days=days)).replace(microsecond=0)
    return subjects.fire(
        session, engine, user=user, subject=pact, trigger="open_signing",
        data={"signing_until": until.isoformat()}, expected_version=expected_version,
    )  # fmt: skip


def current_document(session: Session, pact: Pact) -> Document | None:
    """Return the pact's current PDF revision, if it was rendered."""
    return session.get(Document, pact.document_id) if pact.document_id else None


def _instance(session: Session, pact: Pact) -> tuple[str, int]:
    row = session.exec(
        select(WfInstance.state, WfInstance.lock_version).where(WfInstance.id == pact.instance_id)
    ).first()
    if row is None:
        raise NotFound(_l("This pact has no workflow."))
    return row[0], row[1]


def _check_may_sign(session: Session, engine: Engine, user: User, pact: Pact, state: str) -> None:
    if state != "signing":
        raise Conflict(_l("The pact is not open for signing."))
    if not user.unit_id or user.unit_id not in {s.unit_id for s in signers(session, pact)}:
        raise Forbidden(_l("Only the heads of the block's member units sign this pact."))
    if field_name(user.unit_id) in signed_fields(session, pact):
        raise Conflict(_l("Your unit has already signed this pact."))
    actor = wf.actor_for(session, user)
    if "sign" not in engine.available(session, pact.instance_id or 0, actor):
        raise Forbidden(_l("It is not your unit's turn to sign yet (see the signing order)."))


def sign_pact(
    session: Session, engine: Engine, *, user: User, pact: Pact, password: str
) -> Document:
    """Sign the pact for the user's unit (its head, password re-checked); return the revision.

    When another head signed meanwhile, sign again on the fresh revision (a few attempts),
    so that neither signature is lost. A refusal leaves the document and the state as they were.
    """
    pact_id = pact.id
    for _attempt in range(SIGN_ATTEMPTS):
        uow.fresh(session)  # read the latest revision and version others committed
        fresh = session.get(Pact, pact_id)
        if fresh is None:
            raise NotFound(_l("This pact does not exist."))
        # The version first, then the pact's current document: a signature committed in
        # between then makes this fire stale, instead of pairing an old document with the
        # new version (READ COMMITTED reads each statement afresh) and losing that signature.
        state, version = _instance(session, fresh)
        session.refresh(fresh)
        _check_may_sign(session, engine, user, fresh, state)
        current = current_document(session, fresh)
        if current is None:
            raise Conflict(_l("The pact's document has not been rendered yet."))
        field = field_name(user.unit_id or 0)
        signed = keys.sign_as_unit(
            session, user, password, read_document(session, current), field, None,
            reason=f"Ký giao ước số {fresh.number}",
        )  # fmt: skip
        try:
            with uow.unit_of_work(session):
                doc = add_document(
                    session, fresh, signed, field=field, parent_id=current.id, user_id=user.id
                )
                wf.fire(session, engine, user, fresh.instance_id or 0, "sign",
                        {"sha256": doc.sha256}, expected_version=version)  # fmt: skip
                fresh.document_id, fresh.updated_at = doc.id, utcnow()
                session.add(fresh)
        except StaleVersion:
            continue  # another head signed meanwhile: sign the fresh revision
        return doc
    raise Conflict(_l("The pact was changed meanwhile; reload the page and try again."))


def decline_pact(
    session: Session, engine: Engine, *, user: User, pact: Pact, reason: str
) -> FireResult:
    """Decline to sign for the user's unit, with a reason: the pact goes back to the leader."""
    text = clean_text(reason, "reason", max_len=2000)
    state, _version = _instance(session, pact)
    if state != "signing":
        raise Conflict(_l("The pact is not open for signing."))
    return subjects.fire(
        session, engine, user=user, subject=pact, trigger="decline", data={"reason": text}
    )


# --- reading -----------------------------------------------------------------------------


def signers(session: Session, pact: Pact) -> list[Signer]:
    """Return the units that sign the pact, leader and deputy first."""
    return _signers_of(session, pact.block_id, pact.year)


def signed_fields(session: Session, pact: Pact) -> dict[str, Document]:
    """Return the signature fields filled in the current document, with the revision of each."""
    out: dict[str, Document] = {}
    doc = current_document(session, pact)
    while doc is not None and doc.field:
        out[doc.field] = doc
        doc = session.get(Document, doc.parent_id) if doc.parent_id else None
    return out


@dataclass(frozen=True)
class Progress:
    """Who signed the current document and who is missing."""

    signed: list[tuple[Signer, Document]]
    missing: list[Signer]

    @property
    def total(self) -> int:
        """Return how many units sign."""
        return len(self.signed) + len(self.missing)


def progress(session: Session, pact: Pact) -> Progress:
    """Return the signing progress of the pact's current document."""
    done = signed_fields(session, pact)
    everyone = signers(session, pact)
    return Progress(
        signed=[(s, done[s.field]) for s in everyone if s.field in done],
        missing=[s for s in everyone if s.field not in done],
    )


def reminders(session: Session, pact: Pact) -> list[WfEvent]:
    """Return the reminders sent for the pact (audit events with trigger `remind`)."""
    query = select(WfEvent).where(
        WfEvent.instance_id == pact.instance_id, WfEvent.trigger == "remind"
    )
    return list(session.exec(query.order_by(col(WfEvent.seq))).all())


def pacts_of_block(session: Session, block_id: int) -> list[Pact]:
    """Return the block's pacts, newest first."""
    query = select(Pact).where(Pact.block_id == block_id)
    return list(session.exec(query.order_by(col(Pact.year).desc(), col(Pact.id).desc())).all())


def pacts_of_plan(session: Session, plan_id: int) -> list[Pact]:
    """Return the pacts prepared from a plan, newest first."""
    query = select(Pact).where(Pact.plan_id == plan_id).order_by(col(Pact.id).desc())
    return list(session.exec(query).all())


__all__ = ["ServiceError", "decline_pact", "open_signing", "prepare_pact", "sign_pact"]

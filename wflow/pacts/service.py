"""Verbs on a block's pact: prepare it from the published plan, open signing, sign, decline.

The leading unit of the plan's first year prepares the pact and opens signing (which renders
the PDF with every signature field); the head of each member unit signs its own field after
re-entering the password. A signature is put into the PDF first and the workflow's act then
names the stored revision, so the state and the document never disagree; two heads signing
at the same moment are serialised by the instance's version (`signatures.rounds`).
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.clock import utcnow
from wflow.core import installation, subjects
from wflow.core.errors import Conflict, Forbidden, NotFound, ServiceError
from wflow.core.uow import transactional
from wflow.engine import Engine, FireResult, WfEvent
from wflow.org.models import Block, User
from wflow.org.service import clean_text
from wflow.pacts.documents import Signer
from wflow.pacts.documents import signers_of as _signers_of
from wflow.pacts.models import Document, Pact
from wflow.plans import service as plans
from wflow.plans.models import Plan
from wflow.signatures.rounds import Progress, SigningRound

WORKFLOW = "pact"
DEFAULT_SIGNING_DAYS = 21


def signers(session: Session, pact: Pact) -> list[Signer]:
    """Return the units that sign the pact, leader and deputy first."""
    return _signers_of(session, pact.block_id, pact.year)


ROUND = SigningRound(
    model=Pact, owner="pact_id", kind="pact", signers=signers,
    reason=lambda pact: f"Ký giao ước số {pact.number}",
)  # fmt: skip


# --- reading -----------------------------------------------------------------------------


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
    if not subjects.has_tag(session, plan, "published"):
        raise Conflict(_l("A pact is prepared from a published plan."))
    others = list(session.exec(select(Pact).where(Pact.plan_id == plan.id)).all())
    states = subjects.states(session, others)
    dropped = subjects.tagged(session, WORKFLOW, "dropped")  # no longer holds its plan
    if any(states.get(p.id or 0) not in dropped for p in others):
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
    data = {"period_end": f"{plan.year_end}-12-31"}
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
    # a deadline is a date: signing closes at the end of that local day (the engine's reading)
    last_day = installation.local_date(session, utcnow()) + timedelta(days=days)
    return subjects.fire(
        session, engine, user=user, subject=pact, trigger="open_signing",
        data={"signing_until": last_day.isoformat()}, expected_version=expected_version,
    )  # fmt: skip


def current_document(session: Session, pact: Pact) -> Document | None:
    """Return the pact's current PDF revision, if it was rendered."""
    return ROUND.current(session, pact)


def sign_pact(
    session: Session,
    engine: Engine,
    *,
    user: User,
    pact: Pact,
    password: str,
    code: str = "",
    address: str | None = None,
) -> Document:
    """Sign the pact for the user's unit (its head, who proves who they are); return the
    revision."""
    return ROUND.sign(session, engine, user=user, subject=pact, password=password,
                      code=code, address=address)  # fmt: skip


def decline_pact(
    session: Session, engine: Engine, *, user: User, pact: Pact, reason: str
) -> FireResult:
    """Decline to sign for the user's unit, with a reason: the pact goes back to the leader."""
    text = clean_text(reason, "reason", max_len=2000)
    if not subjects.has_tag(session, pact, "signing"):
        raise Conflict(_l("The pact is not open for signing."))
    return subjects.fire(
        session, engine, user=user, subject=pact, trigger="decline", data={"reason": text}
    )


def signed_fields(session: Session, pact: Pact) -> dict[str, Document]:
    """Return the signature fields filled in the current document, with the revision of each."""
    return ROUND.signed_fields(session, pact)


def progress(session: Session, pact: Pact) -> Progress:
    """Return the signing progress of the pact's current document."""
    return ROUND.progress(session, pact)


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

"""Proposals that go up: a council's approved nominations for awards above its level.

A council decides the awards of its own level (`Award.level`: commune, provincial, national
against the council's `Unit.level`); a nomination for a higher award it votes on in the same
session, and once approved its chair or a vice-chair signs the proposal (tờ trình) to the
council above. The proposal is a nomination of that council (`council_id`, `proposed_from_id`)
with the same unit, award, dossier texts and list of names, received in its secretariat's
inbox: accepted, or returned to the proposing council with a reason (the lower nomination is
approved again, to correct and propose again); then voted and decided there as any other,
and each council's pages show where it went and how it ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from wflow.accounts import service as auth
from wflow.awards import decisions, levels
from wflow.awards import documents as docs
from wflow.awards.catalogue import council_rule
from wflow.awards.models import Award, CouncilSession, DossierNominee, Nomination
from wflow.awards.rules import PROPOSAL_KIND
from wflow.awards.signatories import Signatory, signatory_of
from wflow.awards.subject import NOMINATION
from wflow.awards.subject import scope as nomination_scope
from wflow.clock import utcnow
from wflow.core import installation, subjects
from wflow.core import workflow as wf
from wflow.core.errors import Conflict, Forbidden
from wflow.core.uow import transactional
from wflow.documents.render import render_html
from wflow.engine import Actor, Engine
from wflow.org.models import Block, Unit
from wflow.org.models import User as UserModel
from wflow.pacts.documents import SIGN_BOX_MM, box_of, html_to_pdf


def to_propose(session: Session, council_session: CouncilSession) -> list[Nomination]:
    """Return the session's approved nominations its council does not decide: to propose up."""
    return [n for n in decisions.approved(session, council_session)
            if not levels.decides_here(session, n)]  # fmt: skip


def sent_up(session: Session, council_session: CouncilSession) -> list[Nomination]:
    """Return the session's nominations proposed to the council above (their latest proposal)."""
    listed = decisions.agenda(session, council_session)
    ups = [upper_of(session, n) for n in listed]
    return [u for u in ups if u is not None]


def upper_of(session: Session, nomination: Nomination) -> Nomination | None:
    """Return the latest proposal carrying `nomination` to the council above, if any."""
    query = select(Nomination).where(Nomination.proposed_from_id == nomination.id)
    return session.exec(query.order_by(col(Nomination.id).desc())).first()


@dataclass(frozen=True)
class Step:
    """Where a nomination went: the council that holds it, its state's words, the reason."""

    nomination: Nomination
    council: Unit | None
    state: str
    reason: str


def journey(session: Session, engine: Engine, nomination: Nomination, locale: str) -> list[Step]:
    """Return the nomination's way between councils: the one it carries, itself, and every
    proposal of it and of those above (oldest first), each with its state in `locale` and its
    last reason."""
    out: list[Step] = []
    below = session.get(Nomination, nomination.proposed_from_id or 0)
    if below is not None:
        out.append(_step(session, engine, below, locale))
    out.append(_step(session, engine, nomination, locale))
    todo = [nomination]
    while todo:
        current = todo.pop()
        query = select(Nomination).where(Nomination.proposed_from_id == current.id)
        for up in session.exec(query.order_by(col(Nomination.id))).all():
            out.append(_step(session, engine, up, locale))
            todo.append(up)
    return out


def _step(session: Session, engine: Engine, nomination: Nomination, locale: str) -> Step:
    state = subjects.state(session, nomination)
    label = engine.definition(NOMINATION.workflow).states[state].label.get(locale)
    reason = ""
    for event in reversed(engine.history(session, nomination.instance_id or 0)):
        if event.data and event.data.get("reason"):
            reason = str(event.data["reason"])
            break
    council = session.get(Unit, levels.council_of(session, nomination) or 0)
    return Step(nomination, council, label or state, reason)


def letter_number(session: Session, council: Unit, year: int) -> str:
    """Return the next proposal number of the council in `year`, e.g. "3/TTr-HĐTĐKT"."""
    lower = aliased(Nomination)
    query = (
        select(func.count(col(Nomination.id)))
        .join(lower, col(lower.id) == col(Nomination.proposed_from_id))
        .join(Block, col(Block.id) == col(lower.block_id))
        .where(func.coalesce(lower.council_id, Block.council_id) == council.id,
               sa.extract("year", col(Nomination.created_at)) == year)
    )  # fmt: skip
    count = session.exec(query).one() or 0
    return f"{count + 1}/TTr-{council.code}"


def render_letter(
    session: Session,
    upper: Nomination,
    lower: Nomination,
    council: Unit,
    above: Unit,
    signatory: Signatory,
    number: str,
    verify: dict[str, str] | None = None,
) -> tuple[bytes, int, tuple[int, int, int, int]]:
    """Render the proposal letter (tờ trình) to the council above: the PDF, its box's page,
    its box."""
    held = session.get(CouncilSession, lower.session_id or 0)
    award = session.get(Award, upper.award_id)
    context: dict[str, Any] = {
        "nomination": upper,
        "lower": lower,
        "award": award,
        # the names the council approved (or every name, where it voted on the dossier whole)
        "rows": docs.decision_rows(session, [lower], Decimal(0)),
        "held": held,
        "tally": lower.council_tally or {},
        "council": council,
        "above": above,
        "box_mm": SIGN_BOX_MM,
        "anchor": docs.SIGN_ANCHOR,
        "date": installation.local_date(session, utcnow()),
        "place": "……",
        "number": number,
        "issuer_parent": "",
        "issuer": council.name,
        "doc_title_text": "Tờ trình",
        "verify": verify,
        "signatory": signatory,
        "draft": None if verify else "DỰ THẢO",
    }
    pdf, anchors = html_to_pdf(render_html("pdf/proposal_letter.html", context))
    page, box = box_of(anchors[docs.SIGN_ANCHOR])
    return pdf, page, box


@transactional
def propose_up(
    session: Session,
    engine: Engine,
    *,
    user: UserModel,
    council_session: CouncilSession,
    password: str,
    code: str = "",
    address: str | None = None,
) -> list[Nomination]:
    """Sign the session's proposals to the council above (its chair or a vice-chair), one
    letter per nomination, and put each in that council's secretariat's inbox."""
    council_id = council_session.council_id
    signatory = signatory_of(session, user, council_id)
    if signatory is None:
        raise Forbidden(_l("Only the council's chair or a vice-chair signs its proposals."))
    rows = to_propose(session, council_session)
    if not rows:
        raise Conflict(_l("No approved nomination of this session goes to the council above."))
    above = levels.council_above(session, council_id)
    if above is None:
        raise Conflict(_l("This council has no council above it to propose to."))
    auth.confirm_signer(session, user, password, code=code, address=address)
    council = decisions.body_of(session, council_id)
    sent: list[Nomination] = []
    year = installation.local_date(session, utcnow()).year
    for lower in rows:
        number = letter_number(session, council, year)  # before its own proposal counts
        upper = _carry(session, engine, user, lower, above)
        letter = partial(render_letter, session, upper, lower, council, above, signatory, number)
        decisions.issue_signed(session, signatory, council, letter,
                               reason=f"Tờ trình đề nghị khen thưởng số {number}",
                               kind=PROPOSAL_KIND, nomination_id=upper.id)  # fmt: skip
        wf.fire(session, engine, None, upper.instance_id or 0, "receive_proposal",
                {"proposal": number, "from_council": council.name})  # fmt: skip
        wf.fire(session, engine, user, lower.instance_id or 0, "propose_up",
                {"proposal": number, "to_council": above.name})  # fmt: skip
        sent.append(upper)
    return sent


def _carry(
    session: Session, engine: Engine, user: UserModel, lower: Nomination, above: Unit
) -> Nomination:
    """Create the council above's nomination carrying `lower` (started, not yet received)."""
    award = session.get(Award, lower.award_id)
    assert award is not None
    upper = Nomination(
        block_id=lower.block_id, year=lower.year, unit_id=lower.unit_id, award_id=lower.award_id,
        rank=lower.rank, total=lower.total, block_rule=dict(lower.block_rule),
        council_rule=council_rule(award).to_json(), block_tally=lower.block_tally,
        cover_letter=lower.cover_letter, achievements=lower.achievements, minutes=lower.minutes,
        submitted_at=utcnow(), proposed_by_user_id=user.id, campaign_id=lower.campaign_id,
        council_id=above.id, proposed_from_id=lower.id,
    )  # fmt: skip
    session.add(upper)
    session.flush()
    approved = docs.awarded_names(session, [lower.id or 0]).get(lower.id or 0, [])
    for row in approved:  # the names approved below
        session.add(DossierNominee(
            nomination_id=upper.id or 0, position=row.position, unit_id=row.unit_id,
            person_id=row.person_id, award_id=row.award_id, achievement=row.achievement,
            created_by_user_id=user.id,
        ))  # fmt: skip
    # started by the system: the proposal arrives, it is not proposed by a block at that level
    upper.instance_id = engine.start(session, NOMINATION.workflow, nomination_scope(upper),
                                     Actor.system())  # fmt: skip
    session.add(upper)
    session.flush()
    return upper

"""Verbs on a coordination programme: draft, edit, send for agreement, sign, review, list.

One party drafts the programme for its unit and names the others; the head of every party
agrees (or asks for changes, sending it back to the draft); agreement renders the PDF with a
box per party, and each head signs its own box (`signatures.rounds`, as for a pact); once
every party has signed the programme is in force for its period, the parties review each
year, and it closes at the end of the period or earlier by a party's head.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.clock import utcnow
from wflow.core import subjects
from wflow.core.access import Action, is_committee, may
from wflow.core.errors import Forbidden, ServiceError
from wflow.core.uow import transactional
from wflow.councils import service as councils
from wflow.engine import Engine, FireResult
from wflow.org.models import Unit, User
from wflow.org.service import clean_text
from wflow.pacts.models import Document
from wflow.programmes.documents import signers
from wflow.programmes.models import Programme, ProgrammeParty, ProgrammeReview
from wflow.programmes.subject import party_ids
from wflow.signatures.rounds import Progress, SigningRound

WORKFLOW = "programme"
MAX_YEARS = 10  # the longest period a programme may cover
MAX_PARTIES = 20
LONG_TEXT = 20_000

ROUND = SigningRound(
    model=Programme, owner="programme_id", kind="programme", signers=signers,
    reason=lambda p: f"Ký chương trình phối hợp số {p.number}",
)  # fmt: skip


# --- reading -----------------------------------------------------------------------------


def parties(session: Session, programme: Programme) -> list[Unit]:
    """Return the programme's party units, in the document's order."""
    ids = party_ids(session, programme)
    found = {u.id: u for u in session.exec(select(Unit).where(col(Unit.id).in_(ids))).all()}
    return [found[i] for i in ids if i in found]


def visible_programmes(session: Session, user: User) -> list[Programme]:
    """Return the programmes `user` sees, newest first (the committee sees every one)."""
    query = select(Programme).order_by(col(Programme.year).desc(), col(Programme.id).desc())
    if not is_committee(user):
        mine = select(ProgrammeParty.programme_id).where(ProgrammeParty.unit_id == user.unit_id)
        query = query.where(col(Programme.id).in_(mine))
    else:  # the committee's council and those below it
        query = query.where(
            col(Programme.unit_id).in_(sorted(councils.units_seen_by(session, user)))
        )
    return list(session.exec(query).all())


def reviews(session: Session, programme: Programme) -> list[ProgrammeReview]:
    """Return the programme's yearly reviews, by year."""
    query = select(ProgrammeReview).where(ProgrammeReview.programme_id == programme.id)
    return list(session.exec(query.order_by(col(ProgrammeReview.year))).all())


def current_document(session: Session, programme: Programme) -> Document | None:
    """Return the programme's current PDF revision, if it was rendered."""
    return ROUND.current(session, programme)


def progress(session: Session, programme: Programme) -> Progress:
    """Return the signing progress of the programme's current PDF."""
    return ROUND.progress(session, programme)


def revisions(session: Session, programme: Programme) -> list[Document]:
    """Return every stored PDF revision of the programme, oldest first."""
    return ROUND.revisions(session, programme)


# --- drafting ----------------------------------------------------------------------------


def _clean_parties(session: Session, drafter: int, others: Sequence[int]) -> list[int]:
    ids = [drafter, *(i for i in dict.fromkeys(others) if i != drafter)]
    if len(ids) < 2:
        raise ServiceError(_l("Name at least one other party."), "parties")
    if len(ids) > MAX_PARTIES:
        raise ServiceError(_l("At most %(n)d parties.", n=MAX_PARTIES), "parties")
    found = set(session.exec(select(Unit.id).where(col(Unit.id).in_(ids))).all())
    if set(ids) - found:
        raise ServiceError(_l("Every party must be a unit of the installation."), "parties")
    return ids


def _clean_period(year: int, year_end: int | None) -> tuple[int, int]:
    end = year_end or year
    if not 2000 <= year <= 2100:
        raise ServiceError(_l("Give a year between 2000 and 2100."), "year")
    if not year <= end < year + MAX_YEARS:
        raise ServiceError(
            _l("The last year is the first year or up to %(n)d years later.", n=MAX_YEARS - 1),
            "year_end",
        )
    return year, end


def _number(session: Session, unit: Unit, year: int) -> str:
    query = select(Programme.id).where(Programme.unit_id == unit.id, Programme.year == year)
    return f"{len(session.exec(query).all()) + 1:02d}/CTPH-{unit.code}"


def _set_parties(session: Session, programme: Programme, ids: list[int]) -> None:
    old = session.exec(
        select(ProgrammeParty).where(ProgrammeParty.programme_id == programme.id)
    ).all()
    for row in old:
        session.delete(row)
    session.flush()
    for position, uid in enumerate(ids):
        session.add(ProgrammeParty(programme_id=programme.id or 0, unit_id=uid, position=position))
    session.flush()


def _data(programme: Programme, ids: list[int]) -> dict[str, object]:
    return {"parties": ids, "period_end": f"{programme.year_end}-12-31"}


def _drafting_unit(session: Session, user: User) -> Unit:
    unit = session.get(Unit, user.unit_id) if user.unit_id else None
    if unit is None or not may(session, user, Action.ACT, unit_id=unit.id):
        raise Forbidden(_l("Only the people of a unit draft a programme, for their unit."))
    return unit


@transactional
def create(
    session: Session,
    engine: Engine,
    *,
    user: User,
    title: str,
    year: int,
    year_end: int | None,
    party_ids: Sequence[int],
    purposes: str = "",
    tasks: str = "",
    arrangements: str = "",
    place: str = "",
) -> Programme:
    """Draft a programme for the user's unit with the named parties; start its workflow."""
    unit = _drafting_unit(session, user)
    first, last = _clean_period(year, year_end)
    ids = _clean_parties(session, unit.id or 0, party_ids)
    programme = Programme(
        unit_id=unit.id or 0, year=first, year_end=last, number=_number(session, unit, first),
        title=clean_text(title, "title", max_len=300),
        purposes=clean_text(purposes, "purposes", max_len=LONG_TEXT, required=False),
        tasks=clean_text(tasks, "tasks", max_len=LONG_TEXT, required=False),
        arrangements=clean_text(arrangements, "arrangements", max_len=LONG_TEXT, required=False),
        place=clean_text(place, "place", max_len=100, required=False),
        created_by_user_id=user.id,
    )  # fmt: skip
    session.add(programme)
    session.flush()
    _set_parties(session, programme, ids)
    subjects.start(session, engine, programme, user, _data(programme, ids))
    return programme


@transactional
def update(
    session: Session,
    engine: Engine,
    *,
    user: User,
    programme: Programme,
    title: str,
    year_end: int | None,
    party_ids: Sequence[int],
    purposes: str = "",
    tasks: str = "",
    arrangements: str = "",
    place: str = "",
) -> Programme:
    """Change a draft programme (its drafting unit); the parties see it when it is sent."""
    if user.unit_id != programme.unit_id or not may(
        session, user, Action.ACT, unit_id=programme.unit_id
    ):
        raise Forbidden(_l("Only the drafting unit changes the programme."))
    if subjects.state(session, programme) not in engine.tagged(WORKFLOW, "editable"):
        raise ServiceError(_l("The programme can be changed only as a draft."))
    _first, programme.year_end = _clean_period(programme.year, year_end)
    ids = _clean_parties(session, programme.unit_id, party_ids)
    programme.title = clean_text(title, "title", max_len=300)
    programme.purposes = clean_text(purposes, "purposes", max_len=LONG_TEXT, required=False)
    programme.tasks = clean_text(tasks, "tasks", max_len=LONG_TEXT, required=False)
    programme.arrangements = clean_text(
        arrangements, "arrangements", max_len=LONG_TEXT, required=False
    )
    programme.place = clean_text(place, "place", max_len=100, required=False)
    programme.updated_at = utcnow()
    session.add(programme)
    _set_parties(session, programme, ids)
    return programme


def submit(
    session: Session,
    engine: Engine,
    *,
    user: User,
    programme: Programme,
    expected_version: int | None = None,
) -> FireResult:
    """Send the draft to every party's head for agreement, with its parties as they are now."""
    data = _data(programme, party_ids(session, programme))
    return subjects.fire(session, engine, user=user, subject=programme, trigger="submit",
                         data=data, expected_version=expected_version)  # fmt: skip


def sign(
    session: Session,
    engine: Engine,
    *,
    user: User,
    programme: Programme,
    password: str,
    code: str = "",
    address: str | None = None,
) -> Document:
    """Sign the programme for the user's unit (its head, password re-checked)."""
    return ROUND.sign(session, engine, user=user, subject=programme, password=password,
                      code=code, address=address)  # fmt: skip


def review(
    session: Session,
    engine: Engine,
    *,
    user: User,
    programme: Programme,
    year: int | None,
    summary: str,
    next_steps: str = "",
) -> FireResult:
    """Record a party's review of one year of the programme in force (sơ kết năm)."""
    data = {
        "review_year": year,
        "review_summary": clean_text(summary, "summary", max_len=LONG_TEXT),
        "review_next_steps": clean_text(next_steps, "next_steps", max_len=LONG_TEXT,
                                        required=False),
    }  # fmt: skip
    if year is None:
        raise ServiceError(_l("This field is required."), "year")
    return subjects.fire(session, engine, user=user, subject=programme, trigger="review_year",
                         data=data)  # fmt: skip


def act(
    session: Session,
    engine: Engine,
    *,
    user: User,
    programme: Programme,
    trigger: str,
    reason: str = "",
    expected_version: int | None = None,
) -> FireResult:
    """Agree, object, decline, withdraw or close (a reason where the step asks for one)."""
    return subjects.fire_with_reason(session, engine, user=user, subject=programme, trigger=trigger,
                                     reason=reason, expected_version=expected_version)  # fmt: skip

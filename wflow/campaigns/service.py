"""Verbs on a movement or campaign: launch, edit, open registration, register, report, close.

The council's secretariat launches a campaign for units of the council (every unit of a
block that year, whole blocks, or named units); a unit launches one for its own people (the
unit itself and the units under it). In the draft the launcher edits everything; opening
registration gives each participant unit a task to register its own figure per target
(its head or staff, once); the window opens on the start date, the participants report at
each checkpoint and after the end date, and the launcher closes the campaign, which freezes
its summary (`wflow.campaigns.summary`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.campaigns.models import (
    Audience,
    Campaign,
    CampaignCheckpoint,
    CampaignFigure,
    CampaignKind,
    CampaignParticipant,
    CampaignTarget,
    FigureKind,
)
from wflow.campaigns.subject import is_participant, participant_ids
from wflow.clock import utcnow
from wflow.core import formats, installation, subjects
from wflow.core.access import Action, acts_in, is_committee, may
from wflow.core.errors import Forbidden, ServiceError
from wflow.core.uow import transactional, unit_of_work
from wflow.councils import service as councils
from wflow.engine import Engine, FireResult, WfInstance, WorkflowError
from wflow.org import directory
from wflow.org.models import Role, Unit, User
from wflow.org.service import clean_text

WORKFLOW = "campaign"
MAX_TARGETS = 30
MAX_CHECKPOINTS = 12
MAX_YEARS = 10  # the longest window: a movement over a whole term
MAX_FIGURE = Decimal("1000000000000")  # a figure above a trillion is a typing mistake
REPORT_DAYS = 10  # the final reports are due this many days after the end, unless set
LONG_TEXT = 20_000


@dataclass(frozen=True)
class TargetInput:
    """A target as the launcher writes it: what is counted and its unit of measure."""

    title: str
    measure: str


@dataclass(frozen=True)
class CampaignInput:
    """Everything the launch and edit forms give."""

    title: str
    kind: str
    starts_on: date | None
    ends_on: date | None
    targets: Sequence[TargetInput]
    audience: str = Audience.UNITS.value
    block_ids: Sequence[int] = ()
    unit_ids: Sequence[int] = ()
    theme: str = ""
    reports_due: date | None = None
    basis_number: str = ""
    basis_date: date | None = None
    basis_issuer: str = ""
    description: str = ""
    criteria: str = ""
    checkpoints: Sequence[date] = field(default_factory=tuple)


# --- reading -----------------------------------------------------------------------------


def targets(session: Session, campaign: Campaign) -> list[CampaignTarget]:
    """Return the campaign's targets, in order."""
    query = select(CampaignTarget).where(CampaignTarget.campaign_id == campaign.id)
    return list(session.exec(query.order_by(col(CampaignTarget.position))).all())


def checkpoints(session: Session, campaign: Campaign) -> list[CampaignCheckpoint]:
    """Return the campaign's checkpoints, by date."""
    query = select(CampaignCheckpoint).where(CampaignCheckpoint.campaign_id == campaign.id)
    return list(session.exec(query.order_by(col(CampaignCheckpoint.day))).all())


def participants(session: Session, campaign: Campaign) -> list[tuple[CampaignParticipant, Unit]]:
    """Return the participant rows with their units, in order."""
    query = (
        select(CampaignParticipant, Unit)
        .join(Unit, col(Unit.id) == CampaignParticipant.unit_id)
        .where(CampaignParticipant.campaign_id == campaign.id)
        .order_by(col(CampaignParticipant.position))
    )
    return [(p, u) for p, u in session.exec(query).all()]


def figures(
    session: Session, campaign: Campaign, kind: FigureKind, checkpoint_id: int | None = None
) -> dict[tuple[int, int], Decimal]:
    """Return the figures of one kind (and report) by (unit id, target id)."""
    query = select(CampaignFigure).where(
        CampaignFigure.campaign_id == campaign.id, CampaignFigure.kind == kind.value
    )
    if kind is FigureKind.ACHIEVED:
        query = query.where(CampaignFigure.checkpoint_id == checkpoint_id)
    return {(f.unit_id, f.target_id): f.value for f in session.exec(query).all()}


def reported_units(session: Session, campaign: Campaign, checkpoint_id: int | None) -> set[int]:
    """Return the units that reported their figures for a checkpoint (None: the final report)."""
    query = select(CampaignFigure.unit_id).where(
        CampaignFigure.campaign_id == campaign.id,
        CampaignFigure.kind == FigureKind.ACHIEVED.value,
        CampaignFigure.checkpoint_id == checkpoint_id,
    )
    return set(session.exec(query).all())


def visible_campaigns(session: Session, user: User) -> list[Campaign]:
    """Return the campaigns `user` sees, newest first (the committee sees every one)."""
    query = select(Campaign).order_by(col(Campaign.starts_on).desc(), col(Campaign.id).desc())
    if not is_committee(user):
        if user.unit_id is None or not may(session, user, Action.VIEW, unit_id=user.unit_id):
            return []
        mine = select(CampaignParticipant.campaign_id).where(
            CampaignParticipant.unit_id == user.unit_id
        )
        query = query.where((col(Campaign.unit_id) == user.unit_id) | col(Campaign.id).in_(mine))
        return list(session.exec(query).all())
    seen = councils.seen_by(session, user)  # the council's own and those below it
    return list(session.exec(query.where(col(Campaign.council_id).in_(sorted(seen)))).all())


def open_checkpoint(session: Session, campaign: Campaign) -> CampaignCheckpoint | None:
    """Return the checkpoint whose reports are being collected (the latest one opened)."""
    opened = [c for c in checkpoints(session, campaign) if c.opened_at is not None]
    return max(opened, key=lambda c: c.opened_at or datetime.min) if opened else None


def launcher_name(session: Session, campaign: Campaign) -> str:
    """Return who launched the campaign as people say it: the unit, or the council."""
    unit = session.get(Unit, campaign.unit_id or campaign.council_id or 0)
    return unit.name if unit else str(_l("The emulation and commendation council"))


def may_launch(user: User) -> bool:
    """Tell whether `user` may launch a campaign: the secretariat, or a unit's head or staff."""
    return user.has_role(Role.SECRETARIAT) or (
        user.unit_id is not None
        and (user.has_role(Role.UNIT_HEAD) or user.has_role(Role.UNIT_STAFF))
    )


def launching_unit(user: User) -> int | None:
    """Return the unit a campaign `user` launches belongs to (None: the council's)."""
    if user.has_role(Role.SECRETARIAT):
        return None
    if not may_launch(user):
        raise Forbidden(_l("Only the secretariat or a unit's people launch a campaign."))
    return user.unit_id


def own_units(session: Session, unit_id: int) -> list[Unit]:
    """Return a unit and every unit under it (its own people's campaigns), the unit first."""
    units = {u.id: u for u in session.exec(select(Unit)).all()}
    out = [units[unit_id]] if unit_id in units else []
    frontier = {unit_id}
    while frontier:
        below = [u for u in units.values() if u.parent_id in frontier and u not in out]
        out += sorted(below, key=lambda u: u.name)
        frontier = {u.id or 0 for u in below}
    return out


# --- cleaning ----------------------------------------------------------------------------


def _clean_dates(given: CampaignInput) -> tuple[date, date, date]:
    start, end = given.starts_on, given.ends_on
    if start is None:
        raise ServiceError(_l("This field is required."), "starts_on")
    if end is None:
        raise ServiceError(_l("This field is required."), "ends_on")
    if not 2000 <= start.year <= 2100:
        raise ServiceError(_l("Give a date between 2000 and 2100."), "starts_on")
    if end < start:
        raise ServiceError(_l("The end date comes on or after the start date."), "ends_on")
    if end > start + timedelta(days=366 * MAX_YEARS):
        raise ServiceError(_l("A window lasts at most %(n)d years.", n=MAX_YEARS), "ends_on")
    due = given.reports_due or end + timedelta(days=REPORT_DAYS)
    if not end <= due <= end + timedelta(days=366):
        raise ServiceError(
            _l("Reports are due on or after the end date, within a year."), "reports_due"
        )
    return start, end, due


def _clean_targets(given: Sequence[TargetInput]) -> list[TargetInput]:
    out: list[TargetInput] = []
    for i, t in enumerate(given):
        title = clean_text(t.title, f"targets-{i}-title", max_len=300, required=False)
        measure = clean_text(t.measure, f"targets-{i}-measure", max_len=50, required=False)
        if not title and not measure:
            continue
        if not title:
            raise ServiceError(_l("Name the target."), f"targets-{i}-title")
        if not measure:
            raise ServiceError(
                _l('Give its unit of measure, e.g. "người".'), f"targets-{i}-measure"
            )
        if any(o.title.casefold() == title.casefold() for o in out):
            raise ServiceError(_l("Each target is listed once."), f"targets-{i}-title")
        out.append(TargetInput(title, measure))
    if not out:
        raise ServiceError(_l("Set at least one target with its unit of measure."), "targets")
    if len(out) > MAX_TARGETS:
        raise ServiceError(_l("At most %(n)d targets.", n=MAX_TARGETS), "targets")
    return out


def _clean_checkpoints(given: Sequence[date], start: date, end: date) -> list[date]:
    days = sorted(set(given))
    if len(days) > MAX_CHECKPOINTS:
        raise ServiceError(_l("At most %(n)d checkpoints.", n=MAX_CHECKPOINTS), "checkpoints")
    if any(not start < d < end for d in days):
        raise ServiceError(
            _l("Each checkpoint falls strictly between the start and the end date."),
            "checkpoints",
        )
    return days


def _resolve_participants(
    session: Session, campaign: Campaign, given: CampaignInput, year: int
) -> list[tuple[int, int | None]]:
    """Return the participant (unit id, block id) pairs the selection names, once each: the
    launching unit's own, or the council's units and blocks."""
    unit_id, council_id = campaign.unit_id, campaign.council_id
    audience = given.audience
    if audience not in {a.value for a in Audience}:
        raise ServiceError(_l("Choose who takes part."), "audience")
    pairs: list[tuple[int, int | None]] = []
    if unit_id is not None:  # a unit's campaign: the unit and the units under it
        own = [u.id or 0 for u in own_units(session, unit_id)]
        if audience == Audience.BLOCKS.value:
            raise ServiceError(
                _l("A unit's campaign is for its own people: choose among your units."),
                "audience",
            )
        chosen = own if audience == Audience.ALL.value else list(given.unit_ids)
        if set(chosen) - set(own):
            raise ServiceError(_l("Choose among your unit and the units under it."), "unit_ids")
        pairs = [(u, None) for u in own if u in chosen]
    elif audience == Audience.UNITS.value:
        ids = list(dict.fromkeys(given.unit_ids))
        found = set(session.exec(select(Unit.id).where(
            col(Unit.id).in_(ids), Unit.council_id == council_id)).all())  # fmt: skip
        if set(ids) - found:
            raise ServiceError(_l("Every participant must be a unit of the council."),
                               "unit_ids")  # fmt: skip
        pairs = [(u, None) for u in ids]
    else:
        wanted = list(dict.fromkeys(given.block_ids))
        if audience == Audience.BLOCKS.value and not wanted:
            raise ServiceError(_l("Choose at least one block."), "block_ids")
        years = directory.block_years(session, year=year, councils=[council_id or 0])
        known = {b.block.id for b in years}
        if set(wanted) - known:
            raise ServiceError(
                _l("Choose blocks that have members in %(year)d.", year=year), "block_ids"
            )
        if audience == Audience.BLOCKS.value:
            years = [b for b in years if b.block.id in wanted]
            years.sort(key=lambda b: wanted.index(b.block.id or 0))
        seen: set[int] = set()
        for by in years:
            for unit, _position in by.members:
                if unit.id not in seen:
                    seen.add(unit.id or 0)
                    pairs.append((unit.id or 0, by.block.id))
    if not pairs:
        field_name = "unit_ids" if audience == Audience.UNITS.value else "audience"
        raise ServiceError(_l("Name at least one participant."), field_name)
    return pairs


# --- launching and editing -----------------------------------------------------------------


def _apply(session: Session, campaign: Campaign, given: CampaignInput) -> list[date]:
    """Clean `given` onto the campaign row; return the checkpoint dates."""
    if given.kind not in {k.value for k in CampaignKind}:
        raise ServiceError(_l("Choose a movement or a campaign."), "kind")
    start, end, due = _clean_dates(given)
    campaign.kind = given.kind
    campaign.title = clean_text(given.title, "title", max_len=300)
    campaign.theme = clean_text(given.theme, "theme", max_len=300, required=False)
    campaign.starts_on, campaign.ends_on, campaign.reports_due = start, end, due
    campaign.basis_number = clean_text(given.basis_number, "basis_number", max_len=100,
                                       required=False)  # fmt: skip
    campaign.basis_issuer = clean_text(given.basis_issuer, "basis_issuer", max_len=300,
                                       required=False)  # fmt: skip
    if given.basis_date is not None and not 2000 <= given.basis_date.year <= 2100:
        raise ServiceError(_l("Give a date between 2000 and 2100."), "basis_date")
    campaign.basis_date = given.basis_date
    campaign.description = clean_text(given.description, "description", max_len=LONG_TEXT,
                                      required=False)  # fmt: skip
    campaign.criteria = clean_text(given.criteria, "criteria", max_len=LONG_TEXT,
                                   required=False)  # fmt: skip
    campaign.audience = given.audience
    campaign.block_ids = list(dict.fromkeys(given.block_ids)) if given.audience == "blocks" else []
    return _clean_checkpoints(given.checkpoints, start, end)


def _replace(session: Session, campaign: Campaign, given: CampaignInput, days: list[date],
             pairs: list[tuple[int, int | None]], tgts: list[TargetInput]) -> None:  # fmt: skip
    """Write the campaign's targets, checkpoints and participants anew (a draft has no figure)."""
    for model in (CampaignTarget, CampaignCheckpoint, CampaignParticipant):
        for row in session.exec(select(model).where(model.campaign_id == campaign.id)).all():
            session.delete(row)
    session.flush()
    cid = campaign.id or 0
    session.add_all([CampaignTarget(campaign_id=cid, position=i, title=t.title, measure=t.measure)
                     for i, t in enumerate(tgts)])  # fmt: skip
    session.add_all([CampaignCheckpoint(campaign_id=cid, day=d) for d in days])
    session.add_all([CampaignParticipant(campaign_id=cid, unit_id=u, block_id=b, position=i)
                     for i, (u, b) in enumerate(pairs)])  # fmt: skip
    session.flush()


def _data(session: Session, campaign: Campaign) -> dict[str, object]:
    """Return the instance data the workflow reads: participants and the window's dates."""
    return {
        "participants": participant_ids(session, campaign),
        # the window opens at the start of its first day where the installation is
        "starts_at": datetime.combine(
            campaign.starts_on, time.min, tzinfo=formats.zone(installation.zone(session))
        ).isoformat(),
        "ends_at": campaign.ends_on.isoformat(),
        "reports_due": campaign.reports_due.isoformat(),
    }


@transactional
def launch(session: Session, engine: Engine, *, user: User, given: CampaignInput) -> Campaign:
    """Launch a campaign as a draft: the council's (secretariat) or the user's unit's."""
    unit_id = launching_unit(user)
    council_id = (councils.of_user(session, user) if unit_id is None
                  else councils.of_unit(session, unit_id))  # fmt: skip
    campaign = Campaign(unit_id=unit_id, council_id=council_id, title="", starts_on=date.min,
                        ends_on=date.min, reports_due=date.min,
                        created_by_user_id=user.id)  # fmt: skip
    days = _apply(session, campaign, given)
    tgts = _clean_targets(given.targets)
    pairs = _resolve_participants(session, campaign, given, campaign.year)
    session.add(campaign)
    session.flush()
    _replace(session, campaign, given, days, pairs, tgts)
    subjects.start(session, engine, campaign, user, _data(session, campaign))
    return campaign


def _check_launcher(session: Session, user: User, campaign: Campaign) -> None:
    if campaign.unit_id is None:
        allowed = user.has_role(Role.SECRETARIAT) and acts_in(session, user, campaign.council_id)
    else:
        allowed = user.unit_id == campaign.unit_id and may(
            session, user, Action.ACT, unit_id=campaign.unit_id
        )
    if not allowed:
        raise Forbidden(_l("Only the launcher changes the campaign."))


def is_launcher(session: Session, user: User, campaign: Campaign) -> bool:
    """Tell whether `user` acts for the campaign's launcher (the secretariat, or its unit)."""
    try:
        _check_launcher(session, user, campaign)
    except Forbidden:
        return False
    return True


@transactional
def update(
    session: Session, engine: Engine, *, user: User, campaign: Campaign, given: CampaignInput
) -> Campaign:
    """Change a draft campaign (its launcher): text, window, participants, targets."""
    _check_launcher(session, user, campaign)
    if subjects.state(session, campaign) not in engine.tagged(WORKFLOW, "editable"):
        raise ServiceError(_l("The campaign can be changed only as a draft."))
    days = _apply(session, campaign, given)
    tgts = _clean_targets(given.targets)
    pairs = _resolve_participants(session, campaign, given, campaign.year)
    campaign.updated_at = utcnow()
    session.add(campaign)
    _replace(session, campaign, given, days, pairs, tgts)
    return campaign


def open_registration(
    session: Session,
    engine: Engine,
    *,
    user: User,
    campaign: Campaign,
    expected_version: int | None = None,
) -> FireResult:
    """Open registration to every participant, with the participants and dates as they are."""
    return subjects.fire(session, engine, user=user, subject=campaign,
                         trigger="open_registration", data=_data(session, campaign),
                         expected_version=expected_version)  # fmt: skip


def act(
    session: Session,
    engine: Engine,
    *,
    user: User,
    campaign: Campaign,
    trigger: str,
    reason: str = "",
    expected_version: int | None = None,
) -> FireResult:
    """Start now, end the window, close or cancel (a reason where the step asks for one)."""
    return subjects.fire_with_reason(session, engine, user=user, subject=campaign, trigger=trigger,
                                     reason=reason, expected_version=expected_version)  # fmt: skip


# --- registering and reporting ---------------------------------------------------------------


def clean_figure(raw: object, field_name: str) -> Decimal:
    """Return a figure people typed as a number between 0 and a trillion, or refuse it."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise ServiceError(_l("Give a figure (0 when none)."), field_name)
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip().replace(" ", ""))
    except InvalidOperation:
        raise ServiceError(_l("Give a number."), field_name) from None
    if not value.is_finite():
        raise ServiceError(_l("Give a number."), field_name)
    if value < 0:
        raise ServiceError(_l("A figure is never negative."), field_name)
    if value > MAX_FIGURE:
        raise ServiceError(_l("That figure is too large to be true."), field_name)
    if value != value.quantize(Decimal("0.01")):
        raise ServiceError(_l("At most two decimals."), field_name)
    return value


def _own_row(session: Session, user: User, campaign: Campaign) -> CampaignParticipant:
    row = None
    if user.unit_id is not None and is_participant(session, user, campaign):
        row = session.exec(select(CampaignParticipant).where(
            CampaignParticipant.campaign_id == campaign.id,
            CampaignParticipant.unit_id == user.unit_id)).first()  # fmt: skip
    if row is None:
        raise Forbidden(_l("Only a participant unit's people register and report for it."))
    return row


def _store(
    session: Session,
    user: User,
    campaign: Campaign,
    kind: FigureKind,
    given: Mapping[int, object],
    checkpoint_id: int | None = None,
) -> dict[str, str]:
    """Check and store one figure per target for the user's unit; return them for the audit."""
    values = {t.id or 0: clean_figure(given.get(t.id or 0), f"t{t.id}")
              for t in targets(session, campaign)}  # fmt: skip
    if kind is FigureKind.REGISTERED and not any(values.values()):
        first = next(iter(values), 0)
        raise ServiceError(_l("Register a figure above zero for at least one target."), f"t{first}")
    now = utcnow()
    for target_id, value in values.items():
        session.add(CampaignFigure(campaign_id=campaign.id or 0, unit_id=user.unit_id or 0,
                                   target_id=target_id, kind=kind.value,
                                   checkpoint_id=checkpoint_id, value=value, user_id=user.id,
                                   created_at=now))  # fmt: skip
    session.flush()
    return {str(t): str(v) for t, v in values.items()}


@transactional
def register(
    session: Session,
    engine: Engine,
    *,
    user: User,
    campaign: Campaign,
    given: Mapping[int, object],
) -> FireResult:
    """Register the user's unit's own figure for every target (once, while registration is open)."""
    row = _own_row(session, user, campaign)
    if subjects.state(session, campaign) not in engine.tagged(WORKFLOW, "registering"):
        raise ServiceError(_l("Registration is not open."))
    if row.registered_at is not None:
        raise ServiceError(_l("Your unit has already registered."))
    stored = _store(session, user, campaign, FigureKind.REGISTERED, given)
    result = subjects.fire(session, engine, user=user, subject=campaign, trigger="register",
                           data={"figures": stored})  # fmt: skip
    row.registered_at = utcnow()
    session.add(row)
    return result


@transactional
def report(
    session: Session,
    engine: Engine,
    *,
    user: User,
    campaign: Campaign,
    given: Mapping[int, object],
) -> FireResult:
    """Report what the user's unit achieved per target: at the open checkpoint or at the end."""
    row = _own_row(session, user, campaign)
    state = subjects.state(session, campaign)
    if state not in engine.tagged(WORKFLOW, "reporting"):
        raise ServiceError(_l("Reports are not being collected now."))
    if row.registered_at is None:
        raise ServiceError(_l("Your unit did not register: it has nothing to report."))
    point = open_checkpoint(session, campaign) if state in engine.tagged(
        WORKFLOW, "checkpoint") else None  # fmt: skip
    checkpoint_id = point.id if point is not None else None
    if (user.unit_id or 0) in reported_units(session, campaign, checkpoint_id):
        raise ServiceError(_l("Your unit has already reported."))
    stored = _store(session, user, campaign, FigureKind.ACHIEVED, given, checkpoint_id)
    data: dict[str, object] = {"figures": stored}
    if point is not None:
        data["checkpoint"] = point.day.isoformat()
    result = subjects.fire(session, engine, user=user, subject=campaign, trigger="report",
                           data=data)  # fmt: skip
    if point is None:
        row.reported_at = utcnow()
        session.add(row)
    return result


# --- checkpoints (the tick job) --------------------------------------------------------------


def due_checkpoint(session: Session, campaign: Campaign, today: date) -> CampaignCheckpoint | None:
    """Return the checkpoint to open now: the latest one due, unless it was opened already."""
    due = [c for c in checkpoints(session, campaign) if c.day <= today]
    return due[-1] if due and due[-1].opened_at is None else None


def open_due_checkpoints(session: Session, engine: Engine, now: datetime) -> int:
    """Open the reports of every running campaign whose checkpoint came (idempotent); count them.

    Each campaign is its own unit of work; one that another tick opened meanwhile is skipped.
    """
    running = engine.tagged(WORKFLOW, "running") - engine.tagged(WORKFLOW, "checkpoint")
    query = (
        select(Campaign)
        .join(WfInstance, col(WfInstance.id) == Campaign.instance_id)
        .where(col(WfInstance.state).in_(running))
        .order_by(col(Campaign.id))
    )
    opened = 0
    for campaign in session.exec(query).all():
        point = due_checkpoint(session, campaign, now.date())
        if point is None:
            continue
        try:
            with unit_of_work(session):
                point.opened_at = now
                session.add(point)
                subjects.fire(session, engine, user=None, subject=campaign,
                              trigger="checkpoint_opens")  # fmt: skip
        except WorkflowError:
            continue
        opened += 1
    return opened

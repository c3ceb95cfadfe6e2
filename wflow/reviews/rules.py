"""The review workflow's guards, effects and timer job (`workflows/review.yaml`).

`open_due_reviews` runs at every `wflow tick`: for each pact in force it opens, once, one
review per member unit for every period of the plan whose opening day (due date minus the
plan's `review_open_days`) has come. The reviewer is chosen by the plan's `grading` rule:
the block's leading unit (its own review graded by the deputy), or a rotation of the member
units (`cross`); a unit never grades itself.
"""

from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exc as sa_exc
from sqlmodel import Session, col, select

from wflow.core import installation, subjects
from wflow.core import workflow as wf
from wflow.core.errors import ServiceError
from wflow.core.uow import unit_of_work
from wflow.engine import FireContext, Registry, Scope, WfInstance
from wflow.org.models import BlockMembership, Position, Unit
from wflow.pacts.models import Pact
from wflow.pacts.subject import PACT
from wflow.plans.models import Criterion, Plan, Registration, RegistrationTarget
from wflow.reviews.models import PERIOD_ORDER, Review, ReviewScore
from wflow.reviews.subject import REVIEW

if TYPE_CHECKING:
    from wflow.engine import Engine

log = logging.getLogger(__name__)

WORKFLOW = "review"
DEFAULT_OPEN_DAYS = 30
_NUMBER = re.compile(r"\d[\d.,\s]*")
_ZERO = Decimal(0)


class NoReviewer(ServiceError):
    """The block's data leaves a unit without anyone else to grade it."""

    status = 409


# --- dates and reviewers -------------------------------------------------------------------


def due_date(year: int, month_day: str) -> date:
    """Return the due date "MM-DD" in `year` (a day past the month's end is its last day)."""
    month, day = (int(x) for x in month_day.split("-"))
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def periods_of(plan: Plan) -> list[tuple[str, str]]:
    """Return the plan's review periods and their due dates (MM-DD), in the order of the year."""
    held: dict[str, str] = dict(plan.rules.get("reviews") or {})
    return sorted(held.items(), key=lambda kv: PERIOD_ORDER.get(kv[0], 9))


def open_days(plan: Plan) -> int:
    """Return how many days before its due date a review of the plan opens."""
    try:
        return int(plan.rules.get("review_open_days", DEFAULT_OPEN_DAYS))
    except (TypeError, ValueError):
        return DEFAULT_OPEN_DAYS


def members_of(session: Session, block_id: int, year: int) -> list[tuple[int, str]]:
    """Return the block's member units in `year` as (unit id, position), by unit id."""
    query = select(BlockMembership.unit_id, BlockMembership.position).where(
        BlockMembership.block_id == block_id, BlockMembership.year == year
    )
    return sorted((int(u), str(p)) for u, p in session.exec(query).all())


def reviewer_for(members: list[tuple[int, str]], unit_id: int, period: str, grading: str) -> int:
    """Return the unit that grades `unit_id`'s review of `period` (never the unit itself).

    `leader`: the leading unit grades every review; its own is graded by the deputy, or
    without one by the next unit by id. `cross` (or no leader): member units sorted by id,
    unit i graded by unit (i + p) mod n for the period's place p, one further if that is i.
    """
    ids = [u for u, _pos in members]
    if unit_id not in ids or len(ids) < 2:
        raise NoReviewer(
            _l("A review needs another member unit of the block to grade it."), "reviewer"
        )
    i, n = ids.index(unit_id), len(ids)
    if grading != "cross":
        leader = next((u for u, pos in members if pos == Position.LEADER.value), None)
        deputy = next((u for u, pos in members if pos == Position.DEPUTY.value), None)
        if leader is not None and leader != unit_id:
            return leader
        if leader == unit_id:
            return deputy if deputy is not None and deputy != unit_id else ids[(i + 1) % n]
    step = PERIOD_ORDER.get(period, 1)
    j = (i + step) % n
    if j == i:
        j = (j + 1) % n
    return ids[j]


def first_number(text: str) -> Decimal | None:
    """Return the first number written in a target ("≥ 1.200 hội viên" -> 1200), or None."""
    found = _NUMBER.search(text or "")
    if not found:
        return None
    raw = re.sub(r"\s", "", found.group(0)).rstrip(".,")
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", raw) and not re.fullmatch(r"\d+[.,]\d{1,2}", raw):
        raw = re.sub(r"[.,]", "", raw)  # thousands separators: 1.200 or 1,200
    else:
        raw = raw.replace(",", ".")
        if raw.count(".") > 1:
            raw = raw.replace(".", "")
    try:
        value = Decimal(raw)
    except ArithmeticError:
        return None
    return value if value.is_finite() and value < Decimal("1e12") else None


# --- the timer job -------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """A review that should exist: the pact, plan, unit, year, period and its due date."""

    pact: Pact
    plan: Plan
    unit_id: int
    year: int
    period: str
    due: date


def pacts_in_force(session: Session) -> list[Pact]:
    """Return every pact whose workflow is in force."""
    query = (
        select(Pact)
        .join(WfInstance, col(WfInstance.id) == Pact.instance_id)
        .where(
            WfInstance.workflow == PACT.workflow,
            col(WfInstance.state).in_(subjects.tagged(session, PACT, "in_force")),
        )
        .order_by(col(Pact.id))
    )
    return list(session.exec(query).all())


def due_reviews(session: Session, today: date) -> list[Due]:
    """Return the reviews whose opening day has come and which do not exist yet.

    A review that opens after its due date (the pact came into force later) is due
    `review_open_days` after it opens.
    """
    out: list[Due] = []
    for pact in pacts_in_force(session):
        plan = session.get(Plan, pact.plan_id)
        if plan is None:
            continue
        days = open_days(plan)
        existing = {
            (u, y, p)
            for u, y, p in session.exec(
                select(Review.unit_id, Review.year, Review.period).where(Review.pact_id == pact.id)
            ).all()
        }
        for year in range(pact.year, min(pact.year_end, today.year + 1) + 1):
            members = members_of(session, pact.block_id, year)
            for period, month_day in periods_of(plan):
                due = due_date(year, month_day)
                if due - timedelta(days=days) > today:
                    continue
                if due < today:  # the pact came into force after the due date: nobody
                    due = today + timedelta(days=days)  # is late the day it opens
                out.extend(
                    Due(pact, plan, unit_id, year, period, due)
                    for unit_id, _pos in members
                    if (unit_id, year, period) not in existing
                )
    return out


def _targets(session: Session, plan_id: int, unit_id: int, year: int) -> dict[int, Decimal | None]:
    query = (
        select(RegistrationTarget.criterion_id, RegistrationTarget.target)
        .join(Registration, col(Registration.id) == RegistrationTarget.registration_id)
        .where(
            Registration.plan_id == plan_id,
            Registration.unit_id == unit_id,
            Registration.year == year,
        )
    )
    return {cid: first_number(text) for cid, text in session.exec(query).all()}


def _insert_once(session: Session, review: Review) -> bool:
    """Insert the review unless another process did (unique pact, unit, year, period).

    On PostgreSQL the insert runs in a savepoint (a concurrent insert waits, then fails);
    SQLite serialises writers: there the IntegrityError ends the caller's unit of work, which
    holds this review only.
    """
    if session.get_bind().dialect.name != "postgresql":
        session.add(review)
        session.flush()
        return True
    try:
        with session.begin_nested():
            session.add(review)
            session.flush()
    except sa_exc.IntegrityError:
        return False
    return True


def open_review(session: Session, engine: Engine, item: Due, reviewer_unit_id: int) -> int | None:
    """Create one review with its score rows and start its workflow (not committed).

    Returns the instance id, or None when another process opened the same review first
    (the unique constraint, checked inside a savepoint).
    """
    review = Review(
        pact_id=item.pact.id or 0, plan_id=item.plan.id or 0, block_id=item.pact.block_id,
        unit_id=item.unit_id, year=item.year, period=item.period, due_date=item.due,
        reviewer_unit_id=reviewer_unit_id,
    )  # fmt: skip
    if not _insert_once(session, review):
        return None
    targets = _targets(session, item.plan.id or 0, item.unit_id, item.year)
    criteria = session.exec(
        select(Criterion.id).where(Criterion.plan_id == item.plan.id).order_by(col(Criterion.id))
    ).all()
    for cid in criteria:
        session.add(ReviewScore(review_id=review.id or 0, criterion_id=cid or 0,
                                target_value=targets.get(cid or 0)))  # fmt: skip
    scope = Scope("review", review.id or 0, unit_id=item.unit_id, block_id=item.pact.block_id,
                  year=item.year)  # fmt: skip
    data = {"due_date": item.due.isoformat(), "reviewer_unit_id": reviewer_unit_id}
    review.instance_id = wf.start(session, engine, WORKFLOW, scope, None, data)
    session.add(review)
    session.flush()
    return review.instance_id


def open_due_reviews(session: Session, now: datetime, engine: Engine | None = None) -> int:
    """Open every review whose opening day has come (idempotent); return how many opened.

    Each review is committed on its own, so a unit's review never waits for a whole block;
    a block whose data gives a unit no reviewer is skipped with a warning.
    """
    engine = engine or installation.workflows_of(session)
    opened = 0
    for item in due_reviews(session, now.date()):
        grading = str(item.plan.rules.get("grading", "leader"))
        try:
            reviewer = reviewer_for(
                members_of(session, item.pact.block_id, item.year), item.unit_id, item.period,
                grading,
            )  # fmt: skip
        except NoReviewer:
            log.warning("review of unit %s (block %s, %s %s) has no reviewer: not opened",
                        item.unit_id, item.pact.block_id, item.year, item.period)  # fmt: skip
            continue
        try:
            with unit_of_work(session):
                instance_id = open_review(session, engine, item, reviewer)
        except sa_exc.IntegrityError:  # SQLite: another process opened it first
            continue
        opened += instance_id is not None
    return opened


# --- guards and effects --------------------------------------------------------------------


def review_of(ctx: FireContext) -> Review:
    """Return the review an instance is about."""
    session: Session = ctx.session  # type: ignore[assignment]
    review = session.get(Review, ctx.scope.subject_id)
    if review is None:
        raise LookupError(f"review {ctx.scope.subject_id} of instance {ctx.instance_id} is missing")
    return review


def _rows(ctx: FireContext) -> list[tuple[ReviewScore, Criterion]]:
    session: Session = ctx.session  # type: ignore[assignment]
    query = (
        select(ReviewScore, Criterion)
        .join(Criterion, col(Criterion.id) == ReviewScore.criterion_id)
        .where(ReviewScore.review_id == ctx.scope.subject_id)
        .order_by(col(Criterion.position), col(Criterion.id))
    )
    return [(s, c) for s, c in session.exec(query).all()]


def _codes(codes: Iterable[str]) -> str:
    return ", ".join(codes)


def all_scored(ctx: FireContext) -> bool | str:
    """Pass when the unit gave a self score for every criterion."""
    missing = [c.code for s, c in _rows(ctx) if s.self_score is None]
    if missing:
        return str(_l("Score every criterion before submitting; not scored: %(codes)s.",
                      codes=_codes(missing)))  # fmt: skip
    return True


def all_graded(ctx: FireContext) -> bool | str:
    """Pass when the reviewer gave a score for every criterion."""
    missing = [c.code for s, c in _rows(ctx) if s.score is None]
    if missing:
        return str(_l("Grade every criterion before accepting; not graded: %(codes)s.",
                      codes=_codes(missing)))  # fmt: skip
    return True


def _sum(values: Iterable[Decimal | None]) -> Decimal:
    return sum((Decimal(v) for v in values if v is not None), _ZERO).quantize(Decimal("0.01"))


def record_submission(ctx: FireContext) -> None:
    """Date the submission, total the self scores; the first submission decides lateness.

    A review is late when it is first submitted from an `overdue` state or after its due date;
    it then carries the plan's `late_report_penalty`. A resubmission after a return is never
    late: the unit answers the reviewer, not the calendar.
    """
    session: Session = ctx.session  # type: ignore[assignment]
    review = review_of(ctx)
    rows = _rows(ctx)
    first = review.submitted_at is None
    review.submitted_at = review.updated_at = ctx.now
    review.self_total = _sum(s.self_score for s, _c in rows) + _sum(s.self_bonus for s, _c in rows)
    overdue = ctx.state in subjects.tagged(session, REVIEW, "overdue")
    late = installation.local_date(session, ctx.now) > review.due_date  # ends at local midnight
    if first and (overdue or late):
        plan = session.get(Plan, review.plan_id)
        penalty = str((plan.rules if plan else {}).get("late_report_penalty", "0"))
        review.late, review.penalty = True, Decimal(penalty).quantize(Decimal("0.01"))
    session.add(review)
    session.flush()


def record_acceptance(ctx: FireContext) -> None:
    """Total the reviewer's scores and bonus; final = max(0, score + bonus - penalty)."""
    session: Session = ctx.session  # type: ignore[assignment]
    review = review_of(ctx)
    rows = _rows(ctx)
    review.score_total = _sum(s.score for s, _c in rows)
    review.bonus_total = _sum(s.bonus for s, _c in rows)
    final = review.score_total + review.bonus_total - Decimal(review.penalty or 0)
    review.final_total = max(_ZERO, final).quantize(Decimal("0.01"))
    review.accepted_at = review.updated_at = ctx.now
    session.add(review)
    session.flush()


def record_lock(ctx: FireContext) -> None:
    """Date the publication of the review's results."""
    session: Session = ctx.session  # type: ignore[assignment]
    review = review_of(ctx)
    review.locked_at = review.updated_at = ctx.now
    session.add(review)
    session.flush()


def not_own_unit(ctx: FireContext) -> bool | str:
    """Pass unless the actor acts for the reviewed unit itself (a unit never grades itself)."""
    if ctx.actor.unit_id is not None and ctx.actor.unit_id == ctx.scope.unit_id:
        return str(_l("A unit never grades its own review."))
    return True


def period_accepted(ctx: FireContext) -> bool | str:
    """Pass when every review of the block's period is accepted (results are published whole)."""
    session: Session = ctx.session  # type: ignore[assignment]
    review = review_of(ctx)
    query = (
        select(Unit.name, WfInstance.state)
        .join(Review, col(Review.unit_id) == Unit.id)
        .join(WfInstance, col(WfInstance.id) == Review.instance_id)
        .where(
            Review.block_id == review.block_id,
            Review.year == review.year,
            Review.period == review.period,
        )
    )
    done = subjects.tagged(session, REVIEW, "done")
    waiting = sorted(name for name, state in session.exec(query).all() if state not in done)
    if waiting:
        return str(_l("Not every review is accepted yet: %(units)s.", units=", ".join(waiting)))
    return True


def register(reg: Registry) -> None:
    """Register the review workflow's guards, effects and the job that opens due reviews."""
    reg.guard("all_scored")(all_scored)
    reg.guard("all_graded")(all_graded)
    reg.guard("not_own_unit")(not_own_unit)
    reg.guard("period_accepted")(period_accepted)
    reg.effect("record_submission")(record_submission)
    reg.effect("record_acceptance")(record_acceptance)
    reg.effect("record_lock")(record_lock)

    @reg.on_tick
    def _open(session: Any, now: datetime) -> int:
        if installation.maybe(session) is None:  # the engine run without the app (its tests)
            return 0
        return open_due_reviews(session, now)

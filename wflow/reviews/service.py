"""Verbs on periodic reviews: self-assess, attach evidence, grade, move on, publish a period.

A review is opened by `wflow tick` (`review_rules.open_due_reviews`). The reviewed unit's
head or staff write its figures, self scores and evidence while it is open, overdue or
returned; its head submits. The reviewing unit (the block leader or a cross-grading unit,
never the unit itself) grades while the review is under review, then returns it with a
reason or accepts it. Publishing a period's results locks every accepted review of it.
Scores outside their criterion's limits are refused, never clamped.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.clock import utcnow
from wflow.core import subjects
from wflow.core import workflow as wf
from wflow.core.access import Action, may
from wflow.core.errors import Conflict, Forbidden, NotFound, ServiceError
from wflow.core.uow import transactional
from wflow.engine import Engine, FireResult, WfInstance
from wflow.org.models import Role, Unit, User
from wflow.org.service import clean_text
from wflow.plans.models import Criterion, CriterionGroup
from wflow.plans.text import REVIEW_PERIOD_LABELS
from wflow.reviews import evidence as files
from wflow.reviews import rules as review_rules
from wflow.reviews.models import PERIOD_ORDER, Review, ReviewEvidence, ReviewScore
from wflow.reviews.subject import acts_for

EDITABLE = frozenset({"open", "late", "returned"})  # the unit writes its assessment
GRADING = frozenset({"under_review"})  # the reviewer writes scores
DONE = review_rules.DONE  # results count; nothing changes any more
UNIT_TRIGGERS = ("submit", "resubmit")
REVIEWER_TRIGGERS = ("start_review", "return_review", "accept")
PERIOD_LABELS = REVIEW_PERIOD_LABELS
CENT = Decimal("0.01")
MAX_FIGURE = Decimal("1e12")


class ScoreErrors(ServiceError):
    """Problems in a score sheet, one message per field (named `<column>-<criterion id>`)."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.fields = dict(problems)


@dataclass(frozen=True)
class SelfInput:
    """The unit's entry for one criterion: figures achieved, self score, bonus, note."""

    criterion_id: int
    achieved: str = ""
    achieved_value: Any = None
    self_score: Any = None
    self_bonus: Any = None
    self_note: str = ""


@dataclass(frozen=True)
class GradeInput:
    """The reviewer's entry for one criterion: score, bonus, note."""

    criterion_id: int
    score: Any = None
    bonus: Any = None
    note: str = ""


Row = TypeVar("Row", SelfInput, GradeInput)
Problems = dict[str, str]  # form field -> message


# --- state and access ----------------------------------------------------------------------


def _locked_state(session: Session, review: Review) -> str:
    """Return the state with the instance row locked until commit (PostgreSQL)."""
    query = select(WfInstance.state).where(WfInstance.id == review.instance_id).with_for_update()
    got = session.exec(query).first()
    if got is None:
        raise NotFound(_l("This review has no workflow."))
    return got


def is_reviewer(session: Session, user: User, review: Review) -> bool:
    """Tell whether `user` acts for the review's grading unit (never the unit itself)."""
    return review.reviewer_unit_id != review.unit_id and acts_for(
        session, user, review.reviewer_unit_id
    )


def may_publish(session: Session, user: User, block_id: int, year: int) -> bool:
    """Tell whether `user` may publish the block's results: its leader, the secretariat."""
    return user.is_active and (
        user.has_role(Role.SECRETARIAT)
        or may(session, user, Action.ACT, block_id=block_id, year=year)
    )


def _refuse_done(state: str) -> None:
    if state == "locked":
        raise Conflict(
            _l("The results of this review are published and locked: nothing can change.")
        )
    if state == "accepted":
        raise Conflict(_l("This review is accepted: nothing can change."))


def check_unit_state(state: str) -> None:
    """Refuse (409) unless the unit may change its self-assessment in `state`."""
    _refuse_done(state)
    if state not in EDITABLE:
        raise Conflict(
            _l("The self-assessment can be changed only while the review is open or returned.")
        )


def check_grading_state(state: str) -> None:
    """Refuse (409) unless the reviewer may change the grading in `state`."""
    _refuse_done(state)
    if state not in GRADING:
        raise Conflict(
            _l("Start grading first: scores are given while the review is under review.")
        )


def _ensure_unit_edits(session: Session, user: User, review: Review) -> str:
    if not acts_for(session, user, review.unit_id):
        raise Forbidden(_l("Only the reviewed unit writes its self-assessment."))
    state = _locked_state(session, review)
    check_unit_state(state)
    return state


def _ensure_reviewer_grades(session: Session, user: User, review: Review) -> str:
    if user.unit_id is not None and user.unit_id == review.unit_id:
        raise Forbidden(_l("A unit never grades its own review."))
    if not is_reviewer(session, user, review):
        raise Forbidden(_l("Only the unit assigned to grade this review may do this."))
    state = _locked_state(session, review)
    check_grading_state(state)
    return state


# --- numbers -------------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal | str | None:
    """Return the number written (comma or dot), None when empty, "" when not a number."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = Decimal(str(value))
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "")
        if not text:
            return None
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:
            return ""
    return number if number.is_finite() else ""


def _fmt(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


def _points(value: Any, code: str, limit: Decimal, what: str, problems: dict[str, str],
            field: str) -> Decimal | None:  # fmt: skip
    """Check a score or bonus against [0, limit]; record the problem and return None if bad."""
    number = _decimal(value)
    if number is None:
        return None
    if number == "":
        problems[field] = str(_l("%(code)s: the %(what)s must be a number.", code=code, what=what))
        return None
    assert isinstance(number, Decimal)
    if number < 0:
        problems[field] = str(
            _l("%(code)s: the %(what)s cannot be negative.", code=code, what=what)
        )
    elif number != number.quantize(CENT):
        problems[field] = str(
            _l("%(code)s: the %(what)s takes at most two decimals.", code=code, what=what)
        )
    elif number > limit:
        problems[field] = str(
            _l("%(code)s: the %(what)s is at most %(max)s (given %(given)s).",
               code=code, what=what, max=_fmt(limit), given=_fmt(number))
        )  # fmt: skip
    else:
        return number.quantize(CENT)
    return None


def _figure(value: Any, code: str, problems: dict[str, str], field: str) -> Decimal | None:
    number = _decimal(value)
    if number is None:
        return None
    if number == "" or not isinstance(number, Decimal):
        problems[field] = str(_l("%(code)s: the figure achieved must be a number.", code=code))
        return None
    if number < 0 or number >= MAX_FIGURE or number != number.quantize(CENT):
        problems[field] = str(
            _l("%(code)s: give the figure achieved as a positive number with at most two "
               "decimals.", code=code)
        )  # fmt: skip
        return None
    return number.quantize(CENT)


def _text(value: str | None, code: str, max_len: int, problems: dict[str, str],
          field: str) -> str:  # fmt: skip
    try:
        return clean_text(value, field, max_len=max_len, required=False)
    except ServiceError as exc:
        problems[field] = f"{code}: {exc.message}"
        return ""


def _sheet(session: Session, review: Review) -> dict[int, tuple[ReviewScore, Criterion]]:
    query = (
        select(ReviewScore, Criterion)
        .join(Criterion, col(Criterion.id) == ReviewScore.criterion_id)
        .where(ReviewScore.review_id == review.id)
    )
    return {c.id or 0: (s, c) for s, c in session.exec(query).all()}


def _unknown(rows: Iterable[Any], sheet: Mapping[int, Any]) -> None:
    for row in rows:
        if row.criterion_id not in sheet:
            raise ServiceError(
                _l("Criterion %(id)s is not part of this review.", id=row.criterion_id), "rows"
            )


# --- writing -------------------------------------------------------------------------------


@transactional
def _save_sheet(
    session: Session,
    review: Review,
    rows: Sequence[Row],
    check: Callable[[], object],
    fill: Callable[[ReviewScore, Criterion, Row, Problems], None],
) -> None:
    """Check who may write, fill every row's score (collecting problems), all or nothing."""
    check()
    sheet = _sheet(session, review)
    _unknown(rows, sheet)
    problems: Problems = {}
    for row in rows:
        score, crit = sheet[row.criterion_id]
        fill(score, crit, row, problems)
        session.add(score)
    if problems:
        raise ScoreErrors(problems)
    review.updated_at = utcnow()
    session.add(review)


def assess(session: Session, *, user: User, review: Review, rows: Sequence[SelfInput]) -> None:
    """Save the unit's figures, self scores, bonuses and notes (all or nothing).

    A self score is within [0, the criterion's max points]; a bonus within [0, its max bonus].
    Scores may be left empty while drafting: submitting needs every criterion scored.
    """

    def fill(score: ReviewScore, crit: Criterion, row: SelfInput, problems: Problems) -> None:
        cid, code = crit.id, crit.code
        score.achieved = _text(row.achieved, code, 1000, problems, f"achieved-{cid}")
        score.achieved_value = _figure(row.achieved_value, code, problems,
                                       f"achieved_value-{cid}")  # fmt: skip
        score.self_score = _points(row.self_score, code, crit.max_points, str(_l("self score")),
                                   problems, f"self_score-{cid}")  # fmt: skip
        bonus = _points(row.self_bonus, code, crit.max_bonus, str(_l("bonus")), problems,
                        f"self_bonus-{cid}")  # fmt: skip
        score.self_bonus = bonus if bonus is not None else Decimal(0)
        score.self_note = _text(row.self_note, code, 5000, problems, f"self_note-{cid}")

    _save_sheet(session, review, rows, lambda: _ensure_unit_edits(session, user, review), fill)


def grade(session: Session, *, user: User, review: Review, rows: Sequence[GradeInput]) -> None:
    """Save the reviewer's scores, bonuses and notes (all or nothing), within the same limits."""

    def fill(score: ReviewScore, crit: Criterion, row: GradeInput, problems: Problems) -> None:
        cid, code = crit.id, crit.code
        score.score = _points(row.score, code, crit.max_points, str(_l("score")), problems,
                              f"score-{cid}")  # fmt: skip
        score.bonus = _points(row.bonus, code, crit.max_bonus, str(_l("bonus")), problems,
                              f"bonus-{cid}")  # fmt: skip
        score.note = _text(row.note, code, 5000, problems, f"note-{cid}")

    _save_sheet(session, review, rows, lambda: _ensure_reviewer_grades(session, user, review), fill)


@transactional
def add_evidence(
    session: Session,
    *,
    user: User,
    review: Review,
    filename: str,
    data: bytes,
    criterion_id: int | None = None,
) -> ReviewEvidence:
    """Attach an evidence file (type told by its content) while the unit may edit."""
    _ensure_unit_edits(session, user, review)
    name = files.clean_filename(filename)
    kind = files.check(data, name, files.max_bytes(session))
    if criterion_id is not None and criterion_id not in _sheet(session, review):
        raise ServiceError(
            _l("Criterion %(id)s is not part of this review.", id=criterion_id), "criterion"
        )
    held = evidence_of(session, review)
    if len(held) >= files.MAX_FILES:
        raise ServiceError(
            _l("A review holds at most %(n)d files; delete one first.", n=files.MAX_FILES),
            "file",
        )
    sha, path = files.store(session, data)
    if any(e.sha256 == sha for e in held):
        raise Conflict(_l("This file is already attached to the review."), "file")
    row = ReviewEvidence(
        review_id=review.id or 0, criterion_id=criterion_id, filename=name, content_type=kind,
        size=len(data), sha256=sha, path=path, uploaded_by_user_id=user.id,
    )  # fmt: skip
    session.add(row)
    return row


@transactional
def remove_evidence(
    session: Session, *, user: User, review: Review, evidence: ReviewEvidence
) -> None:
    """Detach an evidence file while the unit may edit (the stored file is kept by hash)."""
    if evidence.review_id != review.id:
        raise NotFound(_l("This file is not attached to the review."))
    _ensure_unit_edits(session, user, review)
    session.delete(evidence)


def fire_review(
    session: Session,
    engine: Engine,
    *,
    user: User,
    review: Review,
    trigger: str,
    data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
) -> FireResult:
    """Take a step of the review as `user`: submit, resubmit, start grading, return, accept."""
    if review.instance_id is None:
        raise NotFound(_l("This review has no workflow."))
    if trigger in REVIEWER_TRIGGERS and user.unit_id is not None and user.unit_id == review.unit_id:
        raise Forbidden(_l("A unit never grades its own review."))
    _refuse_done(subjects.state(session, review))
    given = dict(data or {})
    if "reason" in given:
        given["reason"] = clean_text(given["reason"], "reason", max_len=2000, required=False)
    return wf.fire(session, engine, user, review.instance_id, trigger, given, expected_version)


@transactional
def publish_period(
    session: Session, engine: Engine, *, user: User, block_id: int, year: int, period: str
) -> int:
    """Publish a period's results: lock every review of the block's period (all accepted first)."""
    if not may_publish(session, user, block_id, year):
        raise Forbidden(_l("Only the block's leading unit or the secretariat publishes results."))
    reviews = reviews_of_block(session, block_id, year=year, period=period)
    if not reviews:
        raise Conflict(_l("There is no review of this period to publish."))
    states = subjects.states(session, reviews)
    waiting = [r for r in reviews if states.get(r.id or 0) not in DONE]
    if waiting:
        names = unit_names(session, [r.unit_id for r in waiting])
        raise Conflict(
            _l("Not every review is accepted yet: %(units)s.",
               units=", ".join(names.get(r.unit_id, str(r.unit_id)) for r in waiting))
        )  # fmt: skip
    todo = [r for r in reviews if states.get(r.id or 0) == "accepted"]
    if not todo:
        raise Conflict(_l("These results are already published."))
    actor = wf.actor_for(session, user)
    for r in todo:
        wf.fire(session, engine, user, r.instance_id or 0, "lock", actor=actor)
    return len(todo)


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One criterion of a review as the page shows it: target, figures, both scores."""

    score: ReviewScore
    criterion: Criterion
    group: CriterionGroup

    @property
    def percent(self) -> Decimal | None:
        """Return achieved / target × 100 (one decimal), when both are known and target > 0."""
        got, target = self.score.achieved_value, self.score.target_value
        if got is None or target is None or Decimal(target) <= 0:
            return None
        return (Decimal(got) / Decimal(target) * 100).quantize(Decimal("0.1"))

    @property
    def score_differs(self) -> bool:
        """Tell whether the reviewer's score differs from the self score."""
        s = self.score
        return s.score is not None and s.self_score is not None and s.score != s.self_score

    @property
    def bonus_differs(self) -> bool:
        """Tell whether the reviewer's bonus differs from the self bonus."""
        s = self.score
        return s.bonus is not None and Decimal(s.bonus) != Decimal(s.self_bonus or 0)

    @property
    def difference(self) -> Decimal | None:
        """Return reviewer's score minus self score, when both exist."""
        s = self.score
        if s.score is None or s.self_score is None:
            return None
        return Decimal(s.score) - Decimal(s.self_score)


def lines_of(session: Session, review: Review) -> list[Line]:
    """Return the review's criteria in the plan's order, with their group."""
    query = (
        select(ReviewScore, Criterion, CriterionGroup)
        .join(Criterion, col(Criterion.id) == ReviewScore.criterion_id)
        .join(CriterionGroup, col(CriterionGroup.id) == Criterion.group_id)
        .where(ReviewScore.review_id == review.id)
        .order_by(col(CriterionGroup.position), col(Criterion.position), col(Criterion.id))
    )
    return [Line(s, c, g) for s, c, g in session.exec(query).all()]


def evidence_of(session: Session, review: Review) -> list[ReviewEvidence]:
    """Return the review's evidence files, oldest first."""
    query = select(ReviewEvidence).where(ReviewEvidence.review_id == review.id)
    return list(session.exec(query.order_by(col(ReviewEvidence.id))).all())


def reviews_of_block(
    session: Session, block_id: int, *, year: int | None = None, period: str | None = None
) -> list[Review]:
    """Return the block's reviews (of a year, a period), by year, period, then unit id."""
    query = select(Review).where(Review.block_id == block_id)
    if year is not None:
        query = query.where(Review.year == year)
    if period:
        query = query.where(Review.period == period)
    rows = list(session.exec(query).all())
    return sorted(rows, key=lambda r: (-r.year, PERIOD_ORDER.get(r.period, 9), r.unit_id))


def reviews_of_unit(session: Session, unit_id: int) -> list[Review]:
    """Return the unit's own reviews and those it grades, newest year first."""
    query = select(Review).where(
        (col(Review.unit_id) == unit_id) | (col(Review.reviewer_unit_id) == unit_id)
    )
    rows = list(session.exec(query).all())
    return sorted(rows, key=lambda r: (-r.year, PERIOD_ORDER.get(r.period, 9), r.block_id))


def years_of_block(session: Session, block_id: int) -> list[int]:
    """Return the years in which the block has reviews, newest first."""
    query = select(Review.year).where(Review.block_id == block_id).distinct()
    return sorted({int(y) for y in session.exec(query).all()}, reverse=True)


def unit_names(session: Session, unit_ids: Iterable[int | None]) -> dict[int, str]:
    """Return the names of the given units, by id (one query)."""
    ids = {u for u in unit_ids if u}
    if not ids:
        return {}
    rows = session.exec(select(Unit.id, Unit.name).where(col(Unit.id).in_(ids))).all()
    return {int(i or 0): n for i, n in rows}


def ranks(reviews: Iterable[Review], states: Mapping[int, str]) -> dict[int, int]:
    """Return each accepted review's rank in its year and period by final total (ties share)."""
    groups: dict[tuple[int, int, str], list[Review]] = {}
    for r in reviews:
        if states.get(r.id or 0) in DONE and r.final_total is not None:
            groups.setdefault((r.block_id, r.year, r.period), []).append(r)
    out: dict[int, int] = {}
    for rows in groups.values():
        rows.sort(key=lambda r: -Decimal(r.final_total or 0))
        previous: tuple[Decimal, int] | None = None
        for i, r in enumerate(rows, start=1):
            total = Decimal(r.final_total or 0)
            place = previous[1] if previous and previous[0] == total else i
            out[r.id or 0] = place
            previous = (total, place)
    return out


def period_label(period: str) -> str:
    """Return the period's name in the user's language."""
    return str(PERIOD_LABELS.get(period, period))

"""Verbs on periodic reviews: self-assess, attach evidence, grade, move on, publish a period.

A review is opened by `wflow tick` (`review_rules.open_due_reviews`). The reviewed unit's
head or staff write its figures, self scores and evidence while it is open, overdue or
returned; its head submits. The reviewing unit (the block leader or a cross-grading unit,
never the unit itself) grades while the review is under review, then returns it with a
reason or accepts it. Publishing a period's results locks every accepted review of it.
Who may write when is `reviews.access`; reading what a score sheet says is `reviews.sheets`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from wflow.clock import utcnow
from wflow.core import subjects
from wflow.core import workflow as wf
from wflow.core.errors import Conflict, Forbidden, NotFound, ServiceError
from wflow.core.uow import transactional
from wflow.engine import Engine, FireResult
from wflow.org.models import User
from wflow.org.service import clean_text
from wflow.plans.models import Criterion
from wflow.reviews import access
from wflow.reviews import evidence as files
from wflow.reviews.models import Review, ReviewEvidence, ReviewScore
from wflow.reviews.queries import evidence_of, reviews_of_block, unit_names
from wflow.reviews.sheets import (
    GradeInput,
    Problems,
    Row,
    ScoreErrors,
    SelfInput,
    check_criteria,
    fill_grade,
    fill_self,
    sheet_of,
)
from wflow.reviews.subject import REVIEW


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
    sheet = sheet_of(session, review)
    check_criteria(rows, sheet)
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
    _save_sheet(
        session, review, rows, lambda: access.ensure_unit_edits(session, user, review), fill_self
    )


def grade(session: Session, *, user: User, review: Review, rows: Sequence[GradeInput]) -> None:
    """Save the reviewer's scores, bonuses and notes (all or nothing), within the same limits."""
    _save_sheet(
        session,
        review,
        rows,
        lambda: access.ensure_reviewer_grades(session, user, review),
        fill_grade,
    )


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
    access.ensure_unit_edits(session, user, review)
    name = files.clean_filename(filename)
    kind = files.check(data, name, files.max_bytes(session))
    if criterion_id is not None and criterion_id not in sheet_of(session, review):
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
    access.ensure_unit_edits(session, user, review)
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
    if (
        trigger in access.REVIEWER_TRIGGERS
        and user.unit_id is not None
        and user.unit_id == review.unit_id
    ):
        raise Forbidden(_l("A unit never grades its own review."))
    access.refuse_done(session, subjects.state(session, review))
    given = dict(data or {})
    if "reason" in given:
        given["reason"] = clean_text(given["reason"], "reason", max_len=2000, required=False)
    return wf.fire(session, engine, user, review.instance_id, trigger, given, expected_version)


@transactional
def publish_period(
    session: Session, engine: Engine, *, user: User, block_id: int, year: int, period: str
) -> int:
    """Publish a period's results: lock every review of the block's period (all accepted first)."""
    if not access.may_publish(session, user, block_id, year):
        raise Forbidden(_l("Only the block's leading unit or the secretariat publishes results."))
    reviews = reviews_of_block(session, block_id, year=year, period=period)
    if not reviews:
        raise Conflict(_l("There is no review of this period to publish."))
    states = subjects.states(session, reviews)
    done = subjects.tagged(session, REVIEW, "done")
    waiting = [r for r in reviews if states.get(r.id or 0) not in done]
    if waiting:
        names = unit_names(session, [r.unit_id for r in waiting])
        raise Conflict(
            _l("Not every review is accepted yet: %(units)s.",
               units=", ".join(names.get(r.unit_id, str(r.unit_id)) for r in waiting))
        )  # fmt: skip
    approved = subjects.tagged(session, REVIEW, "approved")  # accepted, not yet published
    todo = [r for r in reviews if states.get(r.id or 0) in approved]
    if not todo:
        raise Conflict(_l("These results are already published."))
    actor = wf.actor_for(session, user)
    for r in todo:
        wf.fire(session, engine, user, r.instance_id or 0, "lock", actor=actor)
    return len(todo)

"""The review as a workflow subject: its scope, who sees it, its words and page.

A review is seen by its unit, its reviewing unit and the committee; its generic instance
page also by the block's leading unit, which publishes (locks) the period.
"""

from __future__ import annotations

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from wflow.core.access import Action, may, oversees_scope
from wflow.core.subjects import SubjectKind, register
from wflow.engine import Scope
from wflow.org.models import Unit, User
from wflow.plans.text import REVIEW_PERIOD_LABELS
from wflow.reviews.models import Review


def scope(review: Review) -> Scope:
    """Return the review's workflow scope: its unit, block and year."""
    return Scope("review", review.id or 0, unit_id=review.unit_id, block_id=review.block_id,
                 year=review.year)  # fmt: skip


def acts_for(session: Session, user: User, unit_id: int | None) -> bool:
    """Tell whether `user` is the head or staff of the unit."""
    return unit_id is not None and may(session, user, Action.ACT, unit_id=unit_id)


def may_view(session: Session, user: User, review: Review) -> bool:
    """Tell whether `user` may open the review and its evidence: its unit, reviewer, committee."""
    return (
        oversees_scope(session, user, review.unit_id, review.block_id)
        or acts_for(session, user, review.unit_id)
        or acts_for(session, user, review.reviewer_unit_id)
    )


def leads_block(session: Session, user: User, review: Review) -> bool:
    """Tell whether `user` acts for the block's leading unit that year (it publishes)."""
    return may(session, user, Action.ACT, block_id=review.block_id, year=review.year)


def reviewed_by(unit_id: int) -> SelectOfScalar[int | None]:
    """Return the query of the reviews the unit scores as their reviewer."""
    return select(col(Review.id)).where(Review.reviewer_unit_id == unit_id)


def title(session: Session, review: Review) -> str:
    """Return e.g. "Sơ kết 6 tháng 2026 — Tỉnh đoàn"."""
    unit = session.get(Unit, review.unit_id)
    period = str(REVIEW_PERIOD_LABELS.get(review.period, review.period))
    return f"{period} {review.year} — {unit.name if unit else ''}".strip(" —")


REVIEW = register(SubjectKind(
    name="review", model=Review, workflow="review", scope=scope, may_view=may_view,
    title=title, endpoint="review.show", instance_viewers=leads_block, also_seen=reviewed_by,
))  # fmt: skip

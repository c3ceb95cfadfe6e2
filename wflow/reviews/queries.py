"""Reading reviews: a review's lines and evidence, a block's or unit's reviews and years, unit
names, ranks and period names, for pages, exports and the verbs' checks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, col, select

from wflow.org.models import Unit
from wflow.plans.models import Criterion, CriterionGroup
from wflow.plans.text import REVIEW_PERIOD_LABELS
from wflow.reviews.models import PERIOD_ORDER, Review, ReviewEvidence, ReviewScore


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


def ranks(
    reviews: Iterable[Review], states: Mapping[int, str], done: frozenset[str]
) -> dict[int, int]:
    """Return each review's rank in its year and period by final total (ties share).

    Only reviews in a `done` state (their results no longer change) are ranked.
    """
    groups: dict[tuple[int, int, str], list[Review]] = {}
    for r in reviews:
        if states.get(r.id or 0) in done and r.final_total is not None:
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
    return str(REVIEW_PERIOD_LABELS.get(period, period))

"""A review's score sheet: what the unit or its reviewer types per criterion, read into its
scores within the criterion's limits (refused, never clamped), every problem named by field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.core.errors import ServiceError
from wflow.core.formats import format_points
from wflow.core.numbers import NumberRefused, read_decimal
from wflow.i18n import language
from wflow.org.service import clean_text
from wflow.plans.models import Criterion
from wflow.reviews.models import Review, ReviewScore

CENT = Decimal("0.01")
MAX_FIGURE = Decimal("999999999999.99")  # below 10^12


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
Sheet = dict[int, tuple[ReviewScore, Criterion]]  # criterion id -> its score and criterion


# --- numbers and texts ---------------------------------------------------------------------


def _fmt(value: Decimal) -> str:
    """Return points as the reader's language writes them ("30,5" in Vietnamese)."""
    return format_points(value, language())


def _points(value: Any, code: str, limit: Decimal, what: str, problems: dict[str, str],
            field: str) -> Decimal | None:  # fmt: skip
    """Check a score or bonus against [0, limit]; record the problem and return None if bad."""
    try:
        return read_decimal(value, field, places=2, minimum=0, maximum=limit, required=False)
    except NumberRefused as exc:
        messages = {
            "not_a_number": _l("%(code)s: the %(what)s must be a number.", code=code, what=what),
            "below": _l("%(code)s: the %(what)s cannot be negative.", code=code, what=what),
            "places": _l("%(code)s: the %(what)s takes at most two decimals.", code=code,
                         what=what),
            "above": _l("%(code)s: the %(what)s is at most %(max)s (given %(given)s).",
                        code=code, what=what, max=_fmt(limit), given=exc.given),
        }  # fmt: skip
        problems[field] = str(messages.get(exc.reason, messages["not_a_number"]))
    return None


def _figure(value: Any, code: str, problems: dict[str, str], field: str) -> Decimal | None:
    try:
        return read_decimal(value, field, places=2, minimum=0, maximum=MAX_FIGURE,
                            required=False)  # fmt: skip
    except NumberRefused as exc:
        if exc.reason == "not_a_number":
            problems[field] = str(_l("%(code)s: the figure achieved must be a number.", code=code))
        else:
            problems[field] = str(
                _l("%(code)s: give the figure achieved as a positive number with at most two "
                   "decimals.", code=code)
            )  # fmt: skip
    return None


def _text(value: str | None, code: str, max_len: int, problems: dict[str, str],
          field: str) -> str:  # fmt: skip
    try:
        return clean_text(value, field, max_len=max_len, required=False)
    except ServiceError as exc:
        problems[field] = f"{code}: {exc.message}"
        return ""


# --- one row -------------------------------------------------------------------------------


def fill_self(score: ReviewScore, crit: Criterion, row: SelfInput, problems: Problems) -> None:
    """Write the unit's row into its score: figures, self score, bonus (0 when empty), note."""
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


def fill_grade(score: ReviewScore, crit: Criterion, row: GradeInput, problems: Problems) -> None:
    """Write the reviewer's row into its score: score, bonus, note."""
    cid, code = crit.id, crit.code
    score.score = _points(row.score, code, crit.max_points, str(_l("score")), problems,
                          f"score-{cid}")  # fmt: skip
    score.bonus = _points(row.bonus, code, crit.max_bonus, str(_l("bonus")), problems,
                          f"bonus-{cid}")  # fmt: skip
    score.note = _text(row.note, code, 5000, problems, f"note-{cid}")


# --- the sheet -----------------------------------------------------------------------------


def sheet_of(session: Session, review: Review) -> Sheet:
    """Return the review's scores with their criteria, by criterion id."""
    query = (
        select(ReviewScore, Criterion)
        .join(Criterion, col(Criterion.id) == ReviewScore.criterion_id)
        .where(ReviewScore.review_id == review.id)
    )
    return {c.id or 0: (s, c) for s, c in session.exec(query).all()}


def check_criteria(rows: Iterable[Any], sheet: Mapping[int, Any]) -> None:
    """Refuse rows for criteria that are not part of the review's sheet."""
    for row in rows:
        if row.criterion_id not in sheet:
            raise ServiceError(
                _l("Criterion %(id)s is not part of this review.", id=row.criterion_id), "rows"
            )

"""A review sheet's refusals write numbers as the reader's language does."""

from __future__ import annotations

from decimal import Decimal

from flask import Flask
from flask_babel import force_locale

from wflow.plans.models import Criterion
from wflow.reviews.models import ReviewScore
from wflow.reviews.sheets import GradeInput, fill_grade


def test_a_score_above_a_fractional_maximum_names_it_in_the_readers_format(app: Flask) -> None:
    crit = Criterion(id=7, plan_id=1, group_id=1, code="2.3", title="Tình nguyện",
                     max_points=Decimal("30.5"), max_bonus=Decimal("1.5"))  # fmt: skip
    with app.test_request_context():
        for locale, maximum in (("vi", "30,5"), ("en", "30.5")):
            problems: dict[str, str] = {}
            with force_locale(locale):
                score = ReviewScore(review_id=1, criterion_id=7)
                fill_grade(score, crit, GradeInput(7, score="31"), problems)
            assert maximum in problems["score-7"], (locale, problems)

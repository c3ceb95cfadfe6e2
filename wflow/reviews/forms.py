"""Forms of the review pages (Flask-WTF: a CSRF token on each).

The score sheets have one row per criterion of the review; their inputs are named
`<column>-<criterion id>` (the names the services report problems under), so the sheet
form carries the CSRF token and the rows are read with `self_rows` / `grade_rows`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from wflow.plans.text import REVIEW_PERIOD_LABELS
from wflow.reviews.models import PERIOD_ORDER
from wflow.reviews.queries import Line
from wflow.reviews.sheets import GradeInput, SelfInput

SELF_COLUMNS = ("achieved", "achieved_value", "self_score", "self_bonus", "self_note")
GRADE_COLUMNS = ("score", "bonus", "note")


class SheetForm(FlaskForm):
    """A score sheet: the CSRF token; one row of inputs per criterion, named by column and id."""


def _value(form: Mapping[str, Any], column: str, criterion_id: int) -> str:
    return str(form.get(f"{column}-{criterion_id}", "") or "")


def self_rows(form: Mapping[str, Any], lines: Sequence[Line]) -> list[SelfInput]:
    """Return the unit's rows as posted, one per criterion of the review."""
    return [
        SelfInput(
            criterion_id=line.criterion.id or 0,
            achieved=_value(form, "achieved", line.criterion.id or 0),
            achieved_value=_value(form, "achieved_value", line.criterion.id or 0),
            self_score=_value(form, "self_score", line.criterion.id or 0),
            self_bonus=_value(form, "self_bonus", line.criterion.id or 0),
            self_note=_value(form, "self_note", line.criterion.id or 0),
        )
        for line in lines
    ]


def grade_rows(form: Mapping[str, Any], lines: Sequence[Line]) -> list[GradeInput]:
    """Return the reviewer's rows as posted, one per criterion of the review."""
    return [
        GradeInput(
            criterion_id=line.criterion.id or 0,
            score=_value(form, "score", line.criterion.id or 0),
            bonus=_value(form, "bonus", line.criterion.id or 0),
            note=_value(form, "note", line.criterion.id or 0),
        )
        for line in lines
    ]


def sheet_values(lines: Sequence[Line], columns: Sequence[str]) -> dict[str, str]:
    """Return the stored values of a sheet as the inputs show them (empty for none)."""
    out: dict[str, str] = {}
    for line in lines:
        for column in columns:
            value = getattr(line.score, column)
            text = "" if value is None else str(value)
            if text.endswith(".00"):
                text = text[:-3]
            out[f"{column}-{line.criterion.id}"] = text
    return out


class EvidenceForm(FlaskForm):
    """Attach an evidence file, optionally to one criterion."""

    file = FileField(
        _l("File"),
        validators=[FileRequired()],
        description=_l("PDF, image (PNG, JPEG) or office document (Word, Excel, PowerPoint, "
                       "OpenDocument)."),
    )  # fmt: skip
    criterion_id = SelectField(_l("For criterion"), coerce=str, validate_choice=True)


class StepForm(FlaskForm):
    """Take a step of the review (submit, start grading, return with a reason, accept)."""

    trigger = HiddenField(validators=[DataRequired()])
    expected_version = HiddenField()
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])


class PublishForm(FlaskForm):
    """Publish a period's results of the block: every accepted review is locked."""

    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(2000, 2100)])
    period = SelectField(
        _l("Period"),
        choices=[
            (p, REVIEW_PERIOD_LABELS[p]) for p in sorted(PERIOD_ORDER, key=PERIOD_ORDER.__getitem__)
        ],
    )

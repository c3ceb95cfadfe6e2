"""Forms of the plan pages (Flask-WTF: a CSRF token on each)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from wflow.plans.criteria import COLUMNS
from wflow.plans.models import Plan
from wflow.plans.text import AWARD_TYPE_LABELS, AWARD_TYPES, REVIEW_PERIODS, SCALES
from wflow.web.forms import MultiCheckboxField

AWARD_LABELS = AWARD_TYPE_LABELS
PERIOD_LABELS = {
    "q1": _l("First quarter report due (MM-DD)"),
    "mid_year": _l("Mid-year review report due (MM-DD)"),
    "q3": _l("Third quarter report due (MM-DD)"),
    "year_end": _l("Year-end summary report due (MM-DD)"),
}
EXTRA_ROWS = 2  # empty rows offered to add areas
EXTRA_CRITERIA_ROWS = 6  # empty rows offered to add groups or criteria


class AreaForm(Form):
    """One area of the plan's contents."""

    area = StringField(_l("Area"), validators=[Length(max=300)])
    text = TextAreaField(_l("Text"), validators=[Length(max=20_000)])


class PlanForm(FlaskForm):
    """The plan's text, period, scale and the block's rules."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    year = IntegerField(_l("First year"), validators=[DataRequired(), NumberRange(2000, 2100)])
    year_end = IntegerField(
        _l("Last year"),
        validators=[Optional(), NumberRange(2000, 2100)],
        description=_l("Leave empty for a one-year plan; e.g. 2027 for a 2022-2027 programme."),
    )
    legal_bases = TextAreaField(_l("Legal bases"), validators=[Length(max=20_000)])
    purposes = TextAreaField(_l("Purposes and requirements"), validators=[Length(max=20_000)])
    contents = FieldList(FormField(AreaForm), label=_l("Contents by area"), min_entries=1)
    scale = SelectField(_l("Scale"), coerce=int, choices=[(s, str(s)) for s in SCALES])
    registration_deadline = DateField(
        _l("Registration deadline"),
        validators=[Optional()],
        description=_l("Leave empty: the number of days below after publication."),
    )
    vote_threshold = StringField(
        _l("Block vote threshold"),
        validators=[Length(max=10)],
        description=_l('A share such as "2/3" or "90%".'),
    )
    vote_quorum = StringField(_l("Block vote quorum"), validators=[Length(max=10)])
    due_q1 = StringField(PERIOD_LABELS["q1"], validators=[Length(max=5)])
    due_mid_year = StringField(PERIOD_LABELS["mid_year"], validators=[Length(max=5)])
    due_q3 = StringField(PERIOD_LABELS["q3"], validators=[Length(max=5)])
    due_year_end = StringField(PERIOD_LABELS["year_end"], validators=[Length(max=5)])
    late_report_penalty = StringField(
        _l("Late report penalty (points)"), validators=[Length(max=10)]
    )
    award_types = MultiCheckboxField(
        _l("Award types the block may propose"), choices=list(AWARD_LABELS.items())
    )
    registration_days = IntegerField(
        _l("Days to register after publication"), validators=[Optional()]
    )
    consultation_days = IntegerField(
        _l("Usual length of the consultation (days)"), validators=[Optional()]
    )
    signing_order = SelectField(
        _l("Order of signing the pact"),
        choices=[
            ("parallel", _l("All heads sign in any order")),
            ("leader_last", _l("The leading unit signs last")),
            ("in_order", _l("One after the other: leader, deputy, then the members")),
        ],
        validate_choice=False,  # the service refuses an unknown order with its own message
    )
    review_open_days = IntegerField(
        _l("Days a review opens before its report is due"), validators=[Optional()]
    )
    grading = SelectField(
        _l("Who grades the reviews"),
        choices=[
            ("leader", _l("The block's leading unit (its own review: the deputy)")),
            ("cross", _l("Cross-grading: the member units grade each other in rotation")),
        ],
        validate_choice=False,  # the service refuses an unknown choice with its own message
    )

    def rules(self) -> dict[str, Any]:
        """Return the rules as the service takes them."""
        return {
            "vote_threshold": self.vote_threshold.data,
            "vote_quorum": self.vote_quorum.data,
            "reviews": {p: getattr(self, f"due_{p}").data or "" for p in REVIEW_PERIODS},
            "late_report_penalty": self.late_report_penalty.data,
            "award_types": [a for a in AWARD_TYPES if a in (self.award_types.data or [])],
            "registration_days": self.registration_days.data,
            "consultation_days": self.consultation_days.data,
            "signing_order": self.signing_order.data or "parallel",
            "review_open_days": self.review_open_days.data,
            "grading": self.grading.data or "leader",
        }

    def areas(self) -> list[dict[str, str]]:
        """Return the contents by area as given."""
        return [dict(entry.data) for entry in self.contents.entries]

    def fill_rules(self, rules: dict[str, Any]) -> None:
        """Show the rules in the form."""
        self.vote_threshold.data = rules.get("vote_threshold")
        self.vote_quorum.data = rules.get("vote_quorum")
        for p in REVIEW_PERIODS:
            getattr(self, f"due_{p}").data = rules.get("reviews", {}).get(p, "")
        self.late_report_penalty.data = rules.get("late_report_penalty")
        self.award_types.data = list(rules.get("award_types", []))
        self.registration_days.data = rules.get("registration_days")
        self.consultation_days.data = rules.get("consultation_days")
        self.signing_order.data = rules.get("signing_order", "parallel")
        self.review_open_days.data = rules.get("review_open_days", 30)
        self.grading.data = rules.get("grading", "leader")

    def fill(self, plan: Plan) -> None:
        """Show a plan in the form, with empty rows to add areas."""
        self.title.data, self.year.data, self.year_end.data = plan.title, plan.year, plan.year_end
        self.legal_bases.data, self.purposes.data = plan.legal_bases, plan.purposes
        self.scale.data, self.registration_deadline.data = plan.scale, plan.registration_deadline
        self.fill_rules(plan.rules)
        while self.contents.entries:
            self.contents.pop_entry()
        for area in [*plan.contents, *([{}] * EXTRA_ROWS)]:
            self.contents.append_entry(area)


class CriterionRowForm(Form):
    """One row of the criteria table: a group, a criterion, or both."""

    group = StringField(_l("Group"), validators=[Length(max=20)])
    group_title = StringField(_l("Group title"), validators=[Length(max=500)])
    group_max = StringField(_l("Group max points"), validators=[Length(max=12)])
    code = StringField(_l("Code"), validators=[Length(max=20)])
    criterion = StringField(_l("Criterion"), validators=[Length(max=1000)])
    max_points = StringField(_l("Max points"), validators=[Length(max=12)])
    max_bonus = StringField(_l("Max bonus"), validators=[Length(max=12)])
    evidence = StringField(_l("Evidence required"), validators=[Length(max=2000)])


class CriteriaForm(FlaskForm):
    """The whole criteria table as rows."""

    rows = FieldList(FormField(CriterionRowForm), min_entries=1, max_entries=500)

    def fill(self, rows: list[dict[str, Any]]) -> None:
        """Show the table's rows, with empty rows to add groups or criteria."""
        while self.rows.entries:
            self.rows.pop_entry()
        for row in [*rows, *([{}] * EXTRA_CRITERIA_ROWS)]:
            self.rows.append_entry({k: "" if row.get(k) is None else str(row[k]) for k in COLUMNS})

    def numbered(self) -> list[tuple[int, dict[str, Any]]]:
        """Return the rows numbered from 1, as the service reads them."""
        return [(i, dict(e.data)) for i, e in enumerate(self.rows.entries, start=1)]


class ImportForm(FlaskForm):
    """Upload a criteria table (XLSX or CSV)."""

    file = FileField(_l("Spreadsheet (.xlsx or .csv)"), validators=[FileRequired()])


class CommentForm(FlaskForm):
    """A member unit's comment on a section or a criterion."""

    target = SelectField(_l("About"), validators=[DataRequired()])
    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=5000)])


class AnswerForm(FlaskForm):
    """The leader's answer to a comment."""

    answer = TextAreaField(_l("Answer"), validators=[DataRequired(), Length(max=5000)])

"""Forms of the inspection pages (Flask-WTF: a CSRF token on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional


class PlanForm(FlaskForm):
    """The secretariat plans an inspection of a unit or a block."""

    title = StringField(_l("Title"), validators=[Length(max=300)],
                        description=_l('e.g. "Review of the youth movement in the first six '
                                       'months"'))  # fmt: skip
    # "unit:<id>" or "block:<id>"; the service checks the choice and says why it is refused
    target = SelectField(_l("Unit or block inspected"), validate_choice=False)
    inspecting_body = StringField(_l("Inspecting body"), validators=[Length(max=200)],
                                  description=_l("e.g. the council's inspection team"))  # fmt: skip
    lead_name = StringField(_l("Head of the inspection team (optional)"),
                            validators=[Length(max=120)])  # fmt: skip
    basis = TextAreaField(_l("Basis (plan or decision)"), validators=[Length(max=5000)])
    scope = TextAreaField(_l("Scope and contents"), validators=[Length(max=5000)])
    starts_on = DateField(_l("First day"), validators=[Optional()])
    ends_on = DateField(_l("Last day"), validators=[Optional()])


class FindingsForm(FlaskForm):
    """The secretariat writes the inspection's findings."""

    findings = TextAreaField(_l("Text of the findings"), validators=[Length(max=20_000)])


class RecommendationForm(FlaskForm):
    """The secretariat adds a recommendation with its owner and due date."""

    text = TextAreaField(_l("Recommendation"), validators=[Length(max=5000)])
    owner_unit_id = SelectField(_l("Unit in charge"), coerce=int, validate_choice=False)
    owner_person = StringField(_l("Person in charge (optional)"), validators=[Length(max=120)])
    due_on = DateField(_l("To be carried out by"), validators=[Optional()])


class AnswerForm(FlaskForm):
    """The unit in charge answers a recommendation."""

    answer = TextAreaField(_l("Answer"), validators=[Length(max=20_000)])


class CloseForm(FlaskForm):
    """The secretariat closes a recommendation with its assessment."""

    note = TextAreaField(_l("Assessment (optional)"), validators=[Length(max=5000)])

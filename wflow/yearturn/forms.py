"""Forms of the turn-of-the-year pages (Flask-WTF: a CSRF token on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput


class OpenYearForm(FlaskForm):
    """Open the year shown in the preview (the year travels with the button)."""

    year = IntegerField(_l("Year"), widget=HiddenInput(), validators=[DataRequired()])


class SuccessionForm(FlaskForm):
    """A block's rotation rule, and the leader and deputy its year-end conference elected."""

    rule = SelectField(_l("Rotation rule"), validators=[DataRequired()])
    leader_id = SelectField(
        _l("Leader elected at the year-end conference"), coerce=int, validators=[Optional()],
        validate_choice=False,  # the service says why a unit is refused
        description=_l("Leave empty when no conference has elected the leader: the rule applies."),
    )  # fmt: skip
    deputy_id = SelectField(
        _l("Deputy elected at the year-end conference"), coerce=int, validators=[Optional()],
        validate_choice=False,
    )  # fmt: skip
    note = StringField(
        _l("Conference and minutes"), validators=[Length(max=500)],
        description=_l('e.g. "Year-end conference of 12 December, minutes no. 15/BB"'),
    )  # fmt: skip

"""Forms of the titles pages (Flask-WTF: a CSRF token on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, Optional

from wflow.web.forms import MultiCheckboxField


class DecisionForm(FlaskForm):
    """The head of a unit grants its registered people their titles for a year."""

    year = IntegerField(_l("Results of the year"), validators=[DataRequired()])
    number = StringField(_l("Decision number"), validators=[DataRequired(), Length(max=50)],
                         description=_l('e.g. "15/QĐ-TĐTN"'))  # fmt: skip
    issued_on = DateField(_l("Decision date"), validators=[Optional()])
    # "award_code:person_id"; the service checks each choice and names who is refused
    grants = MultiCheckboxField(_l("People and titles"), validate_choice=False)

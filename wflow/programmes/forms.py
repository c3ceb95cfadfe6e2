"""Forms (Flask-WTF, with a CSRF token each) for drafting and reviewing a programme."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from wflow.web.forms import MultiCheckboxField


class ProgrammeForm(FlaskForm):
    """The programme's title, period, parties and text."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    year = IntegerField(_l("First year"), validators=[DataRequired(), NumberRange(2000, 2100)])
    year_end = IntegerField(
        _l("Last year"),
        validators=[Optional(), NumberRange(2000, 2100)],
        description=_l("Leave empty for a one-year plan; e.g. 2027 for a 2022-2027 programme."),
    )
    parties = MultiCheckboxField(
        _l("The other parties"), coerce=int,
        description=_l("Your unit is a party; name every other unit that signs."),
    )  # fmt: skip
    purposes = TextAreaField(_l("Purposes and requirements"), validators=[Length(max=20_000)])
    tasks = TextAreaField(
        _l("The work coordinated"), validators=[Length(max=20_000)],
        description=_l("One task a line."),
    )  # fmt: skip
    arrangements = TextAreaField(_l("How it is carried out"), validators=[Length(max=20_000)])
    place = StringField(
        _l("Place of signing"), validators=[Length(max=100)], description=_l('e.g. "Nghệ An"')
    )


class ReviewYearForm(FlaskForm):
    """A party's review of one year of the programme."""

    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(2000, 2100)])
    summary = TextAreaField(_l("What was done"), validators=[DataRequired(), Length(max=20_000)])
    next_steps = TextAreaField(_l("Next year's work"), validators=[Length(max=20_000)])

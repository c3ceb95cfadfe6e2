"""Forms of the ad-hoc award pages (Flask-WTF: a CSRF token on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class ProposalForm(FlaskForm):
    """A unit proposes one of its people or collectives for an ad-hoc award."""

    award_id = SelectField(_l("Award"), coerce=int, validate_choice=False)
    # "person:<id>" or "unit:<id>"; the service checks the choice and says why it is refused
    nominee = SelectField(_l("Who is proposed"), validate_choice=False)
    achieved_on = DateField(_l("Day of the achievement"), validators=[Optional()])
    title = StringField(_l("The achievement in a few words"), validators=[Length(max=300)],
                        description=_l('e.g. "Rescued two children from drowning in the Lam '
                                       'river"'))  # fmt: skip
    achievement = TextAreaField(_l("Account of the achievement"), validators=[Length(max=20_000)])
    evidence = FileField(
        _l("Evidence (optional)"),
        description=_l("A PDF, an image or an office document: a press article, a letter of "
                       "thanks, a report of the local authority."),
    )  # fmt: skip


class ChairDecisionForm(FlaskForm):
    """The council's chair signs the decision granting the award."""

    number = StringField(_l("Decision number"), validators=[DataRequired(), Length(max=50)])
    issued_on = DateField(_l("Decision date"), validators=[DataRequired()])
    password = PasswordField(
        _l("Your password (to sign for the council)"), validators=[DataRequired(), Length(max=256)]
    )

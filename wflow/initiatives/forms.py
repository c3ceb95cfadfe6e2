"""Forms (Flask-WTF, with a CSRF token each) of the initiatives register."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as pgettext  # named so that `make extract` reads it
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from wflow.initiatives.text import KIND_LABELS, LEVEL_LABELS
from wflow.web.forms import MultiCheckboxField


class InitiativeForm(FlaskForm):
    """An initiative, model or research topic with its recognition and authors."""

    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    title = StringField(
        pgettext("initiative", "Title"), validators=[DataRequired(), Length(max=500)]
    )
    year = IntegerField(
        _l("Year"),
        validators=[DataRequired()],
        description=_l("The year it was recognised, in which it counts."),
    )
    level = SelectField(_l("Recognition level"), validators=[DataRequired()])
    decision_number = StringField(_l("Decision number"), validators=[Length(max=50)],
                                  description=_l("e.g. “125/QĐ-TĐTN”"))  # fmt: skip
    decision_date = DateField(_l("Decision date"), validators=[Optional()])
    decision_issuer = StringField(_l("Issued by"), validators=[Length(max=200)],
                                  description=_l("e.g. “Ban Thường vụ Tỉnh đoàn”"))  # fmt: skip
    description = TextAreaField(_l("Description"), validators=[Length(max=20_000)])
    person_ids = MultiCheckboxField(_l("Authors: people"), coerce=int)
    unit_ids = MultiCheckboxField(_l("Authors: units"), coerce=int,
                                  description=_l("A collective author, or a unit that worked "
                                                 "on it with yours."))  # fmt: skip

    def __init__(self, *args: object, **kwargs: object) -> None:
        """Offer the kinds and levels in the reader's language."""
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k, str(v)) for k, v in KIND_LABELS.items()]
        self.level.choices = [(k, str(v)) for k, v in LEVEL_LABELS.items()]

"""The form that issues a summary report (CSRF by Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class IssueForm(FlaskForm):
    """Sign and issue the report: its number and date, optionally the edited PDF."""

    number = StringField(_l("Report number"), validators=[DataRequired(), Length(max=50)])
    issued_on = DateField(_l("Report date"), validators=[DataRequired()])
    file = FileField(
        _l("Edited version (PDF, optional)"),
        description=_l("Leave empty to issue the report as generated; or export the edited "
                       "DOCX to PDF and choose it here."),
    )  # fmt: skip
    password = PasswordField(
        _l("Your password (to sign the report)"), validators=[DataRequired(), Length(max=256)]
    )

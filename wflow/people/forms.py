"""Forms (Flask-WTF, with a CSRF token each) of the people directory and title registration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as pgettext  # named so that `make extract` reads it
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from wflow.people.text import SEX_LABELS, TITLE_LABELS
from wflow.web.forms import MultiCheckboxField


class PersonForm(FlaskForm):
    """A person's details; `since` when adding, `active` and the account when editing."""

    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)],
                            description=_l("Family, middle and given names, e.g. "
                                           "“Nguyễn Thị Thu Hà”."))  # fmt: skip
    position = StringField(
        pgettext("person", "Position"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"list": "positions"},
        description=_l("As written in the unit's records, e.g. “Phó Bí thư”, “Chuyên viên”."),
    )
    sex = SelectField(_l("Sex"), validators=[DataRequired()])
    birth_year = IntegerField(_l("Year of birth"), validators=[Optional()])
    staff_number = StringField(
        _l("Staff number"),
        validators=[Optional(), Length(max=30)],
        description=_l("Optional; unique across the installation."),
    )
    since = DateField(_l("In the unit since"), validators=[Optional()],
                      description=_l("Leave empty for today."))  # fmt: skip
    active = BooleanField(_l("Still working in the unit"), default=True)
    account_id = SelectField(
        _l("Sign-in account"),
        coerce=int,
        validators=[Optional()],
        description=_l("The account this person signs in with, if any."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        """Offer the sexes in the reader's language."""
        super().__init__(*args, **kwargs)
        self.sex.choices = [("", "—"), *((k, str(v)) for k, v in SEX_LABELS.items())]


class MoveForm(FlaskForm):
    """Move a person to another unit or position from a date."""

    unit_id = SelectField(pgettext("posting", "New unit"), coerce=int, validators=[DataRequired()])
    position = StringField(_l("New position"), validators=[DataRequired(), Length(max=200)],
                           render_kw={"list": "positions"})  # fmt: skip
    on = DateField(
        pgettext("posting", "From"),
        validators=[Optional()],
        description=_l("Leave empty for today."),
    )


class ImportForm(FlaskForm):
    """Upload a list of people (XLSX or CSV)."""

    file = FileField(_l("Spreadsheet (.xlsx or .csv)"), validators=[FileRequired()])


class RegistrationForm(FlaskForm):
    """Register people of a unit for an individual title in a year."""

    year = IntegerField(_l("Year"), validators=[DataRequired()])
    title = SelectField(pgettext("honour", "Title"), validators=[DataRequired()])
    person_ids = MultiCheckboxField(_l("People"), coerce=int)

    def __init__(self, *args: object, **kwargs: object) -> None:
        """Offer the titles in the reader's language."""
        super().__init__(*args, **kwargs)
        self.title.choices = [(k, str(v)) for k, v in TITLE_LABELS.items()]

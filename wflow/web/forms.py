"""Forms (Flask-WTF: CSRF token on every one) for signing in and the admin pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import abort, flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from wflow.core.errors import ServiceError
from wflow.i18n import LANGUAGE_CHOICES
from wflow.web.labels import BLOCK_KINDS


def form_error(form: FlaskForm, exc: ServiceError) -> None:
    """Show a service's refusal on the field it names, or as a flash message."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*list(field.errors or []), str(exc.message)]
    else:
        flash(str(exc.message), "error")


T = TypeVar("T")


@dataclass(frozen=True)
class Submitted(Generic[T]):
    """What a posted form came to: the service's result, or the status of its refusal."""

    ok: bool
    value: T | None
    status: int


def submit(form: FlaskForm, save: Callable[[], T]) -> Submitted[T]:
    """Validate a posted form and run `save`; a refusal stays on the form with its status.

    A missing or wrong CSRF token is a 400; invalid fields a 422; a service's refusal its own
    status, shown on the field it names.
    """
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return Submitted(False, None, 422)
    try:
        return Submitted(True, save(), 200)
    except ServiceError as exc:
        form_error(form, exc)
        return Submitted(False, None, exc.status)


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (accessible: one label per box, grouped in a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    """Sign in with login and password."""

    # The login has focus on arrival: the page exists to type it (WCAG 1.3.5 names both purposes).
    login = StringField(
        _l("Login"),
        validators=[DataRequired(), Length(max=80)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )


class CodeForm(FlaskForm):
    """The six-digit code an authenticator app shows."""

    code = StringField(
        _l("Code from your authenticator app"),
        validators=[DataRequired(), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True},
    )


class LocaleForm(FlaskForm):
    """Choose the interface language."""

    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class EmptyForm(FlaskForm):
    """A form carrying only the CSRF token (logout, delete buttons)."""


class UnitForm(FlaskForm):
    """Create or change a unit."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    code = StringField(_l("Code"), validators=[DataRequired(), Length(min=2, max=20)])
    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    parent_id = SelectField(_l("Parent unit"), coerce=int, validators=[Optional()],
                            description=_l("For a council: the council above it."))  # fmt: skip
    council_id = SelectField(_l("Council"), coerce=int, validators=[Optional()],
                             description=_l("The council whose jurisdiction the unit is in "
                                            "(a council is its own)."))  # fmt: skip
    level = SelectField(_l("Level of a council"), validators=[Optional()])


class BlockForm(FlaskForm):
    """Create or change a block or cluster (kind, name, code, description)."""

    kind = SelectField(_l("Kind"), choices=list(BLOCK_KINDS.items()), default="block")
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    code = StringField(_l("Code"), validators=[DataRequired(), Length(min=2, max=20)])
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)])


class BlockYearForm(FlaskForm):
    """Set a block's member units, leader and deputy for one year."""

    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(2000, 2100)])
    member_ids = MultiCheckboxField(_l("Member units"), coerce=int)
    leader_id = SelectField(_l("Leader"), coerce=int, validators=[Optional()])
    deputy_id = SelectField(_l("Deputy"), coerce=int, validators=[Optional()])


class NewBlockForm(BlockForm, BlockYearForm):
    """Create a block with its first year's members."""

    council_id = SelectField(_l("Council"), coerce=int, validators=[Optional()])


class UserForm(FlaskForm):
    """Create or change a user."""

    login = StringField(_l("Login"), validators=[DataRequired(), Length(min=3, max=80)])
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=200)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=254)],
                        description=_l("Where notifications are sent (optional)."))  # fmt: skip
    unit_id = SelectField(_l("Unit"), coerce=int, validators=[Optional()])
    roles = MultiCheckboxField(_l("Roles"))
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    active = BooleanField(_l("Active"), default=True)
    password = PasswordField(
        _l("Password"),
        validators=[Optional(), Length(min=8, max=256)],
        description=_l(
            "At least 8 characters, hard to guess and without your login or name (a phrase of "
            "several words is best). Leave empty to keep the current password."
        ),
    )

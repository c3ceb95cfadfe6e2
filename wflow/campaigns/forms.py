"""Forms (Flask-WTF, with a CSRF token each) for launching a campaign and giving figures."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    Field,
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from wflow.campaigns.models import Audience, CampaignKind, CampaignTarget
from wflow.web.forms import MultiCheckboxField

EXTRA_TARGETS = 3  # empty rows offered to add targets
CHECKPOINT_ROWS = 3  # checkpoint dates offered

KINDS = {
    CampaignKind.CAMPAIGN.value: _l("Campaign (đợt thi đua)"),
    CampaignKind.MOVEMENT.value: _l("Movement (phong trào thi đua)"),
}
AUDIENCES = {
    Audience.ALL.value: _l("Every unit"),
    Audience.BLOCKS.value: _l("Whole blocks (their members in the start year)"),
    Audience.UNITS.value: _l("Named units"),
}


class TargetForm(Form):
    """One target: what is counted and its unit of measure."""

    title = StringField(_l("Target"), validators=[Length(max=300)],
                        description=_l('e.g. "Người được tập huấn chuyển đổi số"'))  # fmt: skip
    measure = StringField(_l("Unit of measure"), validators=[Length(max=50)],
                          description=_l('e.g. "người", "công trình"'))  # fmt: skip


class CampaignForm(FlaskForm):
    """The campaign's kind, theme, window, basis, participants and targets."""

    kind = SelectField(
        _l("Kind"), choices=list(KINDS.items()),
        description=_l("A campaign is short (a few weeks); a movement runs long (a year, a term)."),
    )  # fmt: skip
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    theme = StringField(_l("Theme"), validators=[Length(max=300)],
                        description=_l("The slogan, if any."))  # fmt: skip
    starts_on = DateField(_l("Start date"), validators=[DataRequired()])
    ends_on = DateField(_l("End date"), validators=[DataRequired()])
    reports_due = DateField(
        _l("Final reports due by"), validators=[Optional()],
        description=_l("Leave empty: ten days after the end date."),
    )  # fmt: skip
    checkpoints = FieldList(DateField(_l("Checkpoint"), validators=[Optional()]),
                            min_entries=CHECKPOINT_ROWS, max_entries=12)  # fmt: skip
    basis_number = StringField(_l("Number of the superior plan"), validators=[Length(max=100)],
                               description=_l('e.g. "46-KH/TWĐTN-TNTH"'))  # fmt: skip
    basis_date = DateField(_l("Date of the superior plan"), validators=[Optional()])
    basis_issuer = StringField(_l("Issued by"), validators=[Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Length(max=20_000)])
    criteria = TextAreaField(_l("Criteria"), validators=[Length(max=20_000)],
                             description=_l("Optional: how results are judged."))  # fmt: skip
    audience = SelectField(_l("Who takes part"), choices=list(AUDIENCES.items()))
    block_ids = MultiCheckboxField(_l("Blocks"), coerce=int)
    unit_ids = MultiCheckboxField(_l("Units"), coerce=int)
    targets = FieldList(FormField(TargetForm), min_entries=1, max_entries=40)


def figures_form(targets: Sequence[CampaignTarget], **kwargs: Any) -> FlaskForm:
    """Return a form with one figure per target (a registration, or a report of results)."""

    class FiguresForm(FlaskForm):
        """One figure per target."""

    for t in targets:
        setattr(FiguresForm, f"t{t.id}", DecimalField(
            f"{t.title} ({t.measure})", places=None, validators=[InputRequired()],
            render_kw={"min": "0", "step": "any", "inputmode": "decimal"},
        ))  # fmt: skip
    return FiguresForm(**kwargs)


def fields_of(form: Form | FlaskForm) -> Iterator[Field]:
    """Yield every field of a form, those inside lists and sub-forms included."""
    for f in form:
        if isinstance(f, FormField):
            yield from fields_of(f.form)
        elif isinstance(f, FieldList):
            for entry in f.entries:
                if isinstance(entry, FormField):
                    yield from fields_of(entry.form)
                else:
                    yield entry
            yield f
        else:
            yield f

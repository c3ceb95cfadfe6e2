"""Forms (Flask-WTF, CSRF on every one) of the nomination, council and award pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from wflow.web.forms import MultiCheckboxField

VOTE_CHOICES = [("yes", _l("Yes")), ("no", _l("No")), ("abstain", _l("Abstain"))]
LEVELS = [
    ("national", _l("National")),
    ("provincial", _l("Provincial")),
    ("commune", _l("Commune")),
]
PROPOSERS = [
    ("block_leader", _l("The block's leading unit")),
    ("member_unit", _l("The unit itself")),
    ("secretariat", _l("The secretariat")),
]
BASES = [("all", _l("of all members")), ("present", _l("of those who voted"))]
NOMINEES = [("unit", _l("A unit (collective)")), ("person", _l("A person"))]
DECIDERS = [("council", _l("The council")), ("unit_head", _l("The head of the person's unit"))]


class ProposeForm(FlaskForm):
    """Propose a member unit for an award."""

    unit_id = SelectField(_l("Unit"), coerce=int, validators=[DataRequired()])
    award_id = SelectField(_l("Award"), coerce=int, validators=[DataRequired()])


class VoteForm(FlaskForm):
    """Cast a ballot."""

    choice = RadioField(_l("Your vote"), choices=VOTE_CHOICES, validators=[DataRequired()])


class WrittenVoteForm(FlaskForm):
    """Enter the written ballot of an absent council member."""

    member_id = SelectField(_l("Absent member"), coerce=int, validators=[DataRequired()])
    choice = RadioField(_l("Written vote"), choices=VOTE_CHOICES, validators=[DataRequired()])


class PaperForm(FlaskForm):
    """A ballot paper with a choice per name of the dossier (fields `name_<id>`, see `paper`)."""

    def picks(self) -> dict[int, str]:
        """Return the choice given per name, by nominee id (blank ones left out)."""
        prefix = "name_"
        return {int(f.name[len(prefix):]): f.data for f in self
                if f.name.startswith(prefix) and f.data}  # fmt: skip


class WrittenPaperForm(PaperForm):
    """The written ballot paper of an absent council member."""

    member_id = SelectField(_l("Absent member"), coerce=int, validators=[DataRequired()])


def paper(
    names: list[tuple[int, str]], form: type[PaperForm] = PaperForm, **kw: object
) -> PaperForm:
    """Return a ballot paper form with a yes/no/abstain choice for each (nominee id, name)."""

    class Paper(form):  # type: ignore[valid-type,misc]
        pass

    for nominee_id, name in names:
        setattr(Paper, f"name_{nominee_id}", RadioField(name, choices=VOTE_CHOICES,
                                                        validators=[DataRequired()]))  # fmt: skip
    return Paper(**kw)


class DossierForm(FlaskForm):
    """The dossier's texts, editable until it is submitted."""

    cover_letter = TextAreaField(_l("Cover letter (Form 01)"), validators=[Length(max=20_000)])
    achievements = TextAreaField(
        _l("Achievement report (Form 02)"), validators=[Length(max=50_000)]
    )
    minutes = TextAreaField(_l("Minutes of the block meeting"), validators=[Length(max=20_000)])


class SubmitDossierForm(FlaskForm):
    """Sign and submit the dossier (the leading unit's head re-enters the password)."""

    password = PasswordField(
        _l("Your password (to sign the forms)"), validators=[DataRequired(), Length(max=256)]
    )


class ReasonForm(FlaskForm):
    """An action that needs a written reason (return, reject, revoke, withdraw)."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class ReferForm(FlaskForm):
    """Refer a checked dossier to a council session."""

    session_id = SelectField(_l("Council session"), coerce=int, validators=[DataRequired()])


class SessionForm(FlaskForm):
    """Open a council session."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    year = IntegerField(_l("Results of year"), validators=[DataRequired(), NumberRange(2000, 2100)])
    held_on = DateField(_l("Held on"), validators=[DataRequired()])


class DecisionForm(FlaskForm):
    """Prepare the session's decision and submit it for signature (the secretariat)."""

    number = StringField(_l("Decision number"), validators=[DataRequired(), Length(max=50)])
    issued_on = DateField(_l("Date"), validators=[DataRequired()])


class SignDecisionForm(FlaskForm):
    """Sign the submitted decision (the council's chair or a vice-chair)."""

    password = PasswordField(
        _l("Your password (to sign for the council)"), validators=[DataRequired(), Length(max=256)]
    )


class AwardForm(FlaskForm):
    """Create or change an award type."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Name (Vietnamese)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=200)])
    level = SelectField(_l("Level"), choices=LEVELS)
    position = IntegerField(_l("Order in lists"), default=0, validators=[Optional()])
    proposers = MultiCheckboxField(_l("Who may propose it"), choices=PROPOSERS)
    max_rank = IntegerField(
        _l("Year-end rank needed (at most)"),
        validators=[Optional()],
        description=_l("1: only the block's leading unit. Empty: any rank."),
    )
    min_score_percent = StringField(
        _l("Year total needed (percent of the plan's scale)"),
        validators=[Length(max=10)],
        description=_l("Empty: no score threshold."),
    )
    block_threshold = StringField(
        _l("Block vote: threshold"),
        validators=[Length(max=10)],
        description=_l('e.g. "2/3" or "90%"; the block plan\'s rule applies when it is stricter.'),
    )
    block_of = SelectField(_l("Block vote: threshold counted"), choices=BASES)
    block_quorum = StringField(
        _l("Block vote: quorum (share of members present)"), validators=[Length(max=10)]
    )
    block_secret = BooleanField(_l("Block vote: secret ballot"), default=True)
    council_threshold = StringField(_l("Council vote: threshold"), validators=[Length(max=10)])
    council_of = SelectField(_l("Council vote: threshold counted"), choices=BASES)
    council_quorum = StringField(
        _l("Council vote: quorum (share of members present)"), validators=[Length(max=10)]
    )
    council_secret = BooleanField(_l("Council vote: secret ballot"), default=True)
    prize_multiple = StringField(
        _l("Prize money (times the base salary)"), validators=[DataRequired(), Length(max=10)]
    )
    active = BooleanField(_l("Granted"), default=True)
    adhoc = BooleanField(
        _l("May be granted ad hoc"),
        description=_l("For an exceptional achievement at any time, outside any ranking "
                       "(khen thưởng đột xuất): proposal, secretariat, the chair's decision."),
    )  # fmt: skip
    nominee = SelectField(_l("Who receives it"), choices=NOMINEES)
    decided_by = SelectField(_l("Who decides it"), choices=DECIDERS)
    prerequisites = TextAreaField(
        _l("Prerequisites (one per line)"),
        validators=[Length(max=2000)],
        description=_l(
            '"same_year advanced_worker": holds that award the same year; "initiative unit": '
            "an initiative recognised that year at that level or higher (unit, province, "
            'national); "consecutive grassroots_fighter 3": that award in each of the 3 years '
            'ending that year; "quota advanced_worker 15%": at most that share of the unit\'s '
            "holders of that award that year."
        ),
    )


class SettingsForm(FlaskForm):
    """Installation-wide settings of the awards."""

    base_salary = StringField(
        _l("Base salary (đồng per month)"), validators=[DataRequired(), Length(max=20)]
    )
    council_chair = SelectField(
        _l("Chair of the council"), coerce=int, validate_choice=False,
        description=_l("The council member who signs the council's decisions (TM. HỘI ĐỒNG, "
                       "CHỦ TỊCH)."),
    )  # fmt: skip
    council_vice_chairs = MultiCheckboxField(
        _l("Vice-chairs of the council"), coerce=int, validate_choice=False,
        description=_l("They may sign the council's decisions for the chair (KT. CHỦ TỊCH)."),
    )  # fmt: skip

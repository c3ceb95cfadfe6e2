"""Who signs for a unit: its head, and the colleagues the head delegated signing to."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlmodel import Session, col, select
from wtforms import DateField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from wflow import db
from wflow.core.access import Action
from wflow.core.errors import ServiceError
from wflow.org import signers
from wflow.org.models import Capacity, Role, SigningDelegation, Unit, User
from wflow.web import formats
from wflow.web.forms import form_error
from wflow.web.guard import ensure, load_or_404, user
from wflow.web.lists import export, wanted_format

bp = Blueprint("signers", __name__)

STATUSES = {
    "current": _l("in force today"),
    "upcoming": _l("not started yet"),
    "ended": _l("ended"),
    "revoked": _l("revoked"),
}


class DelegationForm(FlaskForm):
    """Delegate signing for the unit to a colleague, for a period, with a reason."""

    delegate_id = SelectField(_l("Colleague"), coerce=int, validate_choice=False,
                              validators=[DataRequired()])  # fmt: skip
    capacity = RadioField(_l("Signs as"), default=Capacity.FOR_HEAD.value,
                          choices=list(signers.CAPACITY_WORDS.items()))  # fmt: skip
    starts_on = DateField(_l("From"), validators=[DataRequired()])
    ends_on = DateField(_l("Until (inclusive)"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class RevokeDelegationForm(FlaskForm):
    """End a delegation now (the CSRF token is the only field)."""


def status_of(row: SigningDelegation, today: date) -> str:
    """Return where a delegation stands today: current, upcoming, ended or revoked."""
    if row.revoked_at is not None:
        return "revoked"
    if today < row.starts_on:
        return "upcoming"
    return "ended" if row.ends_on < today else "current"


def _colleagues(sess: Session, unit_id: int) -> list[tuple[int, str]]:
    """Return the unit's active accounts a head may delegate to (not heads), by name."""
    query = select(User).where(User.unit_id == unit_id, col(User.active).is_(True))
    rows = [u for u in sess.exec(query).all() if not u.has_role(Role.UNIT_HEAD)]
    return sorted(((u.id or 0, u.display_name) for u in rows), key=lambda r: r[1])


def _names(sess: Session, rows: list[SigningDelegation]) -> dict[int, str]:
    ids = {r.delegate_user_id for r in rows} | {r.grantor_user_id for r in rows}
    ids |= {r.revoked_by_user_id for r in rows if r.revoked_by_user_id}
    query = select(User.id, User.display_name).where(col(User.id).in_(ids))
    return {uid: name for uid, name in sess.exec(query).all() if uid is not None}


def _page(unit: Unit, form: DelegationForm, status: int) -> ResponseReturnValue:
    sess = db.session()
    today = signers.today(sess)
    rows = signers.of_unit(sess, unit.id or 0)
    wanted = request.args.get("status", "")
    if wanted in STATUSES:
        rows = [r for r in rows if status_of(r, today) == wanted]
    names = _names(sess, rows)
    fmt = wanted_format()
    if fmt:
        return _export(fmt, f"signing-delegations-{unit.code}", rows, names, today)
    head = signers.heads_of(sess, [unit.id or 0]).get(unit.id or 0)
    may_manage = signers.is_head_of(user(), unit.id)
    if may_manage:
        form.delegate_id.choices = [(0, _("— choose —")), *_colleagues(sess, unit.id or 0)]
    return render_template(
        "main/signers.html", unit=unit, head=head, rows=rows, names=names, today=today,
        status_of=status_of, STATUSES=STATUSES, wanted=wanted, CAPACITY=signers.CAPACITY_WORDS,
        form=form if may_manage else None, revoke=RevokeDelegationForm(formdata=None),
    ), status  # fmt: skip


def _export(fmt: str, filename: str, rows: list[SigningDelegation], names: dict[int, str],
            today: date) -> ResponseReturnValue:  # fmt: skip
    data: list[dict[str, Any]] = [
        {
            "delegate": names.get(r.delegate_user_id, ""),
            "capacity": f"{r.capacity}.",
            "starts_on": r.starts_on,
            "ends_on": r.ends_on,
            "reason": r.reason,
            "granted_by": names.get(r.grantor_user_id, ""),
            "granted_at": r.created_at,
            "status": str(STATUSES[status_of(r, today)]),
            "revoked_at": r.revoked_at,
        }
        for r in rows
    ]
    cols = [
        ("delegate", _("Colleague")), ("capacity", _("Signs as")), ("starts_on", _("From")),
        ("ends_on", _("Until (inclusive)")), ("reason", _("Reason")),
        ("granted_by", _("Granted by")), ("granted_at", _("Granted at")),
        ("status", _("State")), ("revoked_at", _("Revoked at")),
    ]  # fmt: skip
    return export(fmt, filename, cols, data)


@bp.route("/units/<int:unit_id>/signers")
@login_required
def signers_page(unit_id: int) -> ResponseReturnValue:
    """Show who signs for the unit and its delegations (filtered; exported as CSV or XLSX)."""
    unit = load_or_404(Unit, unit_id)
    ensure(Action.VIEW, unit_id=unit_id)
    return _page(unit, DelegationForm(formdata=None), 200)


@bp.route("/units/<int:unit_id>/signers/delegate", methods=["POST"])
@login_required
def delegate(unit_id: int) -> ResponseReturnValue:
    """Delegate signing for the unit to a colleague for a period (the unit's head only)."""
    unit = load_or_404(Unit, unit_id)
    ensure(Action.VIEW, unit_id=unit_id)
    form = DelegationForm()  # its choices are set where it is shown again (`_page`)
    if not signers.is_head_of(user(), unit_id):
        flash(_("Only the head of the unit may delegate signing."), "error")
        return _page(unit, form, 403)
    if not form.validate_on_submit():
        return _page(unit, form, 422)
    try:
        row = signers.grant(
            db.session(), head=user(), delegate_id=form.delegate_id.data,
            capacity=form.capacity.data or "", starts_on=form.starts_on.data,
            ends_on=form.ends_on.data, reason=form.reason.data or "",
        )  # fmt: skip
    except ServiceError as exc:
        form_error(form, exc)
        return _page(unit, form, exc.status)
    name = _names(db.session(), [row]).get(row.delegate_user_id, "")
    start, end = formats.local_date(row.starts_on), formats.local_date(row.ends_on)
    flash(_("%(name)s signs for the unit from %(start)s to %(end)s.", name=name, start=start,
            end=end), "success")  # fmt: skip
    return redirect(url_for("signers.signers_page", unit_id=unit_id))


@bp.route("/units/<int:unit_id>/signers/<int:delegation_id>/revoke", methods=["POST"])
@login_required
def revoke(unit_id: int, delegation_id: int) -> ResponseReturnValue:
    """End a delegation now (the unit's head only); it stays on record."""
    unit = load_or_404(Unit, unit_id)
    ensure(Action.VIEW, unit_id=unit_id)
    if not RevokeDelegationForm().validate_on_submit():
        flash(_("The form has expired: try again."), "error")
        return _page(unit, DelegationForm(formdata=None), 400)
    if not signers.is_head_of(user(), unit_id):
        flash(_("Only the head of the unit may delegate signing."), "error")
        return _page(unit, DelegationForm(formdata=None), 403)
    try:
        signers.revoke(db.session(), head=user(), delegation_id=delegation_id)
    except ServiceError as exc:
        flash(str(exc.message), "error")
        return _page(unit, DelegationForm(formdata=None), exc.status)
    flash(_("The delegation is revoked."), "success")
    return redirect(url_for("signers.signers_page", unit_id=unit_id))

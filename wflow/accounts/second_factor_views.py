"""The person's two-step sign-in: set up an authenticator app, confirm it, turn it off."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from wflow import db
from wflow.accounts import second_factor
from wflow.accounts.service import turn_off_second_factor
from wflow.core.errors import ServiceError
from wflow.web.forms import CodeForm, EmptyForm
from wflow.web.guard import user

bp = Blueprint("two_step", __name__)


class TurnOffForm(CodeForm):
    """Turn two-step sign-in off: the password and a code, as for a signature."""

    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


@bp.app_context_processor
def _two_step() -> dict[str, object]:
    """Let every page ask whether the signed-in person's signatures need a code."""

    def two_step_on() -> bool:
        return bool(current_user.is_authenticated) and second_factor.is_on(db.session(), user())

    return {"two_step_on": two_step_on}


def _page(
    confirm: CodeForm | None = None, off: TurnOffForm | None = None, status: int = 200
) -> ResponseReturnValue:
    sess, me = db.session(), user()
    secret = second_factor.pending_secret(sess, me)
    qr = None
    if secret is not None:
        uri = second_factor.provisioning_uri(me, secret)
        qr = Markup(second_factor.qr_svg(uri))  # segno's SVG of our own URI: no input of the user
    return render_template(
        "account/two_step.html",
        on=second_factor.is_on(sess, me),
        secret=secret,
        qr=qr,
        begin_form=EmptyForm(),
        confirm_form=confirm or CodeForm(formdata=None),
        off_form=off or TurnOffForm(formdata=None),
    ), status


@bp.route("/account/two-step")
@login_required
def show() -> ResponseReturnValue:
    """Show whether two-step sign-in is on, and the setup under way."""
    return _page()


@bp.route("/account/two-step/begin", methods=["POST"])
@login_required
def begin() -> ResponseReturnValue:
    """Make a new secret for the app (shown until a first code confirms it)."""
    if not EmptyForm().validate_on_submit():
        return _page(status=400)
    try:
        second_factor.begin(db.session(), user())
    except ServiceError as exc:
        flash(str(exc.message), "error")
        return _page(status=exc.status)
    return redirect(url_for("two_step.show"), 303)


@bp.route("/account/two-step/confirm", methods=["POST"])
@login_required
def confirm() -> ResponseReturnValue:
    """Turn two-step sign-in on with the app's first code."""
    form = CodeForm()
    if not form.validate_on_submit():
        return _page(confirm=form, status=422)
    try:
        second_factor.confirm(db.session(), user(), form.code.data or "")
    except ServiceError as exc:
        form.code.errors = [*form.code.errors, str(exc.message)]
        return _page(confirm=form, status=422 if exc.status == 422 else exc.status)
    flash(_("Two-step sign-in is on: signing in and signing now ask for a code."), "success")
    return redirect(url_for("two_step.show"), 303)


@bp.route("/account/two-step/off", methods=["POST"])
@login_required
def turn_off() -> ResponseReturnValue:
    """Turn two-step sign-in off (password and a code)."""
    form = TurnOffForm()
    if not form.validate_on_submit():
        return _page(off=form, status=422)
    try:
        turn_off_second_factor(db.session(), user(), form.password.data or "",
                               code=form.code.data or "", address=request.remote_addr)  # fmt: skip
    except ServiceError as exc:
        field = form.code if exc.field == "code" else form.password
        field.errors = [*field.errors, str(exc.message)]
        return _page(off=form, status=422)
    flash(_("Two-step sign-in is off."), "success")
    return redirect(url_for("two_step.show"), 303)

"""The user's own account: personal API tokens (created, shown once, revoked)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from wflow import db
from wflow.accounts import tokens
from wflow.core.errors import ServiceError
from wflow.web.forms import EmptyForm
from wflow.web.guard import user

bp = Blueprint("account", __name__)


class TokenForm(FlaskForm):
    """Name a new API token."""

    name = StringField(
        _l("Name"), validators=[DataRequired(), Length(max=100)],
        description=_l("What will use it, e.g. “quarterly report script”."),
    )  # fmt: skip


def _page(form: TokenForm, secret: str | None = None, status: int = 200) -> ResponseReturnValue:
    rows = tokens.user_tokens(db.session(), user())
    return render_template(
        "account/tokens.html", form=form, tokens=rows, secret=secret, revoke_form=EmptyForm()
    ), status


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def api_tokens() -> ResponseReturnValue:
    """List the user's API tokens; create one and show its secret this once."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=422 if form.is_submitted() else 200)
    try:
        _token, secret = tokens.create_token(db.session(), user=user(), name=form.name.data or "")
    except ServiceError as exc:
        form.name.errors = [*form.name.errors, str(exc.message)]
        return _page(form, status=exc.status)
    flash(_("Token created. Copy it now: it will not be shown again."), "success")
    return _page(TokenForm(formdata=None), secret=secret, status=201)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int) -> ResponseReturnValue:
    """Revoke one of the user's tokens: it stops working at once."""
    if not EmptyForm().validate_on_submit():
        return _page(TokenForm(formdata=None), status=400)
    try:
        tokens.revoke_token(db.session(), user=user(), token_id=token_id)
    except ServiceError as exc:
        flash(str(exc.message), "error")
        return _page(TokenForm(formdata=None), status=exc.status)
    flash(_("Token revoked."), "success")
    return redirect(url_for("account.api_tokens"), 303)

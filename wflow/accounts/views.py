"""Signing in and out, and choosing the interface language."""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from wflow import db
from wflow.accounts.service import LoginRefused, authenticate, end_sessions, throttle_of
from wflow.core.errors import ServiceError
from wflow.org import service as org
from wflow.security import start_session
from wflow.web.forms import EmptyForm, LocaleForm, LoginForm

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    """Show the sign-in form; sign the user in on a correct password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        throttle = throttle_of(db.session())
        try:
            user = authenticate(db.session(), form.login.data or "", form.password.data or "",
                                throttle, address=request.remote_addr)  # fmt: skip
        except LoginRefused as exc:
            flash(str(exc.message), "error")
            return render_template("auth/login.html", form=form), 401
        locale = session.get("locale")
        start_session(user)  # a new session, no fixation
        if locale and user.locale != locale:
            org.set_locale(db.session(), user, locale)
        flash(_("Welcome, %(name)s.", name=user.display_name), "success")
        return redirect(_safe_next(request.args.get("next")))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    """Sign the user out and forget the session."""
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("main.home"))
    end_sessions(db.session(), current_user._get_current_object())  # copies of the cookie too
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/locale", methods=["POST"])
def set_locale() -> Response:
    """Switch the interface language, remembered for the user (or the session)."""
    form = LocaleForm()
    if form.validate_on_submit():
        code = form.locale.data or "vi"
        session["locale"] = code
        if current_user.is_authenticated:
            try:
                org.set_locale(db.session(), current_user._get_current_object(), code)
            except ServiceError as exc:
                flash(str(exc.message), "error")
    else:
        flash(_("Choose a language from the list."), "error")
    return redirect(_safe_next(request.form.get("next")))

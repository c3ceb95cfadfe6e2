"""Signing in and out, and choosing the interface language."""

from __future__ import annotations

import time

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
from wflow.accounts import second_factor
from wflow.accounts.service import (
    LoginRefused,
    authenticate,
    complete_sign_in,
    end_sessions,
    throttle_of,
)
from wflow.core.errors import ServiceError
from wflow.org import service as org
from wflow.org.models import User
from wflow.security import start_session
from wflow.web.forms import CodeForm, EmptyForm, LocaleForm, LoginForm

bp = Blueprint("auth", __name__)
PENDING = "second_factor"  # the session key of a sign-in waiting for its code
PENDING_SECONDS = 5 * 60  # how long the code may take after the password


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
        nxt = _safe_next(request.args.get("next"))
        if second_factor.is_on(db.session(), user):  # the password was right: now the code
            session[PENDING] = {"user": user.id, "epoch": user.session_epoch,
                                "at": time.time(), "next": nxt}  # fmt: skip
            return redirect(url_for("auth.code"))
        return _welcome(user, nxt)
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


def _welcome(user: User, target: str) -> Response:
    locale = session.get("locale")
    start_session(user)  # a new session, no fixation
    if locale and user.locale != locale:
        org.set_locale(db.session(), user, locale)
    flash(_("Welcome, %(name)s.", name=user.display_name), "success")
    return redirect(target)


@bp.route("/login/code", methods=["GET", "POST"])
def code() -> Response | str | tuple[str, int]:
    """Ask the code of the authenticator app after a right password (two-step sign-in)."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        session.pop(PENDING, None)
        if request.method == "POST" or pending is not None:
            flash(_("Sign in again: the code was not given in time."), "error")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            user = complete_sign_in(db.session(), int(pending["user"]), int(pending["epoch"]),
                                    form.code.data or "", address=request.remote_addr)  # fmt: skip
        except ServiceError as exc:  # a wrong or used code, a wait, a secret that won't open
            form.code.errors = [str(exc.message)]
            return render_template("auth/code.html", form=form), exc.status
        return _welcome(user, str(pending.get("next") or url_for("main.home")))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/code.html", form=form), status


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

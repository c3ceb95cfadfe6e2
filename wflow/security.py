"""Accounts and protection: Flask-Login sessions, CSRF on every form, security headers."""

from __future__ import annotations

from flask import Flask, Response, request, session
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, login_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from wflow import db
from wflow.accounts import passwords
from wflow.accounts.service import user_by_id
from wflow.org.models import User

login_manager = LoginManager()
csrf = CSRFProtect()

# No inline scripts or styles anywhere: every asset is a vendored file under /static.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# The session key holding the user's session epoch at sign-in (see User.session_epoch).
EPOCH_KEY = "_epoch"
# A year of HTTPS only, subdomains included; sent on secure requests only (RFC 6797 §7.2).
HSTS = "max-age=31536000; includeSubDomains"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Return the signed-in user from the session's id, if still active and not signed out."""
    if not user_id.isdigit():
        return None
    user = user_by_id(db.session(), int(user_id))
    if user is None or not user.active or session.get(EPOCH_KEY) != user.session_epoch:
        return None
    return user


def start_session(user: User) -> None:
    """Sign `user` in on a fresh session, bound to their current session epoch."""
    session.clear()  # a new session on sign-in: no fixation
    login_user(user)
    session[EPOCH_KEY] = user.session_epoch
    session.permanent = True


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:  # behind TLS (or a trusted proxy saying so): browsers keep to HTTPS
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    """Attach Flask-Login, CSRF protection and security headers."""
    passwords.configure(app.config["ARGON2_TIME_COST"], app.config["ARGON2_MEMORY_KIB"])
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    app.after_request(_headers)
    hops = proxy_hops(app.config.get("PROXY_FIX"))
    if hops:  # trust X-Forwarded-For/-Proto/-Host from that many proxies, no more
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )


def proxy_hops(value: object) -> int:
    """Read PROXY_FIX (a count, or a flag from the environment) as the number of proxies."""
    if isinstance(value, bool):
        return int(value)
    text = str(value or "0").strip().lower()
    if text in {"true", "yes", "on"}:
        return 1
    return int(text) if text.isdigit() else 0

"""Bearer-token authentication of /api/v1: the token's user, never the session cookie.

Cookies are ignored here, so a cross-site page cannot make a browser call the API with the
user's session: that is why the API may be exempt from CSRF tokens.
"""

from __future__ import annotations

from flask import g, request
from flask_babel import force_locale
from flask_babel import gettext as _

from wflow import db
from wflow.accounts import tokens
from wflow.api import bp
from wflow.config import LANGUAGES
from wflow.org.models import User

PUBLIC_ENDPOINTS = frozenset({"api.openapi_json", "api.docs"})


def bearer_secret() -> str | None:
    """Return the token of an `Authorization: Bearer <token>` header, if any."""
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def api_user() -> User:
    """Return the user the request's token acts for (set before every protected view)."""
    user: User = g.api_user
    return user


def api_locale() -> str:
    """Pick the language: Accept-Language when given, else the token user's, else the default."""
    if request.headers.get("Accept-Language"):
        found = request.accept_languages.best_match(LANGUAGES)
        if found:
            return str(found)
    user = g.get("api_user")
    if user is not None and user.locale in LANGUAGES:
        return str(user.locale)
    return LANGUAGES[0]


@bp.before_request
def _authenticate() -> None:
    from wflow.api.errors import ApiError

    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    secret = bearer_secret()
    user = tokens.authenticate(db.session(), secret) if secret else None
    if user is None:
        with force_locale(api_locale()):
            message = _("A valid API token is required: send Authorization: Bearer <token>.")
        raise ApiError(401, "unauthorized", message)
    g.api_user = user

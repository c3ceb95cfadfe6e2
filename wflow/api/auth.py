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
from wflow.api.errors import ApiError
from wflow.api.language import api_locale
from wflow.org.models import User

PUBLIC_ENDPOINTS = frozenset({"api.openapi_json", "api.docs"})
# Answered from the routes alone (wflow.api.methods), whoever asks: no data is shown.
METHODS_WITHOUT_TOKEN = frozenset({"OPTIONS", "TRACE"})


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


@bp.before_request
def _authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS or request.method in METHODS_WITHOUT_TOKEN:
        return
    secret = bearer_secret()
    user = tokens.authenticate(db.session(), secret) if secret else None
    if user is None:
        with force_locale(api_locale()):
            message = _("A valid API token is required: send Authorization: Bearer <token>.")
        raise ApiError(401, "unauthorized", message)
    g.api_user = user

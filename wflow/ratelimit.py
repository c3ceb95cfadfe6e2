"""Rate limits (Flask-Limiter) per client address on sign-in and on the PDF checks.

One limiter per application, its counters in RATELIMIT_STORAGE_URI: memory:// counts per
process, redis://host:6379 shares the counters between every worker of every server.
"""

from __future__ import annotations

import math
import time
from typing import Any

from flask import Flask, current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address

from wflow.api.errors import error_response
from wflow.api.language import api_locale
from wflow.web.errors import render_error

# endpoint -> the setting holding its limit; only POST counts (showing the form is free).
LIMITED: dict[str, str] = {
    "auth.login": "RATELIMIT_LOGIN",
    "documents.verify": "RATELIMIT_VERIFY",
    "api.verify": "RATELIMIT_VERIFY",
}
# Never limited, whatever default limits an operator may configure.
EXEMPT: tuple[str, ...] = ("health.healthz",)


def limiter() -> Limiter:
    """Return the current application's limiter."""
    found: Limiter = current_app.extensions["wflow.limiter"]
    return found


def retry_after() -> int:
    """Return the seconds until the limit breached by this request lets it through again."""
    current = limiter().current_limit
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - time.time()))


def _refused(exc: RateLimitExceeded) -> ResponseReturnValue:
    """Answer 429: a JSON error under /api, else the error page, both saying when to retry."""
    wait = retry_after()
    if request.blueprint == "api":
        with force_locale(api_locale()):
            message = _("Too many requests from your address; try again in %(n)d seconds.",
                        n=wait)  # fmt: skip
        response = error_response(429, "too_many_requests", message)
    else:
        detail = _("Too many attempts from your address; try again in %(n)d seconds.", n=wait)
        response = current_app.make_response(render_error(429, detail))
    response.headers["Retry-After"] = str(wait)
    return response


def init_app(app: Flask) -> None:
    """Limit the POSTs of LIMITED endpoints per client address (after the views exist)."""
    limits = Limiter(
        key_func=get_remote_address,
        app=app,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        headers_enabled=True,
        key_prefix="wflow",
    )
    app.extensions["wflow.limiter"] = limits
    views: dict[str, Any] = app.view_functions
    for endpoint, setting in LIMITED.items():
        rule = str(app.config[setting])
        views[endpoint] = limits.limit(rule, methods=["POST"])(views[endpoint])
    for endpoint in EXEMPT:
        if endpoint in views:
            views[endpoint] = limits.exempt(views[endpoint])
    app.register_error_handler(RateLimitExceeded, _refused)

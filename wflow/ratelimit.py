"""Rate limits (Flask-Limiter) on sign-in (per login and address, and per address) and on the
PDF checks (per address).

One limiter per application, its counters in RATELIMIT_STORAGE_URI: memory:// counts per
process, redis://host:6379 shares the counters between every worker of every server.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
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


def login_and_address() -> str:
    """Key sign-in tries by the login typed and the client address (one person's tries)."""
    login = str(request.form.get("login") or request.form.get("pending") or "")
    return f"{get_remote_address()}|{login.strip().lower()[:80]}"


# endpoint -> (the setting holding a limit, what it counts by); only POST counts (showing
# the form is free). Sign-in is limited per person and address, and, more loosely, per
# address: fifty colleagues behind one office address all sign in within a minute.
LIMITED: dict[str, tuple[tuple[str, Callable[[], str]], ...]] = {
    "auth.login": (
        ("RATELIMIT_LOGIN", login_and_address),
        ("RATELIMIT_LOGIN_ADDRESS", get_remote_address),
    ),
    "documents.verify": (("RATELIMIT_VERIFY", get_remote_address),),
    "api.verify": (("RATELIMIT_VERIFY", get_remote_address),),
}
# Public pages whose GETs do real work (the verification page checks the stored file's
# signatures): limited like the uploads of /verify.
LIMITED_READS: dict[str, tuple[str, Callable[[], str]]] = {
    "documents.verify_code": ("RATELIMIT_VERIFY", get_remote_address),
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
    """Limit the POSTs of LIMITED and the GETs of LIMITED_READS per client address."""
    limits = Limiter(
        key_func=get_remote_address,
        app=app,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        headers_enabled=True,
        key_prefix="wflow",
    )
    app.extensions["wflow.limiter"] = limits
    views: dict[str, Any] = app.view_functions
    for endpoint, rules in LIMITED.items():
        for setting, key in rules:
            rule = str(app.config[setting])
            views[endpoint] = limits.limit(rule, key_func=key, methods=["POST"])(views[endpoint])
    for endpoint, (setting, key) in LIMITED_READS.items():
        rule = str(app.config[setting])
        views[endpoint] = limits.limit(rule, key_func=key, methods=["GET"])(views[endpoint])
    for endpoint in EXEMPT:
        if endpoint in views:
            views[endpoint] = limits.exempt(views[endpoint])
    app.register_error_handler(RateLimitExceeded, _refused)

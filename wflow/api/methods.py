"""HTTP methods on the API answered as RFC 9110 says: OPTIONS and 405s list `Allow`.

`OPTIONS` on an API resource is a 204 with the methods it supports, without a token (it
tells what the resource accepts, never anything about the data); `TRACE` and every other
method a resource does not support is a 405 with `Allow`; an unknown path is a 404.
"""

from __future__ import annotations

from flask import Response, current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from wflow.api import bp
from wflow.api.errors import error_response
from wflow.api.language import api_locale

# Methods a resource may have; the catch-all route answers the rest of them with a 405.
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
UNKNOWN = "api.unknown"


def allowed_methods(path: str) -> list[str]:
    """Return the methods the API resource at `path` supports (empty when there is none)."""
    adapter = current_app.url_map.bind("localhost")
    allowed = set()
    for method in METHODS:
        try:
            endpoint, _args = adapter.match(path, method)
        except HTTPException:
            continue
        if endpoint != UNKNOWN:
            allowed.add(method)
    if "GET" in allowed:
        allowed.add("HEAD")
    return sorted(allowed | {"OPTIONS"}) if allowed else []


def not_allowed(allowed: list[str]) -> Response:
    """Return the 405 answer listing the methods the resource supports."""
    with force_locale(api_locale()):
        message = _("This method is not available here.")
    response = error_response(405, "method_not_allowed", message)
    response.headers["Allow"] = ", ".join(allowed)
    return response


def not_found() -> Response:
    """Return the 404 answer of a path the API does not have."""
    with force_locale(api_locale()):
        message = _("This resource does not exist.")
    return error_response(404, "not_found", message)


@bp.before_request
def _options_and_trace() -> Response | None:
    """Answer OPTIONS (204) and TRACE (405) with `Allow`, before the token is asked for."""
    if request.method not in ("OPTIONS", "TRACE"):
        return None
    allowed = allowed_methods(request.path)
    if not allowed:
        return not_found()
    if request.method == "TRACE":
        return not_allowed(allowed)
    return Response(status=204, headers={"Allow": ", ".join(allowed)})

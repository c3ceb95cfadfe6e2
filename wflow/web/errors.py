"""Error pages (and JSON errors under /api) in the user's language."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed
from werkzeug.http import HTTP_STATUS_CODES

from wflow import db
from wflow.core.errors import describe
from wflow.core.uow import discard
from wflow.errors import Refusal


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        401: _("Please sign in."),
        403: _("You may not see or do this."),
        404: _("This page does not exist."),
        405: _("This action is not available here."),
        409: _("This was changed meanwhile; reload the page and try again."),
        413: _("The file or form is too large."),
        422: _("The data given is not valid."),
        429: _("Too many requests; wait a moment and try again."),
        500: _("Something went wrong on our side. The error has been logged."),
    }


def back_link() -> str | None:
    """Return the page the person came from, when it is one of ours and not this one."""
    referrer = request.referrer or ""
    found = urlsplit(referrer)
    if not referrer or found.netloc != request.host or found.scheme not in ("http", "https"):
        return None
    here = urlsplit(request.url)
    if (found.path, found.query) == (here.path, here.query):
        return None
    return urlunsplit(("", "", found.path or "/", found.query, ""))


def render_error(status: int, detail: str | None = None) -> ResponseReturnValue:
    """Render the error page (or JSON under /api) for `status` with an optional reason."""
    message = _messages().get(status, _("Error"))
    if request.path.startswith("/api/"):
        code = HTTP_STATUS_CODES.get(status, "error").lower().replace(" ", "_")
        return jsonify(error={"status": status, "code": code, "message": detail or message,
                              "fields": []}), status  # fmt: skip
    return render_template(
        "errors/error.html", status=status, message=message, detail=detail, back=back_link()
    ), status


def init_app(app: Flask) -> None:
    """Register the handlers for CSRF failures, HTTP errors and unexpected exceptions."""

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> ResponseReturnValue:
        return render_error(
            400, _("The form expired or was not sent by this site; reload the page and try again.")
        )

    @app.errorhandler(Refusal)
    def refused(exc: Refusal) -> ResponseReturnValue:
        """Answer a refusal the view did not handle: its status and reason, nothing changed."""
        return render_error(exc.status, describe(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        status = exc.code or 500
        own = exc.description and exc.description != type(exc).description
        detail = exc.description if own else None
        response = app.make_response(render_error(status, detail))
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:  # RFC 9110 §15.5.6
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> ResponseReturnValue:
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        discard(db.session())
        return render_error(InternalServerError.code)

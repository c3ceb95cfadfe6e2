"""Every API error as JSON: {"error": {"status", "code", "message", "fields"}}, never a page."""

from __future__ import annotations

import logging
import re

from flask import Response
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from wflow import db
from wflow.api import bp
from wflow.api.language import api_locale
from wflow.api.schemas import ErrorDetail, ErrorResponse
from wflow.core.errors import describe
from wflow.core.uow import discard
from wflow.errors import Refusal

log = logging.getLogger(__name__)
CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


class ApiError(Refusal):
    """A refusal of the API itself (bad token, bad body) with its status and stable code."""

    def __init__(self, status: int, code: str, message: str, fields: list[str] | None = None):
        super().__init__(message, dict.fromkeys(fields or [], ""))
        self.status, self.code = status, code


def error_response(
    status: int, code: str, message: str, fields: list[str] | None = None
) -> Response:
    """Return the JSON error answer (401 says how to authenticate)."""
    body = ErrorResponse(error=ErrorDetail(status=status, code=code, message=message,
                                           fields=fields or []))  # fmt: skip
    response = Response(body.model_dump_json(), status=status, mimetype="application/json")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="wflow"'
    return response


def _code(exc: Exception) -> str:
    return CAMEL.sub("_", type(exc).__name__).lower()


def _http_message(status: int) -> str:
    messages = {
        400: _("The request could not be understood."),
        401: _("A valid API token is required."),
        403: _("You may not see or do this."),
        404: _("This resource does not exist."),
        405: _("This method is not available here."),
        413: _("The body is too large."),
    }
    return messages.get(status, _("The request was refused."))


@bp.errorhandler(Refusal)
def _refusal(exc: Refusal) -> Response:
    """Answer every refusal (API, service, workflow) with its status, code, reason, fields."""
    with force_locale(api_locale()):
        message = describe(exc)
    return error_response(exc.status, exc.code, message, list(exc.fields))


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    with force_locale(api_locale()):
        message = _http_message(status)
    return error_response(status, _code(exc), message)


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> Response:
    log.exception("unhandled API error")
    discard(db.session())
    with force_locale(api_locale()):
        message = _("Something went wrong on our side. The error has been logged.")
    return error_response(500, "internal_error", message)

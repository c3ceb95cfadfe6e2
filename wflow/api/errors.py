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
from wflow.api.auth import api_locale
from wflow.api.schemas import ErrorDetail, ErrorResponse
from wflow.core.errors import ServiceError
from wflow.core.workflow import explain
from wflow.engine import WorkflowError

log = logging.getLogger(__name__)
CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


class ApiError(Exception):
    """A refusal of the API with its status, stable code and message for people."""

    def __init__(self, status: int, code: str, message: str, fields: list[str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or []


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


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> Response:
    return error_response(exc.status, exc.code, exc.message, exc.fields)


@bp.errorhandler(WorkflowError)
def _workflow_error(exc: WorkflowError) -> Response:
    with force_locale(api_locale()):
        message = explain(exc)
    fields = list(getattr(exc, "fields", ()))
    return error_response(exc.http_status, _code(exc), message, fields)


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError) -> Response:
    with force_locale(api_locale()):
        message = str(exc.message)
    return error_response(exc.status, _code(exc), message, [exc.field] if exc.field else [])


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    with force_locale(api_locale()):
        message = _http_message(status)
    return error_response(status, _code(exc), message)


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> Response:
    log.exception("unhandled API error")
    db.session().rollback()
    with force_locale(api_locale()):
        message = _("Something went wrong on our side. The error has been logged.")
    return error_response(500, "internal_error", message)

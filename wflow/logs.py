"""Logs: one JSON line per request on `wflow.access`, request ids, JSON lines on demand.

Every request gets an id (the client's X-Request-ID when it is a sane token, else a new
one), echoed in the X-Request-ID response header and written with the access line, so a
proxy's log, the access line and an error's traceback can be matched. LOG_FORMAT "json"
(WFLOW_LOG_FORMAT=json) writes every record of the `wflow` loggers as one JSON object per
line on stderr, for a log collector; "text" (the default) leaves Flask's plain lines.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from flask.logging import default_handler

ACCESS = logging.getLogger("wflow.access")
ROOT = "wflow"  # the app's logger (Flask names it after the package) and its children
REQUEST_ID_HEADER = "X-Request-ID"
# A client's id is kept only when it is a short token of safe characters.
SAFE_ID = re.compile(r"^[A-Za-z0-9._:@+=/-]{1,128}$")
# Attributes every LogRecord has: what is left after them was passed in `extra=`.
STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "access",
}  # fmt: skip


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message, extras, request id."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a single line of JSON."""
        stamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        payload: dict[str, Any] = {"time": stamp.replace("+00:00", "Z"),
                                   "level": record.levelname, "logger": record.name}  # fmt: skip
        fields = getattr(record, "access", None)
        if isinstance(fields, dict):
            payload.update(fields)
        else:
            payload["message"] = record.getMessage()
        payload.update({k: v for k, v in vars(record).items()
                        if k not in STANDARD and not k.startswith("_")})  # fmt: skip
        if "request_id" not in payload and has_request_context() and "request_id" in g:
            payload["request_id"] = g.request_id
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            payload["stack"] = self.formatStack(record.stack_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


def request_id() -> str:
    """Return the current request's id (the client's X-Request-ID if sane, else a new one)."""
    if "request_id" not in g:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if SAFE_ID.match(given) else uuid.uuid4().hex
    return str(g.request_id)


def _start() -> None:
    g.request_started = time.perf_counter()
    request_id()


def _user_id() -> int | None:
    """Return the id of the session's or the API token's user, without loading anyone."""
    for name in ("api_user", "_login_user"):
        user = g.get(name)
        if user is not None and getattr(user, "is_authenticated", False):
            return getattr(user, "id", None)
    return None


def _finish(response: Response) -> Response:
    started = g.get("request_started")
    duration = (time.perf_counter() - started) * 1000 if started is not None else None
    rid = request_id()
    response.headers[REQUEST_ID_HEADER] = rid
    fields = {
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round(duration, 2) if duration is not None else None,
        "user": _user_id(),
        "remote_addr": request.remote_addr,
        "request_id": rid,
    }
    ACCESS.info(json.dumps(fields), extra={"access": fields})
    return response


def configure(log_format: str) -> None:
    """Send the `wflow` loggers' records as JSON lines ("json") or plain text (else)."""
    logger = logging.getLogger(ROOT)
    for handler in list(logger.handlers):
        if getattr(handler, "wflow_json", False):
            logger.removeHandler(handler)
    ACCESS.setLevel(logging.INFO)
    if getattr(logger, "wflow_level", False):  # undo what an earlier "json" set
        logger.setLevel(logging.NOTSET)
        logger.wflow_level = False  # type: ignore[attr-defined]
    if log_format.strip().lower() != "json":
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler.wflow_json = True  # type: ignore[attr-defined]
    logger.removeHandler(default_handler)  # no second, plain copy of each record
    logger.addHandler(handler)
    if logger.level == logging.NOTSET:  # INFO and above, unless the operator chose a level
        logger.setLevel(logging.INFO)
        logger.wflow_level = True  # type: ignore[attr-defined]


def init_app(app: Flask) -> None:
    """Configure the log format and log every request (call first: its hooks run outermost)."""
    configure(str(app.config.get("LOG_FORMAT") or "text"))
    _ = app.logger  # text: Flask gives `wflow` its stderr handler when nothing else would write
    app.before_request(_start)
    app.after_request(_finish)

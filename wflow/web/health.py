"""GET /healthz for load balancers: the app answers and its database does (no sign-in)."""

from __future__ import annotations

import logging
from functools import cache
from importlib.metadata import PackageNotFoundError, version

import sqlalchemy as sa
from flask import Blueprint, Flask, jsonify
from flask.typing import ResponseReturnValue

from wflow import db
from wflow.security import csrf

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@cache
def wflow_version() -> str:
    """Return the installed wflow version ("unknown" when not installed as a package)."""
    try:
        return version("wflow")
    except PackageNotFoundError:
        return "unknown"


@bp.route("/healthz")
def healthz() -> ResponseReturnValue:
    """Answer 200 when `SELECT 1` works, else 503; never touches the session cookie."""
    status, database = 200, "ok"
    try:
        with db.engine().connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception:  # any failure of the database is "not healthy", never a 500
        log.exception("health check: the database does not answer")
        status, database = 503, "error"
    body = {"status": "ok" if status == 200 else "error", "database": database,
            "version": wflow_version()}  # fmt: skip
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Register /healthz, exempt from CSRF (rate limits exempt it in wflow.ratelimit)."""

    csrf.exempt(bp)
    app.register_blueprint(bp)

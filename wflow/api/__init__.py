"""The JSON API under /api/v1: personal bearer tokens, typed JSON errors, OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    """Register the API: its routes, token check and error handlers; CSRF-exempt (no cookies)."""
    from wflow.api import auth, errors, routes, routes_documents, routes_instances  # noqa: F401
    from wflow.security import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)

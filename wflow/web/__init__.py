"""The web framework the features' views plug into: errors, layout helpers, health check."""

from __future__ import annotations

from flask import Flask

from wflow.web import charts, errors, formats, health, nav
from wflow.web.args import IdConverter


def init_app(app: Flask) -> None:
    """Register error pages, the health check and template helpers; bound ids in routes."""
    app.url_map.converters["int"] = IdConverter  # before any route is added
    health.init_app(app)
    errors.init_app(app)
    nav.init_app(app)
    formats.init_app(app)
    charts.init_app(app)

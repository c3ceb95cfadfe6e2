"""The web layer: thin blueprints (load-or-404, check, call a service, render)."""

from __future__ import annotations

from flask import Flask

from wflow.web import admin, auth, errors, main, nav


def init_app(app: Flask) -> None:
    """Register blueprints, error pages and template helpers."""
    for module in (auth, main, admin):
        app.register_blueprint(module.bp)
    errors.init_app(app)
    nav.init_app(app)

"""The web layer: thin blueprints (load-or-404, check, call a service, render)."""

from __future__ import annotations

from flask import Flask

from wflow.web import account, admin, auth, committee, errors, main, nav, notifications, workflows
from wflow.web import documents as document_pages
from wflow.web import pact as pact_pages
from wflow.web import plan as plan_pages


def init_app(app: Flask) -> None:
    """Register blueprints, error pages and template helpers."""
    for module in (auth, main, admin, workflows, account):
        app.register_blueprint(module.bp)
    app.register_blueprint(plan_pages.bp)
    app.register_blueprint(document_pages.bp)
    app.register_blueprint(pact_pages.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(committee.bp)
    from wflow.web import scoreboard

    app.register_blueprint(scoreboard.bp)
    from wflow.web import review as review_pages

    app.register_blueprint(review_pages.bp)
    from wflow.web import award_admin
    from wflow.web import nomination as nomination_pages

    app.register_blueprint(nomination_pages.bp)
    app.register_blueprint(award_admin.bp)
    from wflow.web import health

    health.init_app(app)
    errors.init_app(app)
    nav.init_app(app)

"""wflow: workflows for emulation pacts, reviews and awards."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the engine imports this package: keep Flask out of its import path
    from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, database, languages, accounts, workflows, views."""
    # imported here, not above: the engine imports this package and must not pull in Flask
    from flask import Flask

    from wflow import (  # (same reason)
        api,
        cli,
        db,
        features,
        i18n,
        installation_setup,
        logs,
        ratelimit,
        security,
        workflow_setup,
    )
    from wflow.config import PROJECT_ROOT, instance_path, load_config  # (same reason)
    from wflow.web import init_app as init_web  # (same reason)

    app = Flask(
        __name__,
        instance_path=instance_path(),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    load_config(app, test_config)
    logs.init_app(app)  # first: its request hooks wrap every other one
    db.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    workflow_setup.init_app(app)
    installation_setup.init_app(app)
    init_web(app)
    features.init_app(app)
    api.init_app(app)
    ratelimit.init_app(app)  # after the views it limits
    cli.init_app(app)
    return app

"""Give the services what this app provides: its folder, settings, mailer and courier."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, render_template

from wflow.core import installation
from wflow.core.courier import Courier
from wflow.core.mailer import Mailer


def init_app(app: Flask) -> None:
    """Attach this app's installation to its database engine (after the db and workflows)."""

    def render(template: str, context: Mapping[str, Any]) -> str:
        with app.app_context():
            return render_template(template, **context)

    settings = installation.Settings(app.config)
    bind = app.extensions["wflow.db"]
    found = installation.Installation(
        folder=Path(app.instance_path),
        settings=settings,
        mailer=Mailer(app.config, render),
        workflows=app.extensions["wflow.engine"],
        courier=Courier(bind, app.app_context, background=settings.notify_in_background),
    )
    app.extensions["wflow.installation"] = found
    installation.attach(bind, found)

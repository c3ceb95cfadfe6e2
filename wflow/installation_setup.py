"""Give the services what this app provides: its folder, settings and mailer."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, render_template

from wflow.core import installation
from wflow.core.mailer import Mailer


def init_app(app: Flask) -> None:
    """Attach this app's installation to its database engine (after the db and workflows)."""

    def render(template: str, context: Mapping[str, Any]) -> str:
        with app.app_context():
            return render_template(template, **context)

    found = installation.Installation(
        folder=Path(app.instance_path),
        settings=installation.Settings(app.config),
        mailer=Mailer(app.config, render),
        workflows=app.extensions["wflow.engine"],
    )
    app.extensions["wflow.installation"] = found
    installation.attach(app.extensions["wflow.db"], found)

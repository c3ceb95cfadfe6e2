"""Load and validate the workflow definitions at start-up and attach the engine to the app."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, current_app, request

from wflow import db
from wflow.core import workflow as wf
from wflow.engine import Engine, load_directory
from wflow.workflow_rules import build_registry


def init_app(app: Flask) -> None:
    """Build the engine from WORKFLOWS_DIR; an invalid definition stops the app from starting."""
    registry = build_registry()
    definitions = load_directory(Path(app.config["WORKFLOWS_DIR"]), registry)  # raises on error
    engine = Engine(definitions, registry, ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"]))
    app.extensions["wflow.engine"] = engine
    synced: list[bool] = []

    @app.before_request
    def _sync_versions_once() -> None:
        # Each server stores new definition versions (and loads old ones still in use) once;
        # not on the health check, which must answer 503 (not fail) while the database is down.
        if not synced and request.endpoint != "health.healthz":
            wf.sync_versions(db.session(), engine)
            synced.append(True)


def engine() -> Engine:
    """Return the current app's workflow engine."""
    engine: Engine = current_app.extensions["wflow.engine"]
    return engine

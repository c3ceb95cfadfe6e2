"""Workflow engine wiring (filled in by the engine integration)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Load and validate the workflow definitions (refusing to start on any error)."""

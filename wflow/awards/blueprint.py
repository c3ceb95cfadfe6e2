"""The `nomination` blueprint: one set of endpoints for the nomination, council session and
award register pages, each module adding its routes (`wflow.features` imports them all)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("nomination", __name__)

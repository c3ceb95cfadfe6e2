"""An installation's own logo and icon: files in instance/branding/, else wflow's own.

An administrator drops `logo.svg` (or `logo.png`) and `favicon.svg` (or `.png`, `.ico`) into
the instance folder's `branding/`; pages show them at once. Nothing else there is served.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, send_file, url_for
from werkzeug.wrappers import Response

bp = Blueprint("branding", __name__)
TYPES = {
    "logo.svg": "image/svg+xml",
    "logo.png": "image/png",
    "favicon.svg": "image/svg+xml",
    "favicon.png": "image/png",
    "favicon.ico": "image/x-icon",
}
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"  # an SVG opened alone runs nothing


def _folder(app: Flask) -> Path:
    return Path(app.instance_path) / "branding"


def _present(kind: str) -> str | None:
    folder = _folder(current_app)
    return next((n for n in TYPES if n.startswith(f"{kind}.") and (folder / n).is_file()), None)


def urls() -> dict[str, str | None]:
    """Return the installation's logo (None: wflow's name alone) and icon, as URLs."""
    logo, icon = _present("logo"), _present("favicon")
    return {
        "logo": url_for("branding.asset", file_name=logo) if logo else None,
        "favicon": url_for("branding.asset", file_name=icon)
        if icon
        else url_for("static", filename="favicon.svg"),
    }


@bp.route("/branding/<file_name>")
def asset(file_name: str) -> Response:
    """Send one of the installation's branding files (public: every page shows them)."""
    path = _folder(current_app) / file_name
    if file_name not in TYPES or not path.is_file():
        abort(404)
    response = send_file(path, mimetype=TYPES[file_name], max_age=3600)
    if file_name.endswith(".svg"):
        response.headers["Content-Security-Policy"] = SVG_CSP
    return response

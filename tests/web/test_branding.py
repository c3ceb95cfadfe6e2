"""An installation's own logo and icon, from instance/branding/, and nothing else from there."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

LOGO = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="9"/></svg>'


def test_branding__wflow_s_own_icon_until_the_installation_brings_its_logo(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg">' in page and 'class="logo"' not in page
    assert client.get("/branding/logo.svg").status_code == 404
    assert client.get("/favicon.ico").headers["Location"].endswith("/static/favicon.svg")

    folder = Path(app.instance_path) / "branding"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "logo.svg").write_bytes(LOGO)
    (folder / "favicon.svg").write_bytes(LOGO)
    (folder / "notes.txt").write_text("not served")
    page = client.get("/login").get_data(as_text=True)
    assert '<img class="logo" src="/branding/logo.svg" alt="">' in page
    assert '<link rel="icon" href="/branding/favicon.svg">' in page
    logo = client.get("/branding/logo.svg")
    assert logo.status_code == 200 and logo.mimetype == "image/svg+xml" and logo.data == LOGO
    assert logo.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert client.get("/favicon.ico").headers["Location"].endswith("/branding/favicon.svg")
    for name in ("notes.txt", "..%2Fconfig.py", "logo.gif"):
        assert client.get(f"/branding/{name}").status_code == 404

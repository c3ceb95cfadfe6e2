"""Take the README's screenshots from a running demo (`make run`), at 1366 and 390 px wide.

    .venv/bin/python docs/screenshots.py http://127.0.0.1:5000

Drives Debian's Chromium through Playwright (pip install -e '.[test]'); writes docs/screenshots/.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent / "screenshots"
PASSWORD = "demo-2026!"  # the demo's, printed by `make run`
# (file, person, page, width): the council's and a unit head's main pages
SHOTS = [
    ("home.png", "secretariat", "/", 1366),
    ("committee.png", "secretariat", "/committee", 1366),
    ("committee-phone.png", "secretariat", "/committee", 390),
    ("pact.png", "cnht.head", "/pacts/2", 1366),
    ("pact-phone.png", "cnht.head", "/pacts/2", 390),
]


def main(base: str) -> None:
    """Sign each person in and photograph their pages."""
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        for name, login, path, width in SHOTS:
            context = browser.new_context(base_url=base, viewport={"width": width, "height": 900})
            page = context.new_page()
            page.goto("/login")
            page.fill("#login", login)
            page.fill("#password", PASSWORD)
            page.press("#password", "Enter")
            page.wait_for_load_state()
            page.goto(path)
            page.screenshot(path=str(OUT / name))
            context.close()
            print(f"{name}: {login} {path} at {width} px")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000")

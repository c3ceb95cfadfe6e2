"""Browser tests: the real app served on a loopback port with the demo province, driven by Chromium.

One server per test module (a thread running werkzeug on a copy of the SQLite demo province
that `wflow init --demo` built once for the session, see tests/dbs.py); every test signs
people in through the login form, each in a browser context of their own. Console errors,
failed page loads and pages without the CSP header fail the test; a failed test leaves a
screenshot and the HTML of every open page in
tests/browser/artifacts/.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.dbs import IN_CI, Templates
from wflow import create_app
from wflow.demo.org import DEMO_PASSWORD

try:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import Response as PwResponse
except ImportError:  # reported by the `browser` fixture (fails in CI, skips locally)
    sync_playwright = None  # type: ignore[assignment]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
T = TypeVar("T")


def _missing(why: str) -> None:
    if IN_CI:
        pytest.fail(f"CI must run the browser tests: {why}")
    pytest.skip(why)


@dataclass
class LiveServer:
    """The app served on a loopback port."""

    app: Flask
    url: str


@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, templates: Templates
) -> Iterator[LiveServer]:
    """Serve the app with the demo province on a SQLite database of its own (one per module).

    The province is a copy of the session's `wflow init --demo` (database and instance folder).
    """
    folder = tmp_path_factory.mktemp("browser")
    demo = templates.demo("sqlite")
    assert demo.exit_code == 0, demo.output
    url = templates.demo_copy("sqlite", folder, "wflow.sqlite3")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WFLOW_INSTANCE_PATH", str(folder / "instance"))
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "browser-test-secret",
                "SESSION_COOKIE_SECURE": False,
                "REMEMBER_COOKIE_SECURE": False,
                "ARGON2_TIME_COST": 1,
                "ARGON2_MEMORY_KIB": 1024,
                "RATELIMIT_LOGIN": "1000 per minute",  # every person signs in from 127.0.0.1
            }
        )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(10)
        app.extensions["wflow.db"].dispose()


def in_thread(work: Callable[[], T]) -> T:
    """Run `work` in another thread: Playwright's event loop runs in this one, and pyHanko
    signs and validates with asyncio.run, which refuses to start inside a running loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(work).result()


@pytest.fixture(scope="module")
def browser(live_server: LiveServer) -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright (no browser is downloaded).

    Started after the server, whose set-up signs PDFs in this thread (see `in_thread`).
    """
    if sync_playwright is None:
        _missing("the playwright package is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def choose_language(page: Page, name: str) -> None:
    """Switch the page's language from the header's language menu (a button per language)."""
    page.locator("summary.lang").click()
    page.get_by_role("button", name=name, exact=True).click()


@dataclass
class People:
    """People using the app, each in a browser context of their own; watches every page."""

    browser: Browser
    base: str
    contexts: list[BrowserContext] = field(default_factory=list)
    pages: dict[str, Page] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Accept console errors matching `pattern` (e.g. the status of a refused form)."""
        self.allowed.append(re.compile(pattern))

    def open(self, name: str) -> Page:
        """Return a new page in a fresh context (no cookies), watched for errors."""
        context = self.browser.new_context(base_url=self.base, locale="en-GB")
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", lambda msg: self._console(name, msg))
        page.on("pageerror", lambda exc: self.problems.append(f"{name}: page error: {exc}"))
        page.on("response", lambda response: self._response(name, response))
        self.pages[name] = page
        return page

    def sign_in(self, login: str, password: str = DEMO_PASSWORD, english: bool = True) -> Page:
        """Open the sign-in page, switch it to English (unless told not to: Vietnamese is the
        default), sign in with the keyboard."""
        page = self.open(login)
        page.goto("/login")
        if english:
            choose_language(page, "English")
        page.get_by_label("Login" if english else "Tên đăng nhập").fill(login)
        page.get_by_label("Password" if english else "Mật khẩu").fill(password)
        page.get_by_label("Password" if english else "Mật khẩu").press("Enter")
        page.get_by_role("status").filter(has_text="Welcome" if english else "Xin chào").wait_for()
        return page

    def _console(self, name: str, msg: ConsoleMessage) -> None:
        if msg.type == "error" and not any(p.search(msg.text) for p in self.allowed):
            self.problems.append(f"{name}: console error on {msg.location.get('url')}: {msg.text}")

    def _response(self, name: str, response: PwResponse) -> None:
        request = response.request
        if request.resource_type != "document" or not response.url.startswith(self.base):
            return
        if response.headers.get("content-type", "").startswith("text/html") and (
            "content-security-policy" not in response.headers
        ):
            self.problems.append(f"{name}: no Content-Security-Policy on {response.url}")

    def save_artifacts(self, test_name: str) -> list[Path]:
        """Save a screenshot and the HTML of every open page under ARTIFACTS."""
        ARTIFACTS.mkdir(exist_ok=True)
        saved: list[Path] = []
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
        for who, page in self.pages.items():
            if page.is_closed():
                continue
            base = ARTIFACTS / f"{stem}--{re.sub(r'[^A-Za-z0-9_.-]+', '_', who)}"
            try:
                page.screenshot(path=str(base.with_suffix(".png")), full_page=True)
                base.with_suffix(".html").write_text(page.content(), encoding="utf-8")
            except PlaywrightError as exc:  # a page that died cannot be saved; say so
                base.with_suffix(".txt").write_text(f"could not save: {exc}\n", encoding="utf-8")
            saved.append(base)
        return saved

    def close(self) -> None:
        """Close every context."""
        for context in self.contexts:
            context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    """Keep each phase's report on the item, so fixtures know whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def people(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[People]:
    """The people of one test; artifacts on failure, and no console errors allowed."""
    crowd = People(browser, live_server.url)
    try:
        yield crowd
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            saved = crowd.save_artifacts(request.node.name)
            print(f"browser artifacts: {[str(p) for p in saved]}")
        elif crowd.problems:
            crowd.save_artifacts(request.node.name)
            pytest.fail("the browser reported problems:\n" + "\n".join(crowd.problems))
    finally:
        crowd.close()

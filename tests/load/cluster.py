"""Real processes for the load tests: PostgreSQL databases, gunicorn servers, `wflow` commands."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.dbs import IN_CI, PG_URL

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TOKEN_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
ALERT_RE = re.compile(r'(?:role|class)="[^"]*alert[^"]*"[^>]*>\s*([^<]{2,300})')
# instance/config.py of the load tests: a cheap Argon2 (2 cores sign in 50 people at once).
INSTANCE_CONFIG = """\
ARGON2_TIME_COST = 1
ARGON2_MEMORY_KIB = 1024
"""


def skip_or_fail(reason: str) -> NoReturn:
    """Answer a missing PostgreSQL as the load tests do: fail in CI, skip elsewhere."""
    if IN_CI:
        pytest.fail(f"CI must run the load tests: {reason}")
    pytest.skip(reason)


@contextmanager
def fresh_database(
    suffix: str,
    server: str | None = None,
    on_missing: Callable[[str], NoReturn] = skip_or_fail,
) -> Iterator[str]:
    """Create the database `<server's database>_<suffix>` afresh; yield its URL; drop it after.

    `server` is WFLOW_TEST_DATABASE_URL when None; `on_missing(reason)` answers when it is
    unset or unreachable (the tests skip or fail, a benchmark stops with one line).
    """
    server = PG_URL if server is None else server
    if not server:
        on_missing("PostgreSQL not configured (set WFLOW_TEST_DATABASE_URL)")
    base = make_url(server)
    name = f"{base.database}_{suffix}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        on_missing(f"PostgreSQL unreachable: {exc}")
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def with_application_name(url: str, name: str) -> str:
    """Return `url` naming its connections `name` in pg_stat_activity."""
    return (
        make_url(url)
        .update_query_dict({"application_name": name})
        .render_as_string(hide_password=False)
    )


def environment(url: str, instance: Path, **extra: str) -> dict[str, str]:
    """Return the environment of a wflow process on `url` with the shared instance folder."""
    env = dict(os.environ)
    env.update(
        WFLOW_DATABASE_URL=url,
        WFLOW_INSTANCE_PATH=str(instance),
        WFLOW_SECRET_KEY="load-test-secret-shared-by-every-server",
        WFLOW_SECURE_COOKIES="0",
        WFLOW_RATELIMIT_LOGIN="100000 per minute",  # 50 people, one address
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def make_instance(folder: Path) -> Path:
    """Create an instance folder with a low Argon2 cost (instance/config.py)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.py").write_text(INSTANCE_CONFIG)
    return folder


def wflow(
    env: Mapping[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the `wflow` command line in a process of its own; return what it did."""
    return subprocess.run(
        [str(BIN / "wflow"), *args],
        env=dict(env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    """Return a loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """A gunicorn process group serving `wflow.wsgi:app` on a loopback port."""

    name: str
    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Return the server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def launch(self, workers: int = 2, threads: int = 4) -> None:
        """Start gunicorn in a session of its own (so a kill takes every worker)."""
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--timeout",
            "120",
            "--graceful-timeout",
            "5",
            "--access-logfile",
            "-",
            "wflow.wsgi:app",
        ]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command,
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, clients: int = 4, timeout: float = 90) -> list[int]:
        """Ask for /login from `clients` threads until one gets 200; return every status seen.

        Several first requests at once is how a cold server meets its first visitors.
        """
        assert self.process is not None
        seen: list[int] = []
        ready = threading.Event()
        deadline = time.monotonic() + timeout

        def poll() -> None:
            while not ready.is_set() and time.monotonic() < deadline:
                if self.process is None or self.process.poll() is not None:
                    return
                try:
                    status = requests.get(self.url + "/login", timeout=30).status_code
                except requests.RequestException:
                    time.sleep(0.2)
                    continue
                seen.append(status)
                if status == 200:
                    ready.set()

        pollers = [threading.Thread(target=poll, daemon=True) for _ in range(clients)]
        for t in pollers:
            t.start()
        for t in pollers:
            t.join(max(0.0, deadline - time.monotonic()) + 35)
        if not ready.is_set():
            raise AssertionError(
                f"{self.name} did not answer /login with 200 "
                f"(statuses {seen}):\n{self.log_text()[-4000:]}"
            )
        return seen

    def kill(self) -> None:
        """SIGKILL the master and every worker at once (no cleanup of any kind)."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """Stop the server gracefully if it still runs (SIGKILL after 15 s)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def log_text(self) -> str:
        """Return what the server wrote (access lines, errors, tracebacks)."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass(frozen=True)
class Call:
    """One HTTP request of the load: who, where, what, and the status (None: no answer)."""

    who: str
    server: str
    method: str
    path: str
    status: int | None
    error: str = ""  # no answer: the exception; a 4xx: the refusal its page gives
    seconds: float = 0.0


def refusal(response: requests.Response) -> str:
    """Return why a 4xx answer refused, as its page's alert says it (or its JSON body)."""
    if not 400 <= response.status_code < 500:
        return ""
    if "json" in response.headers.get("Content-Type", ""):
        return response.text[:300]
    found = ALERT_RE.search(response.text)
    return found.group(1).strip() if found else ""


class Journal:
    """Every request of a run, appended from many threads."""

    def __init__(self) -> None:
        """Start empty."""
        self.calls: list[Call] = []
        self._lock = threading.Lock()

    def add(self, call: Call) -> None:
        """Record one request."""
        with self._lock:
            self.calls.append(call)

    def server_errors(self) -> list[Call]:
        """Return the requests answered with a 5xx."""
        return [c for c in self.calls if c.status is not None and c.status >= 500]

    def unanswered(self) -> list[Call]:
        """Return the requests that got no answer at all."""
        return [c for c in self.calls if c.status is None]


class Client:
    """One person's HTTP client: a cookie jar shared across servers, every call journaled."""

    def __init__(self, who: str, journal: Journal, token: str | None = None) -> None:
        """Open a session (with a bearer token for the API if given)."""
        self.who, self.journal = who, journal
        self.http = requests.Session()
        # A fresh connection per request: a kept-alive one that the server closes just as a
        # request is sent is reset (browsers silently resend; requests does not), which
        # would hide a real reset among harmless ones.
        self.http.headers["Connection"] = "close"
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"

    def call(self, server: Server, method: str, path: str, **kw: Any) -> requests.Response | None:
        """Send one request; return the response, or None when the server never answered."""
        kw.setdefault("timeout", 120)
        kw.setdefault("allow_redirects", False)
        started = time.monotonic()
        try:
            response = self.http.request(method, server.url + path, **kw)
        except requests.RequestException as exc:
            self.journal.add(
                Call(
                    self.who, server.name, method, path, None, repr(exc), time.monotonic() - started
                )
            )
            return None
        self.journal.add(
            Call(
                self.who,
                server.name,
                method,
                path,
                response.status_code,
                refusal(response),
                time.monotonic() - started,
            )
        )
        return response

    def csrf(self, server: Server, path: str) -> str:
        """GET `path` and return its form's CSRF token."""
        page = self.call(server, "GET", path)
        assert page is not None and page.status_code == 200, (self.who, path, page)
        found = TOKEN_RE.search(page.text)
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    def sign_in(self, server: Server, login: str, password: str) -> None:
        """Sign in through the login form."""
        token = self.csrf(server, "/login")
        answer = self.call(
            server,
            "POST",
            "/login",
            data={"csrf_token": token, "login": login, "password": password},
        )
        assert answer is not None and answer.status_code in (302, 303), (login, answer)


def run_together(work: list[Callable[[], None]], timeout: float) -> list[BaseException]:
    """Run every callable in its own thread, released together; return what they raised."""
    barrier = threading.Barrier(len(work))
    failures: list[BaseException] = []
    lock = threading.Lock()

    def run(job: Callable[[], None]) -> None:
        barrier.wait()
        try:
            job()
        except BaseException as exc:  # collected and reported by the caller
            with lock:
                failures.append(exc)

    threads = [threading.Thread(target=run, args=(job,), daemon=True) for job in work]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    stuck = [t for t in threads if t.is_alive()]
    if stuck:
        failures.append(TimeoutError(f"{len(stuck)} user(s) still running after {timeout} s"))
    return failures

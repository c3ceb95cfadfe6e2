"""Fixtures in the flaskr/Indico style: app, client, runner, factories, signed-in clients."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from hypothesis import HealthCheck, settings
from sqlmodel import Session

from tests import dbs
from tests.dbs import BACKENDS
from wflow import create_app
from wflow.org import service as org
from wflow.org.models import Block, Role, Unit, User

# property tests check behaviour, not speed: a busy shared machine must not fail them
settings.register_profile("wflow", suppress_health_check=[HealthCheck.too_slow], deadline=None)
settings.load_profile("wflow")

PASSWORD = "correct horse 42"
TOKEN_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


# pytest-xdist (make test: -n auto --dist loadgroup): tests sharing a module-scoped server run
# in order on one worker. The browser tests walk through one year on one live server; the load
# tests start gunicorn clusters and racing processes (one group: never two of them at once).
XDIST_GROUPS = {"tests/browser/": "browser", "tests/load/": "load"}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """--dist loadgroup, grouping tests/browser and tests/load by folder.

    Not by `xdist_group` marks: xdist 3.8 records them in the node id, which pytest 9.2
    ignores (pytest-dev/pytest-xdist#1386), and the tests would silently be spread out.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class FolderGroups(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            for folder, group in XDIST_GROUPS.items():
                if nodeid.startswith(folder):
                    return group
            return str(super()._split_scope(nodeid))

    return FolderGroups(config, log)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend under test: sqlite always, postgres when configured."""
    return str(request.param)


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dbs.Templates:
    """The session's migrated templates and demo provinces (see tests/dbs.py)."""
    return dbs.Templates(*dbs.worker_folders(tmp_path_factory))


@pytest.fixture(autouse=True)
def _test_databases() -> Iterator[None]:
    """Drop the PostgreSQL databases a test was given once it ends (set up first, ends last)."""
    yield
    dbs.end_test()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop this process's PostgreSQL databases; at the very end, whatever the run left."""
    dbs.end_session()
    if not hasattr(session.config, "workerinput"):  # not an xdist worker: the last one out
        dbs.sweep_postgres()


@pytest.fixture
def app(
    backend: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    templates: dbs.Templates,
    request: pytest.FixtureRequest,
) -> Iterator[Flask]:
    """A migrated, empty application on a database of `backend` of the test's own.

    The database is a copy of the session's migrated template, exactly as `db.upgrade` leaves
    it; a test asking for `demo` gets a copy of the demo province instead (database and
    instance folder, as `wflow init --demo` leaves them).
    """
    monkeypatch.setenv("WFLOW_INSTANCE_PATH", str(tmp_path / "instance"))
    if "demo" in request.fixturenames:
        url = templates.demo_copy(backend, tmp_path)
    else:
        url = templates.migrated(backend, tmp_path)
    application = create_app({**dbs.TEST_CONFIG, "DATABASE_URL": url})
    # No app context stays pushed: each test request gets its own, as in production.
    yield application
    application.extensions["wflow.db"].dispose()


@pytest.fixture
def demo(app: Flask, backend: str, templates: dbs.Templates) -> dbs.DemoBuild:
    """The demo province in `app`'s database: what `wflow init --demo` answered building it.

    The real command runs once per session and backend; every test asking for it gets a copy.
    """
    return templates.demo(backend)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser without a session."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """The `wflow` command line, run in-process."""
    return app.test_cli_runner()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A database session of the test's own (as services receive one)."""
    with Session(app.extensions["wflow.db"], expire_on_commit=False) as sess:
        yield sess


# --- factories ---------------------------------------------------------------------------


@pytest.fixture
def make_unit(session: Session) -> Callable[..., Unit]:
    """Create a unit through the service."""
    counter = iter(range(1, 10_000))

    def make(
        code: str | None = None, name: str | None = None, kind: str = "socio_political"
    ) -> Unit:
        n = next(counter)
        return org.create_unit(
            session, code=code or f"U{n}", name=name or f"Đơn vị thử {n}", kind=kind
        )

    return make


@pytest.fixture
def make_user(session: Session) -> Callable[..., User]:
    """Create a user through the service (password PASSWORD)."""

    def make(
        login: str,
        unit: Unit | None = None,
        roles: tuple[str, ...] = (Role.UNIT_HEAD.value,),
        locale: str = "en",  # tests read English; Vietnamese is tested explicitly
    ) -> User:
        return org.create_user(
            session,
            login=login,
            display_name=login.title(),
            password=PASSWORD,
            unit_id=unit.id if unit else None,
            roles=list(roles),
            locale=locale,
        )

    return make


@pytest.fixture
def make_block(session: Session) -> Callable[..., Block]:
    """Create a block with members for a year through the service."""

    def make(
        code: str,
        members: list[Unit],
        year: int,
        leader: Unit | None = None,
        deputy: Unit | None = None,
    ) -> Block:
        return org.create_block(
            session,
            name=f"Khối {code}",
            code=code,
            year=year,
            member_ids=[u.id or 0 for u in members],
            leader_id=leader.id if leader else None,
            deputy_id=deputy.id if deputy else None,
        )

    return make


# --- typing helpers ------------------------------------------------------------------------

T = TypeVar("T")


def present(value: T | None, what: str) -> T:
    """Return `value`, failing the test clearly when it is None (a row or field it expects)."""
    assert value is not None, f"expected {what}, found None"
    return value


# --- browsing helpers --------------------------------------------------------------------


def csrf_token(client: FlaskClient, url: str) -> str:
    """GET `url` and return the CSRF token of its first form."""
    page = client.get(url)
    found = TOKEN_RE.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {url} (status {page.status_code})"
    return found.group(1)


def submit(client: FlaskClient, url: str, data: dict[str, Any], *, page: str | None = None) -> Any:
    """Post `data` to `url` with the CSRF token a browser would have from `page` (or `url`)."""
    token = csrf_token(client, page or url)
    return client.post(url, data={"csrf_token": token, **data})


def sign_in(client: FlaskClient, login: str, password: str = PASSWORD) -> Any:
    """Sign in through the login form."""
    return submit(client, "/login", {"login": login, "password": password})


@pytest.fixture
def world(
    make_unit: Callable[..., Unit], make_user: Callable[..., User], make_block: Callable[..., Block]
) -> dict[str, Any]:
    """Two blocks of two units each, a head and staff per unit, and the committee."""
    from wflow.core.access import current_year

    year = current_year()
    a1, a2, b1, b2 = make_unit("A1"), make_unit("A2"), make_unit("B1"), make_unit("B2")
    block_a = make_block("KA", [a1, a2], year, leader=a1, deputy=a2)
    block_b = make_block("KB", [b1, b2], year, leader=b1)
    users = {
        "a1.head": make_user("a1.head", a1),
        "a1.staff": make_user("a1.staff", a1, roles=(Role.UNIT_STAFF.value,)),
        "a2.head": make_user("a2.head", a2),
        "b1.head": make_user("b1.head", b1),
        "secretariat": make_user("secretariat", None, roles=(Role.SECRETARIAT.value,)),
        "council": make_user("council", None, roles=(Role.COUNCIL_MEMBER.value,)),
        "admin": make_user("admin", None, roles=(Role.ADMIN.value,)),
    }
    return {
        "year": year,
        "units": {"a1": a1, "a2": a2, "b1": b1, "b2": b2},
        "blocks": {"a": block_a, "b": block_b},
        "users": users,
    }

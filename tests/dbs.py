"""Test databases: SQLite always, PostgreSQL when configured; migrated once, copied per test.

Every test of the `app` fixture gets a database of its own exactly as `wflow.db.upgrade` leaves
it, but the migrations run once per session and backend (and pytest-xdist worker) into a
template that each test copies: a file copy on SQLite, `CREATE DATABASE … TEMPLATE …` on
PostgreSQL. The demo province (`wflow init --demo`) is likewise built once per session and
backend, shared by the workers, and copied for the tests that read it.

PostgreSQL databases are named after WFLOW_TEST_DATABASE_URL's database (`<base>`):
`<base>__<worker>_migrated` (template), `<base>__<worker>_<n>` (one per test, dropped when the
test ends), `<base>__demo` (the demo template). `<base>` itself is only used to administer them
(the test role needs CREATEDB, as the load tests' `<base>_load` and `<base>_tick` did already).
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import os
import queue
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

PG_URL = os.environ.get("WFLOW_TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")  # gw0, gw1, … under pytest-xdist

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
SQLITE_NAME = "test.sqlite3"

# The configuration of the tests' app (tests/conftest.py), also used to build the demo.
TEST_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_SECURE": False,
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_KIB": 1024,
}


def _unavailable(why: str) -> NoReturn:
    """Fail in CI (PostgreSQL is part of the suite there), skip locally."""
    if IN_CI:
        pytest.fail(f"CI must run the PostgreSQL tests: {why}")
    pytest.skip(why)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite_checkpoint(path: Path) -> None:
    """Fold the WAL into the database file, so that copying the file alone copies everything."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    for suffix in ("-wal", "-shm", "-journal"):  # the last connection is gone: nothing pending
        Path(f"{path}{suffix}").unlink(missing_ok=True)


class Postgres:
    """This worker's databases on the test server: templates, and a database per test."""

    def __init__(self, url: str) -> None:
        self.base: URL = make_url(url)
        self.prefix = f"{self.base.database}__{WORKER}"
        self.admin = sa.create_engine(self.base, isolation_level="AUTOCOMMIT", pool_size=1)
        self.admin_url = self.base.render_as_string(hide_password=False)
        self._numbers = itertools.count(1)
        self._templates: dict[str, str] = {}
        self._drops: queue.Queue[str | None] = queue.Queue()
        self._dropper: threading.Thread | None = None
        self.this_test: list[str] = []
        try:  # leftovers of an interrupted run of this worker
            for name in self.names(self.prefix + "_"):
                self.drop(name)
        except sa.exc.OperationalError as exc:
            self.admin.dispose()
            _unavailable(f"PostgreSQL unreachable: {exc}")

    def url(self, name: str) -> str:
        """Return the URL of database `name` on the test server."""
        return self.base.set(database=name).render_as_string(hide_password=False)

    def execute(self, sql: str) -> None:
        """Run one statement on the administration connection (autocommit)."""
        with self.admin.connect() as conn:
            conn.exec_driver_sql(sql)

    def names(self, prefix: str) -> list[str]:
        """Return the databases whose names start with `prefix`."""
        with self.admin.connect() as conn:
            rows = conn.exec_driver_sql("SELECT datname FROM pg_database").scalars().all()
        return [name for name in rows if name.startswith(prefix)]

    def drop(self, name: str) -> None:
        """Drop database `name` now, ending any connection left to it."""
        self.execute(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)")

    def create(self, template: str | None = None, name: str | None = None) -> str:
        """Create a database (a copy of `template`, else empty); return its name."""
        name = name or f"{self.prefix}_{next(self._numbers)}"
        source = f" TEMPLATE {_quote(template)}" if template else ""
        self.execute(f"CREATE DATABASE {_quote(name)}{source}")
        return name

    def for_this_test(self, template: str | None = None) -> str:
        """Return the URL of a new database (a copy of `template`) dropped when the test ends."""
        name = self.create(template)
        self.this_test.append(name)
        return self.url(name)

    def migrated_template(self) -> str:
        """Return this worker's template database, migrated once (`wflow.db.upgrade`)."""
        if "migrated" not in self._templates:
            from wflow import db

            name = f"{self.prefix}_migrated"
            self.drop(name)  # a half-migrated one of a failed attempt
            self.create(name=name)
            db.upgrade(self.url(name))  # disposes its engine: nobody stays connected
            self._templates["migrated"] = name
        return self._templates["migrated"]

    def end_test(self) -> None:
        """Drop the test's databases in the background (a drop takes a while on PostgreSQL)."""
        if self._dropper is None:
            self._dropper = threading.Thread(target=self._drop_all, name="pg-drop", daemon=True)
            self._dropper.start()
        while self.this_test:
            self._drops.put(self.this_test.pop())

    def _drop_all(self) -> None:
        while (name := self._drops.get()) is not None:
            with contextlib.suppress(sa.exc.SQLAlchemyError):  # swept again at the end
                self.drop(name)

    def close(self) -> None:
        """Finish the pending drops, drop what is left of this worker, let go of the server."""
        if self._dropper is not None:
            self._drops.put(None)
            self._dropper.join()
        for name in self.names(self.prefix + "_"):
            self.drop(name)
        self.admin.dispose()


_postgres: list[Postgres] = []


def postgres() -> Postgres:
    """Return this worker's PostgreSQL databases (fail in CI, skip locally when unavailable)."""
    if not PG_URL:
        _unavailable("PostgreSQL not configured (set WFLOW_TEST_DATABASE_URL)")
    if not _postgres:
        _postgres.append(Postgres(PG_URL))
    return _postgres[0]


def end_test() -> None:
    """Let go of the PostgreSQL databases of the test that just ended."""
    if _postgres:
        _postgres[0].end_test()


def end_session() -> None:
    """Drop every database this worker created."""
    if _postgres:
        _postgres.pop().close()


def sweep_postgres() -> None:
    """Drop every database of this run, the workers' and the shared ones (run once, at the end)."""
    if not PG_URL:
        return
    base = make_url(PG_URL)
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            names = conn.exec_driver_sql("SELECT datname FROM pg_database").scalars().all()
            for name in names:
                if name.startswith(f"{base.database}__"):
                    conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)")
    except sa.exc.OperationalError:
        pass  # unreachable: the tests said so already
    finally:
        engine.dispose()


def fresh_database_url(backend: str, tmp_path: Path) -> str:
    """Return the URL of an empty database of `backend` of the test's own."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / SQLITE_NAME}"
    return postgres().for_this_test()


@dataclass(frozen=True)
class DemoBuild:
    """What `wflow init --demo` answered when it built the session's demo province."""

    exit_code: int
    output: str


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (shared by the pytest-xdist workers of a run)."""
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class Templates:
    """The session's migrated templates (per worker) and demo provinces (per run)."""

    def __init__(self, own: Path, shared: Path) -> None:
        self.own = own  # this worker's folder
        self.shared = shared  # the run's folder, shared by the workers
        self._sqlite: Path | None = None
        self._demos: dict[str, DemoBuild] = {}

    def _sqlite_template(self) -> Path:
        if self._sqlite is None:
            from wflow import db

            path = self.own / "migrated" / SQLITE_NAME
            path.parent.mkdir(parents=True)
            db.upgrade(f"sqlite:///{path}")
            sqlite_checkpoint(path)
            self._sqlite = path
        return self._sqlite

    def migrated(self, backend: str, folder: Path) -> str:
        """Return the URL of a database of the test's own, migrated to the head."""
        if backend == "sqlite":
            target = folder / SQLITE_NAME
            shutil.copyfile(self._sqlite_template(), target)
            return f"sqlite:///{target}"
        pg = postgres()
        return pg.for_this_test(pg.migrated_template())

    # --- the demo province ---------------------------------------------------------------

    def demo(self, backend: str) -> DemoBuild:
        """Build the demo province of `backend` once per run (whichever worker comes first)."""
        if backend not in self._demos:
            folder = self.shared / f"demo-{backend}"
            done = folder / "init-demo.json"
            with _locked(self.shared / f"demo-{backend}.lock"):
                if not done.exists():
                    build = self._build_demo(backend, folder)
                    done.write_text(json.dumps(asdict(build)))
            self._demos[backend] = DemoBuild(**json.loads(done.read_text()))
        return self._demos[backend]

    def _build_demo(self, backend: str, folder: Path) -> DemoBuild:
        """Run the real `wflow init --demo` on a migrated database, as the tests did."""
        from wflow import create_app

        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        if backend == "sqlite":
            url = self.migrated(backend, folder)
        else:
            pg = postgres()
            name = demo_database_name()
            pg.drop(name)
            url = pg.url(pg.create(pg.migrated_template(), name=name))
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("WFLOW_INSTANCE_PATH", str(folder / "instance"))
            app = create_app({**TEST_CONFIG, "DATABASE_URL": url})
            try:
                result = app.test_cli_runner().invoke(args=["init", "--demo"])
            finally:
                app.extensions["wflow.db"].dispose()  # a template must have no connections
        assert result.exit_code == 0, result.output
        if backend == "sqlite":
            sqlite_checkpoint(folder / SQLITE_NAME)
        return DemoBuild(result.exit_code, result.output)

    def demo_copy(self, backend: str, folder: Path, db_name: str = SQLITE_NAME) -> str:
        """Copy the demo province (database and instance folder) for one test; return its URL.

        The instance folder (certificate authority, key-encryption secret, stored documents)
        goes to `folder / "instance"`, the SQLite database to `folder / db_name`.
        """
        self.demo(backend)
        source = self.shared / f"demo-{backend}"
        shutil.copytree(source / "instance", folder / "instance")
        if backend == "sqlite":
            target = folder / db_name
            shutil.copyfile(source / SQLITE_NAME, target)
            return f"sqlite:///{target}"
        return postgres().for_this_test(demo_database_name())


def demo_database_name() -> str:
    """Return the name of the run's PostgreSQL demo template (shared by the workers)."""
    return f"{make_url(PG_URL).database}__demo"


def worker_folders(factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Return (this worker's folder, the run's folder shared by every worker)."""
    own = factory.mktemp("templates")
    base = factory.getbasetemp()
    shared = base.parent if WORKER != "main" else base
    return own, shared

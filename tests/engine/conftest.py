"""Fixtures of the runtime tests: a database per backend, a frozen clock, an engine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.dbs import BACKENDS, fresh_database_url
from tests.engine.flows import Journal, approval, make_registry, pact
from wflow.clock import set_clock
from wflow.engine import Engine
from wflow.engine.tables import TABLES


class Clock:
    """A frozen clock tests move by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def advance(self, **delta: float) -> datetime:
        """Move the clock forward and return the new time."""
        self.now += timedelta(**delta)
        return self.now


def make_db_engine(url: str) -> sa.Engine:
    """Return an engine on `url` with the app's SQLite pragmas."""
    if url.startswith("sqlite"):
        db = sa.create_engine(url, connect_args={"timeout": 30})

        @sa.event.listens_for(db, "connect")
        def _pragmas(dbapi_conn: Any, _: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return db
    return sa.create_engine(url, pool_size=12, max_overflow=4)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Return the backend name (sqlite, postgres)."""
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path) -> str:
    """Return the URL of an empty database of the backend."""
    return fresh_database_url(backend, tmp_path)


@pytest.fixture
def db(db_url: str) -> Iterator[sa.Engine]:
    """Return an engine on a fresh database holding the wf_* tables."""
    engine = make_db_engine(db_url)
    from sqlmodel import SQLModel

    SQLModel.metadata.create_all(engine, tables=list(TABLES))
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(db: sa.Engine) -> Callable[[], Session]:
    """Return a factory of sessions on the test database."""
    return lambda: Session(db)


@pytest.fixture
def session(db: sa.Engine) -> Iterator[Session]:
    """Return a session on the test database."""
    with Session(db) as s:
        yield s


@pytest.fixture
def clock() -> Iterator[Clock]:
    """Freeze wflow's clock at 2025-03-01 08:00 UTC."""
    c = Clock(datetime(2025, 3, 1, 8, 0, 0, 123456))
    set_clock(lambda: c.now)
    yield c
    set_clock(None)


@pytest.fixture
def journal() -> Journal:
    """Return the record of effects and reminders."""
    return Journal()


@pytest.fixture
def engine(journal: Journal, clock: Clock) -> Engine:
    """Return an engine with the pact and approval flows."""
    return Engine({"pact": pact(), "approval": approval()}, make_registry(journal))

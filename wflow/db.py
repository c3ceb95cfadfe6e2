"""Database engine per app, a session per request, SQLite pragmas and migrations."""

from __future__ import annotations

import select
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from flask import Flask, current_app, g
from sqlalchemy.engine import Engine
from sqlmodel import Session

from wflow.core import readonly

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    engine = sa.create_engine(url)
    if engine.dialect.driver == "psycopg":
        readonly.track(engine)  # reads outside a transaction; statements stay prepared
    _ping_when_in_doubt(engine)
    return engine


PING_AFTER = 30.0  # seconds a pooled connection may sit idle before its next checkout pings


def _ping_when_in_doubt(engine: Engine) -> None:
    """Ping a pooled connection on checkout only when it may have died: idle for PING_AFTER
    seconds, or its socket readable while idle (a restarting server says goodbye and closes).

    SQLAlchemy's `pool_pre_ping` costs a round trip on every checkout, one per request; a
    connection that fails anyway is invalidated with every older one in the pool.
    """

    @sa.event.listens_for(engine, "checkin")
    def _idle_since(_dbapi_conn: Any, record: Any) -> None:
        record.info["wflow.idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _check(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("wflow.idle_since")
        if since is None:  # just connected
            return
        fd = getattr(getattr(dbapi_conn, "pgconn", None), "socket", None)
        if time.monotonic() - since < PING_AFTER and fd is not None:
            try:
                if not select.select([fd], [], [], 0)[0]:
                    return
            except (OSError, ValueError):
                pass
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise sa.exc.DisconnectionError(str(exc)) from exc


def init_app(app: Flask) -> None:
    """Attach the engine to the app and close the request session on teardown."""
    app.extensions["wflow.db"] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    """Return the current app's database engine."""
    return current_app.extensions["wflow.db"]


def session() -> Session:
    """Return the session of the current request (or app context), opening it on first use."""
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    sess = g.pop("db_session", None)
    if sess is not None:
        sess.close()


def alembic_config(url: str) -> AlembicConfig:
    """Return an Alembic configuration for the packaged migrations and `url`."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    """Migrate the database at `url` to `revision`."""
    command.upgrade(alembic_config(url), revision)


def current_revisions(url: str) -> list[str] | None:
    """Return the database's migration revisions, one per branch of the migrations, sorted;
    None when it was never migrated."""
    eng = make_engine(url)
    try:
        with eng.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return None
            found = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
            return sorted(found)
    finally:
        eng.dispose()


def pending_revisions(current: list[str]) -> list[str]:
    """Return the migrations a database at the revisions `current` has still to run, oldest
    first (none: it has the latest schema)."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [r.revision for r in reversed(list(script.iterate_revisions("heads", tuple(current))))]

"""A request that only read ends its transaction with COMMIT on PostgreSQL, so its statements
stay prepared from one request to the next; one that wrote anything and did not commit it
still leaves nothing written, on either backend."""

from __future__ import annotations

import contextlib
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from tests.conftest import present, sign_in
from tests.sql import statements_sent
from wflow import db
from wflow.core import uow
from wflow.core.readonly import TrackedConnection
from wflow.org.models import Unit

POSTGRES = pytest.mark.parametrize("backend", ["postgres"], indirect=True)
RENAME = "UPDATE unit SET name = 'written' WHERE id = {id}"


def _engine(app: Flask) -> sa.Engine:
    engine: sa.Engine = app.extensions["wflow.db"]
    return engine


@POSTGRES
def test_db_readonly__a_page_read_again_runs_prepared_statements(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    sign_in(client, "a1.head")
    engine = _engine(app)
    engine.dispose()  # the requests below share one pooled connection, one server session
    for _ in range(7):  # psycopg prepares a statement on its 6th execution on a connection
        assert client.get("/notifications").status_code == 200
    with statements_sent(engine) as sent:
        assert client.get("/notifications").status_code == 200
    with engine.connect() as conn:
        prepared = conn.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements")
        count = prepared.scalar_one()
    assert isinstance(engine.pool, sa.pool.QueuePool)
    assert engine.pool.checkedin() == 1  # the one connection every request used
    assert sent and count >= len(sent)


def _rename_and_flush(s: Session, i: int) -> None:
    unit = s.get(Unit, i)
    assert unit is not None
    unit.name = "written"
    s.flush()


WRITERS = {
    "core": lambda s, i: s.connection().execute(
        sa.update(Unit).where(col(Unit.id) == i).values(name="written")
    ),
    "driver_sql": lambda s, i: s.connection().exec_driver_sql(RENAME.format(id=int(i))),
    "dbapi_cursor": lambda s, i: (
        s.connection().connection.cursor().execute(RENAME.format(id=int(i)))
    ),  # as the workflow engine's statements run (wflow.engine.fastsql)
    "cte": lambda s, i: s.connection().exec_driver_sql(
        f"WITH w AS ({RENAME.format(id=int(i))} RETURNING id) SELECT id FROM w"
    ),  # tagged SELECT
    "orm_flushed": _rename_and_flush,
    "orm_added": lambda s, i: (s.add(Unit(code="NEW", name="written")), s.flush()),
}


@pytest.mark.parametrize("how", list(WRITERS))
def test_db_readonly__a_request_that_wrote_and_did_not_commit_leaves_nothing_written(
    app: Flask, client: FlaskClient, session: Session, world: dict[str, Any], backend: str,
    how: str,
) -> None:  # fmt: skip
    if how == "cte" and backend == "sqlite":
        pytest.skip("SQLite has no data-modifying WITH")
    unit = world["units"]["a1"]
    before = session.exec(select(Unit.id, Unit.name).order_by(col(Unit.id))).all()

    def write_and_refuse() -> tuple[str, int]:
        sess = db.session()
        sess.exec(select(Unit.id)).all()  # a read first, as a page does
        WRITERS[how](sess, unit.id)
        return "refused", 409

    app.add_url_rule("/test-write", "test_write", write_and_refuse)
    for _ in range(2):
        assert client.get("/test-write").status_code == 409
    session.rollback()  # a fresh read
    assert session.exec(select(Unit.id, Unit.name).order_by(col(Unit.id))).all() == before


def test_db_readonly__an_app_context_session_that_wrote_is_rolled_back(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    unit = world["units"]["a2"]
    with app.app_context():
        db.session().connection().execute(
            sa.update(Unit).where(col(Unit.id) == unit.id).values(name="written")
        )
    session.rollback()
    assert present(session.get(Unit, unit.id), "the unit").name == unit.name


def test_db_readonly__a_fresh_read_sees_what_others_committed(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    unit = world["units"]["b1"]
    with Session(_engine(app), expire_on_commit=False) as mine:
        seen = mine.get(Unit, unit.id)
        assert seen is not None and seen.name == unit.name
        with uow.unit_of_work(session):
            present(session.get(Unit, unit.id), "the unit").name = "renamed"
        uow.fresh(mine)
        assert seen.name == "renamed"


READS = ["SELECT 1", "SHOW server_version", "SELECT id FROM unit WHERE id = 0"]
WRITES = [
    "UPDATE unit SET name = name WHERE id = 0",  # no row: counted all the same
    "SET statement_timeout = 1000",  # a rollback undoes it, a commit keeps it
    "SELECT id FROM unit WHERE id = 0 FOR UPDATE",
    "SAVEPOINT s",
    "SELECT no_such_column FROM unit",  # failed
]


@POSTGRES
@pytest.mark.parametrize("sql", WRITES)
def test_db_readonly__a_transaction_that_may_have_written_is_rolled_back(
    app: Flask, sql: str
) -> None:
    raw = _engine(app).raw_connection()
    try:
        conn = raw.dbapi_connection
        assert isinstance(conn, TrackedConnection)
        cursor = conn.cursor()
        for read in READS:
            cursor.execute(read)
        assert conn.wrote_nothing()
        with contextlib.suppress(psycopg.Error):  # the failed statement
            cursor.execute(sql)
        assert not conn.wrote_nothing()
        conn.rollback()
        cursor.execute("SHOW statement_timeout")  # a new transaction, read only so far
        assert cursor.fetchone() == ("0",)
        assert conn.wrote_nothing()
    finally:
        raw.close()

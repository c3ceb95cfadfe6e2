"""On PostgreSQL a request that only reads runs its statements outside a transaction (no BEGIN,
no COMMIT), and they stay prepared from one request to the next; a statement that may write
opens a transaction. A request that wrote anything and did not commit it leaves nothing
written, on either backend."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from psycopg import pq
from sqlmodel import Session, col, select

from tests.conftest import csrf_token, present, sign_in
from tests.sql import statements_sent
from wflow import db
from wflow.core import uow
from wflow.core.readonly import TrackedConnection
from wflow.org.models import Unit

IDLE, INTRANS = pq.TransactionStatus.IDLE, pq.TransactionStatus.INTRANS
INERROR = pq.TransactionStatus.INERROR
NAME_OF = sa.select(col(Unit.name))
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
WRITERS["two_statements"] = lambda s, i: (WRITERS["core"](s, i), WRITERS["orm_added"](s, i))


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


READS = [
    "SELECT 1",
    "SHOW server_version",
    "SELECT id FROM unit WHERE id = 0",
    "WITH u AS (SELECT id FROM unit) SELECT count(*) FROM u",
]
WRITES = [
    "UPDATE unit SET name = name WHERE id = 0",  # no row: counted all the same
    "SET statement_timeout = 1000",  # a rollback undoes it, a commit keeps it
    "SELECT id FROM unit WHERE id = 0 FOR UPDATE",
    "SELECT id FROM unit WHERE id = 0 FOR KEY SHARE",
    "WITH w AS (UPDATE unit SET name = name WHERE id = 0 RETURNING id) SELECT id FROM w",
    "SELECT pg_advisory_xact_lock(1)",  # held until the transaction ends
    "SAVEPOINT s",
]


def _dbapi(app: Flask) -> Iterator[TrackedConnection[Any]]:
    raw = _engine(app).raw_connection()
    try:
        conn = raw.dbapi_connection
        assert isinstance(conn, TrackedConnection)
        yield conn
    finally:
        raw.close()


@POSTGRES
@pytest.mark.parametrize("sql", WRITES)
def test_db_readonly__reads_run_outside_a_transaction_a_statement_that_may_write_opens_one(
    app: Flask, sql: str
) -> None:
    for conn in _dbapi(app):
        cursor = conn.cursor()
        for read in READS:
            cursor.execute(read)
            assert conn.info.transaction_status == IDLE  # no BEGIN was sent
        with pytest.raises(psycopg.errors.UndefinedColumn):
            cursor.execute("SELECT no_such_column FROM unit")
        assert conn.info.transaction_status == IDLE  # a failed read leaves nothing open
        cursor.execute(sql)
        assert conn.info.transaction_status in (INTRANS, INERROR)
        assert not conn.wrote_nothing()
        conn.rollback()
        cursor.execute("SHOW statement_timeout")  # the SET, if any, rolled back with the rest
        assert cursor.fetchone() == ("0",)
        assert conn.info.transaction_status == IDLE


@POSTGRES
def test_db_readonly__a_bulk_insert_runs_in_one_transaction(app: Flask) -> None:
    for conn in _dbapi(app):
        cursor = conn.cursor()
        cursor.executemany(
            "INSERT INTO unit (code, name, kind, level, created_at) "
            "VALUES (%s, %s, 'other', 'province', now())",
            [("BULK1", "one"), ("BULK2", "two")],
        )
        assert conn.info.transaction_status == INTRANS
        conn.rollback()
        cursor.execute("SELECT count(*) FROM unit WHERE code LIKE 'BULK%'")
        assert cursor.fetchone() == (0,)


@POSTGRES
def test_db_readonly__under_an_isolation_level_a_transaction_that_only_read_commits(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    engine, unit = _engine(app), world["units"]["a1"]
    name = unit.name
    engine.dispose()  # one pooled connection below
    with engine.connect() as plain:
        snapshot = plain.execution_options(isolation_level="REPEATABLE READ")
        with snapshot.begin():
            first = snapshot.execute(NAME_OF.where(col(Unit.id) == unit.id))
            with uow.unit_of_work(session):
                present(session.get(Unit, unit.id), "the unit").name = "renamed"
            again = snapshot.execute(NAME_OF.where(col(Unit.id) == unit.id))
            assert first.scalar_one() == again.scalar_one() == name  # one snapshot
            dbapi = snapshot.connection.dbapi_connection
            assert isinstance(dbapi, TrackedConnection) and dbapi.wrote_nothing()
    with engine.connect() as one, engine.connect() as two:  # the pool's two, the session's too
        later = next(c for c in (one, two) if c.connection.dbapi_connection is dbapi)
        read = later.execute(NAME_OF.where(col(Unit.id) == unit.id)).scalar_one()
        assert read == "renamed"  # back in the pool: reading outside a transaction again
        assert dbapi.autocommit and dbapi.info.transaction_status == IDLE


@contextlib.contextmanager
def _traced(pgconn: Any, path: Path) -> Iterator[list[str]]:
    """Trace what a connection sends while inside (libpq's trace, BEGIN and COMMIT too);
    yield a list that holds the trace's text afterwards."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    pgconn.trace(fd)
    pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
    text: list[str] = []
    try:
        yield text
    finally:
        pgconn.untrace()  # flushes
        os.close(fd)
        text.append(path.read_text(encoding="utf-8", errors="replace"))


def _sent(trace: str) -> list[str]:
    """Return the first word of each statement the client sent (Query, or Parse)."""
    found = re.findall(r'^F\t\d+\t(?:Query|Parse)\t (?:"[^"]*" )?"(\w+)', trace, re.MULTILINE)
    return [word.upper() for word in found]


@POSTGRES
def test_db_readonly__a_page_that_reads_sends_no_begin_or_commit_one_that_writes_does(
    app: Flask, client: FlaskClient, world: dict[str, Any], tmp_path: Path
) -> None:
    sign_in(client, "a1.head")
    engine = _engine(app)
    engine.dispose()
    token = csrf_token(client, "/notifications")  # the pool's one connection from here on
    with engine.connect() as conn:
        pgconn = conn.connection.dbapi_connection.pgconn  # type: ignore[union-attr]
    with _traced(pgconn, tmp_path / "read.trace") as read:
        assert client.get("/notifications").status_code == 200
    with _traced(pgconn, tmp_path / "write.trace") as wrote:
        answer = client.post("/notifications/read-all", data={"csrf_token": token})
        assert answer.status_code == 303
    sent = _sent(read[0])
    assert sent and set(sent) == {"SELECT"}  # the user, the notifications, the count
    sent = _sent(wrote[0])
    opened = sent.index("BEGIN")  # the user read outside, then the transaction of the write
    assert set(sent[:opened]) == {"SELECT"} and sent[opened:] == ["BEGIN", "UPDATE", "COMMIT"]


@POSTGRES
def test_db_readonly__autocommit_asked_for_runs_what_no_transaction_may(app: Flask) -> None:
    engine = _engine(app)
    engine.dispose()  # one pooled connection below
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE unit")  # refused inside a transaction block
        dbapi = conn.connection.dbapi_connection
    with engine.connect() as later:  # back in the pool: a write opens a transaction again
        assert later.connection.dbapi_connection is dbapi
        later.exec_driver_sql(RENAME.format(id=0))
        assert isinstance(dbapi, TrackedConnection) and dbapi.info.transaction_status == INTRANS
        later.rollback()

"""The database engine: a pooled PostgreSQL connection that died is replaced, unseen."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine.interfaces import DBAPIConnection


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_db__a_pooled_connection_the_server_ended_is_replaced_on_checkout(app: Flask) -> None:
    engine: sa.Engine = app.extensions["wflow.db"]
    with engine.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    killer = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
    with killer.connect() as other:  # the pooled one stays idle meanwhile
        other.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
        for _ in range(100):  # the session ends a moment after it was told to
            alive = other.exec_driver_sql(
                f"SELECT count(*) FROM pg_stat_activity WHERE pid = {int(pid)}"
            )
            if not alive.scalar_one():
                break
            other.rollback()  # the statistics are a snapshot per transaction
            time.sleep(0.05)
    killer.dispose()
    # the next two checkouts: neither fails, and no request sees the ended session
    for _ in range(2):
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() != pid


def test_db__checkouts_of_a_live_pool_do_not_ping(
    app: Flask, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine: sa.Engine = app.extensions["wflow.db"]
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    sent: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    pings = 0
    original = engine.dialect.do_ping

    def counted(dbapi_conn: DBAPIConnection) -> bool:
        nonlocal pings
        pings += 1
        return original(dbapi_conn)

    with monkeypatch.context() as patch:
        patch.setattr(engine.dialect, "do_ping", counted)
        for _ in range(3):
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
    assert pings == 0 and len(sent) == 3

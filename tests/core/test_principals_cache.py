"""The access epoch: every table a user's principals are read from raises it when written."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session

from wflow.org.models import AccessEpoch

TABLES = ("unit", "block", "blockmembership", "signing_delegation")  # what principals read


def _engine(app: Flask) -> sa.Engine:
    engine: sa.Engine = app.extensions["wflow.db"]
    return engine


def _epoch(app: Flask) -> int:
    with Session(_engine(app)) as s:
        row = s.get(AccessEpoch, 1)
        assert row is not None
        return row.value


def test_principals_cache__every_table_they_are_read_from_raises_the_epoch(
    app: Flask, world: dict[str, Any]
) -> None:
    """Each of INSERT, UPDATE and DELETE on each table principals read raises the epoch (a
    migration copying one of these tables on SQLite would lose its triggers: this says so)."""
    unit_id = world["units"]["a1"].id
    head, staff = world["users"]["a1.head"].id, world["users"]["a1.staff"].id
    statements = {
        "unit": ["INSERT INTO unit (name, code, kind, level, created_at) "
                 "VALUES ('x', 'XX', 'agency', '', '2026-01-01')",
                 "UPDATE unit SET name = 'y' WHERE code = 'XX'",
                 "DELETE FROM unit WHERE code = 'XX'"],
        "block": ["INSERT INTO block (name, kind, code, description, created_at) "
                  "VALUES ('x', 'block', 'XX', '', '2026-01-01')",
                  "UPDATE block SET name = 'y' WHERE code = 'XX'",
                  "DELETE FROM block WHERE code = 'XX'"],
        "blockmembership": [f"INSERT INTO blockmembership (block_id, year, unit_id, position) "
                            f"VALUES ({world['blocks']['b'].id}, 2001, {unit_id}, 'member')",
                            "UPDATE blockmembership SET position = 'leader' WHERE year = 2001",
                            "DELETE FROM blockmembership WHERE year = 2001"],
        "signing_delegation": [
            "INSERT INTO signing_delegation (unit_id, grantor_user_id, delegate_user_id, "
            f"capacity, starts_on, ends_on, reason, created_at) VALUES ({unit_id}, {head}, "
            f"{staff}, 'KT', '2001-01-01', '2001-01-02', 'x', '2001-01-01')",
            "UPDATE signing_delegation SET reason = 'y' WHERE reason = 'x'",
            "DELETE FROM signing_delegation WHERE reason = 'y'"],
    }  # fmt: skip
    assert set(statements) == set(TABLES)
    for table, sqls in statements.items():
        for sql in sqls:
            before = _epoch(app)
            with _engine(app).begin() as conn:
                assert conn.exec_driver_sql(sql).rowcount == 1, sql
            assert _epoch(app) > before, f"{table}: {sql.split()[0]} does not raise the epoch"

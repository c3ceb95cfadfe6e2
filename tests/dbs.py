"""Test databases: a fresh SQLite file always, a fresh PostgreSQL schema when configured."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

PG_URL = os.environ.get("WFLOW_TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def fresh_database_url(backend: str, tmp_path: Path) -> str:
    """Return the URL of an empty database of `backend` (skip PostgreSQL when unset locally)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    if not PG_URL:
        if IN_CI:
            pytest.fail("CI must run the PostgreSQL tests: WFLOW_TEST_DATABASE_URL is not set")
        pytest.skip("PostgreSQL not configured (set WFLOW_TEST_DATABASE_URL)")
    engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    except sa.exc.OperationalError as exc:  # unreachable server: fail in CI, skip locally
        if IN_CI:
            pytest.fail(f"PostgreSQL unreachable in CI: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    finally:
        engine.dispose()
    return PG_URL

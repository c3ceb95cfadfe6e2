"""Servers starting together store each definition version once (PostgreSQL).

Every server syncs the definitions on its first request; two first requests at the same
moment both saw the version missing and both inserted it, and one failed with a unique
violation (a 500). Found by tests/load starting two servers on a fresh database.
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.engine.flows import Journal
from tests.engine.test_versions import _engine
from wflow.engine.versions import D

pytestmark = pytest.mark.postgres


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """Run this module on PostgreSQL only (SQLite has one writer at a time anyway)."""
    return str(request.param)


def test_four_servers_syncing_at_once_store_each_version_once(
    journal: Journal, db: sa.Engine
) -> None:
    engine = _engine(journal, 1)
    ready = threading.Barrier(4)
    errors: list[BaseException] = []

    def first_request() -> None:
        with Session(db) as session:
            session.connection()  # each in a transaction of its own before they race
            ready.wait(30)
            try:
                engine.sync_versions(session)
                session.commit()
            except Exception as exc:  # collected and asserted below
                errors.append(exc)

    threads = [threading.Thread(target=first_request) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with db.connect() as conn:
        rows = conn.execute(sa.select(D.c.name, D.c.version)).all()
    assert [tuple(r) for r in rows] == [("approval", 1)]

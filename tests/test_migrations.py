"""Migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import wflow.engine.tables
import wflow.models  # noqa: F401
from tests.dbs import fresh_database_url
from wflow.db import current_revision, make_engine, upgrade


def test_migrations__schema_matches_the_models(backend: str, tmp_path: Path) -> None:
    url = fresh_database_url(backend, tmp_path)
    assert current_revision(url) is None
    upgrade(url)
    assert current_revision(url) is not None
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_migrations__sqlite_runs_in_wal_with_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.sqlite3'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_migrations__0020_seals_every_chain_so_the_present_is_covered(
    backend: str, tmp_path: Path
) -> None:
    """Chains written in format 1 verify after 0020, and their rows are covered from then on."""
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from wflow.engine.audit import event_hash_v1, verify_instances
    from wflow.engine.statements import INST

    url = fresh_database_url(backend, tmp_path)
    upgrade(url, "0011_programme")
    engine = make_engine(url)
    at = datetime(2025, 3, 1, 8, 0, 0, 123456)
    data = {"title": "Kế hoạch 2025", "members": [1, 2]}
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO wf_instance (id, workflow, version, state, subject_type, subject_id,"
                " data, lock_version, entry, last_seq, last_hash, created_at, updated_at)"
                " VALUES (1, 'plan', 1, 'published', 'plan', 1, :data, 2, 2, 2, :h, :at, :at)"
            ), {"data": json.dumps(data), "h": "", "at": at})  # fmt: skip
            prev = ""
            for seq, (trigger, source, dest) in enumerate(
                [("start", "", "draft"), ("publish", "draft", "published")], start=1
            ):
                h = event_hash_v1(prev, 1, seq, seq, at, None, None, "system", trigger, source,
                                  dest, {})  # fmt: skip
                conn.execute(sa.text(
                    "INSERT INTO wf_event (instance_id, seq, version, at, actor_name, trigger,"
                    " source, dest, data, prev_hash, hash) VALUES (1, :seq, :seq, :at, 'system',"
                    " :trigger, :source, :dest, '{}', :prev, :h)"
                ), {"seq": seq, "at": at, "trigger": trigger, "source": source, "dest": dest,
                    "prev": prev, "h": h})  # fmt: skip
                prev = h
            conn.execute(sa.text("UPDATE wf_instance SET last_hash = :h"), {"h": prev})
        engine.dispose()
        upgrade(url)
        with Session(engine) as session:
            assert verify_instances(session) == []
            seal = session.execute(sa.text(
                "SELECT seq, trigger, hash_v, version, dest FROM wf_event WHERE seq = 3"
            )).one()  # fmt: skip
            assert tuple(seal) == (3, "seal", 2, 2, "published")
            session.execute(sa.update(INST).values(data={**data, "title": "Sửa lén"}))
            session.commit()
            assert [f.line for f in verify_instances(session)] == [
                'instance 1: data.title: expected "Kế hoạch 2025", found "Sửa lén"'
                " (changed outside the engine)"
            ]
    finally:
        engine.dispose()

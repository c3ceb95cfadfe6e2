"""Migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import wflow.engine.tables
import wflow.models  # noqa: F401
from tests.dbs import fresh_database_url
from wflow.db import current_revisions, make_engine, upgrade


def insert(conn: sa.Connection, table: str, **values: Any) -> None:
    """Insert one row as it stood at a past revision (whose tables no model describes)."""
    names = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    conn.execute(sa.text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), values)


def instance(iid: int, workflow: str, at: datetime, **values: Any) -> dict[str, Any]:
    """Return a wf_instance row about subject `iid` of its workflow's kind (`values` override)."""
    return {"id": iid, "workflow": workflow, "version": 1, "state": "x", "subject_type": workflow,
            "subject_id": iid, "data": "{}", "lock_version": 1, "entry": 3, "last_seq": 0,
            "last_hash": "", "created_at": at, "updated_at": at, **values}  # fmt: skip


def test_migrations__schema_matches_the_models(backend: str, tmp_path: Path) -> None:
    url = fresh_database_url(backend, tmp_path)
    assert current_revisions(url) is None
    upgrade(url)
    assert current_revisions(url) is not None
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
            insert(conn, "wf_instance", **instance(1, "plan", at, state="published",
                                                  data=json.dumps(data), lock_version=2,
                                                  entry=2, last_seq=2))  # fmt: skip
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


def test_migrations__0055_moves_secret_choices_into_ballots_and_drops_the_link(
    backend: str, tmp_path: Path
) -> None:
    """A nomination's votes become ballots with random ids; a pact's signatures stay as they are."""
    url = fresh_database_url(backend, tmp_path)
    upgrade(url, "0050_titles")
    engine = make_engine(url)
    at = datetime(2025, 12, 1, 8, 0)
    try:
        with engine.begin() as conn:
            for iid, workflow in ((1, "nomination"), (2, "pact")):
                insert(conn, "wf_instance", **instance(iid, workflow, at))
            seats = [(1, "unit:1", "act", 11), (1, "unit:2", "refuse", 12),
                     (1, "unit:3", None, None), (2, "unit:1", "act", 11)]  # fmt: skip
            for n, (iid, key, choice, actor) in enumerate(seats):
                insert(conn, "wf_participant", instance_id=iid, round=3, position=n, stage=0,
                       key=key, principal=key, label=key, choice=choice, actor_user_id=actor,
                       data="{}")  # fmt: skip
        engine.dispose()
        upgrade(url)
        with engine.connect() as conn:
            left = conn.execute(sa.text(
                "SELECT instance_id, key, choice FROM wf_participant ORDER BY instance_id, key"
            )).all()  # fmt: skip
            ballots = conn.execute(sa.text(
                "SELECT id, instance_id, round, choice FROM wf_ballot ORDER BY choice"
            )).all()  # fmt: skip
        assert [tuple(r) for r in left] == [
            (1, "unit:1", "cast"), (1, "unit:2", "cast"), (1, "unit:3", None), (2, "unit:1", "act")
        ]  # fmt: skip
        assert [(i, r, c) for _id, i, r, c in ballots] == [(1, 3, "act"), (1, 3, "refuse")]
        assert all(len(b.id) == 20 and int(b.id, 16) >= 0 for b in ballots)
    finally:
        engine.dispose()


def test_migrations__0113_gives_each_task_row_its_instance_block(
    backend: str, tmp_path: Path
) -> None:
    """Task rows written before the column get their instance's block (none for none)."""
    url = fresh_database_url(backend, tmp_path)
    upgrade(url, "0112_task_index_due")
    engine = make_engine(url)
    at = datetime(2026, 3, 1, 8, 0)
    try:
        with engine.begin() as conn:
            for iid, block in ((1, 7), (2, None)):
                insert(conn, "wf_instance", **instance(iid, "review", at, block_id=block))
            for iid, who in ((1, "unit:1:head"), (1, "secretariat:1"), (2, "unit:2:head")):
                insert(conn, "wf_task", instance_id=iid, trigger="submit", principal=who,
                       work=True)  # fmt: skip
        engine.dispose()
        upgrade(url)
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT instance_id, principal, block_id FROM wf_task"
                " ORDER BY instance_id, principal"
            )).all()  # fmt: skip
        assert [tuple(r) for r in rows] == [
            (1, "secretariat:1", 7), (1, "unit:1:head", 7), (2, "unit:2:head", None)
        ]  # fmt: skip
    finally:
        engine.dispose()

"""The audit covers the present: instance rows, events and stored files, each change named."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlmodel import Session, col, select

from tests.dbs import DemoBuild
from wflow.clock import utcnow
from wflow.engine import WfInstance
from wflow.engine.statements import EVT, INST
from wflow.notifications.models import Notification
from wflow.org.models import User
from wflow.pacts.models import Document


def _instance(session: Session, workflow: str, state: str | None = None) -> WfInstance:
    query = select(WfInstance).where(WfInstance.workflow == workflow)
    if state is not None:
        query = query.where(WfInstance.state == state)
    row = session.exec(query.order_by(col(WfInstance.id))).first()
    assert row is not None, (workflow, state)
    return row


def _documents(session: Session) -> list[Document]:
    return list(session.exec(select(Document).order_by(col(Document.id))).all())


def test_audit__the_untouched_demo_verifies(
    app: Flask, demo: DemoBuild, runner: FlaskCliRunner, session: Session
) -> None:
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    files = len(_documents(session))
    assert files > 0
    assert f"{files} stored file(s)" in result.output


def test_audit__each_change_behind_the_app_is_named_on_one_line(
    app: Flask, demo: DemoBuild, runner: FlaskCliRunner, session: Session
) -> None:
    plan = _instance(session, "plan", "published")
    pact = _instance(session, "pact")
    review = _instance(session, "review")
    key = sorted(pact.data)[0]  # the data the pact was started with
    conn = session.connection()
    conn.execute(sa.update(INST).where(INST.c.id == plan.id).values(state="draft"))
    conn.execute(sa.update(INST).where(INST.c.id == pact.id).values(data={**pact.data, key: "99"}))
    conn.execute(
        sa.update(EVT).where((EVT.c.instance_id == review.id) & (EVT.c.seq == 1))
        .values(actor_name="Người khác")
    )  # fmt: skip
    session.commit()
    altered, removed = _documents(session)[:2]
    folder = Path(app.instance_path)
    with (folder / altered.path).open("ab") as fh:
        fh.write(b"%% one more line\n")
    (folder / removed.path).unlink()

    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[-1] == "Error: 5 audit problem(s)"
    assert sorted(lines[:-1]) == sorted([
        f'instance {plan.id}: state: expected "published", found "draft"'
        " (changed outside the engine)",
        f"instance {pact.id}: data.{key}: expected {json.dumps(pact.data[key])}, found"
        ' "99" (changed outside the engine)',
        f"instance {review.id}: event 1: hash does not match the event's content"
        " (the event was altered)",
        f"document {altered.id}: {altered.path}: sha256: expected {altered.sha256}, found "
        f"{_sha256(folder / altered.path)} (the file was altered)",
        f"document {removed.id}: {removed.path}: missing",
    ])  # fmt: skip


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_audit__tick_reports_a_breakage_to_the_admins_once(
    app: Flask,
    demo: DemoBuild,
    runner: FlaskCliRunner,
    session: Session,
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = utcnow()
    first = runner.invoke(args=["tick", "--now", now.isoformat()])
    assert first.exit_code == 0 and "audit: intact" in first.output

    plan = _instance(session, "plan", "published")
    session.connection().execute(sa.update(INST).where(INST.c.id == plan.id).values(state="draft"))
    session.commit()
    soon = runner.invoke(args=["tick", "--now", (now + timedelta(minutes=5)).isoformat()])
    assert "audit" not in soon.output  # once an hour by default

    with caplog.at_level(logging.ERROR, logger="wflow.ops.audit"):
        hour = runner.invoke(args=["tick", "--now", (now + timedelta(minutes=61)).isoformat()])
    assert hour.exit_code == 0, hour.output
    assert "audit: 1 problem(s), 1 new" in hour.stderr
    assert [r.getMessage() for r in caplog.records] == [
        f'audit: instance {plan.id}: state: expected "published", found "draft"'
        " (changed outside the engine)"
    ]
    admin = session.exec(select(User).where(User.login == "admin")).one()
    notes = session.exec(select(Notification).where(Notification.kind == "audit")).all()
    assert [n.user_id for n in notes] == [admin.id]
    assert f"instance {plan.id}: state" in notes[0].body

    later = runner.invoke(args=["tick", "--now", (now + timedelta(minutes=125)).isoformat()])
    assert "audit: 1 problem(s), 0 new" in later.stderr
    session.expire_all()
    assert len(session.exec(select(Notification).where(Notification.kind == "audit")).all()) == 1

"""The `wflow` command line: init, demo, migrations, users."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlmodel import Session, col, select

from tests.dbs import TEST_CONFIG
from wflow import create_app
from wflow import db as database
from wflow.core.access import current_year
from wflow.org.models import Block, BlockMembership, Unit, User


def test_cli__init_demo_builds_the_province_once(runner: FlaskCliRunner, session: Session) -> None:
    result = runner.invoke(args=["init", "--demo"])
    assert result.exit_code == 0, result.output
    assert "demo province loaded" in result.output
    units = session.exec(select(Unit)).all()
    assert {"MTTQ", "TDOAN", "HLHPN", "LDLD", "HND", "HCCB"} <= {u.code for u in units}
    year = current_year()
    leaders = session.exec(
        select(Unit.code, BlockMembership.year)
        .join(BlockMembership, col(BlockMembership.unit_id) == Unit.id)
        .where(BlockMembership.position == "leader")
    ).all()
    assert ("TDOAN", year) in leaders and ("MTTQ", year - 1) in leaders
    users = session.exec(select(User)).all()
    assert {"tdoan.head", "tdoan.staff", "secretariat", "council1", "admin"} <= {
        u.login for u in users
    }
    again = runner.invoke(args=["init", "--demo"])
    assert again.exit_code == 0 and "kept as it is" in again.output
    session.expire_all()
    # the province's three (the review demo adds the agencies'), one per commune, and the
    # province's cluster of the communes' fronts
    found = session.exec(select(Block)).all()
    assert len(found) == 6 and [b.code for b in found if b.kind == "cluster"] == ["CUMBAC"]


def test_cli__users_create_and_refusals(
    runner: FlaskCliRunner, session: Session, make_unit: Callable[..., Unit]
) -> None:
    unit = make_unit("HND")
    ok = runner.invoke(
        args=[
            "users",
            "create",
            "hnd.head",
            "--name",
            "Đinh Văn Toàn",
            "--unit",
            "hnd",
            "--role",
            "unit_head",
            "--password",
            "a long password",
        ]
    )
    assert ok.exit_code == 0, ok.output
    user = session.exec(select(User).where(User.login == "hnd.head")).one()
    assert user.unit_id == unit.id and user.roles == ["unit_head"]
    dup = runner.invoke(
        args=["users", "create", "hnd.head", "--name", "X", "--password", "a long password"]
    )
    assert dup.exit_code != 0 and "already used" in dup.output
    nounit = runner.invoke(
        args=[
            "users",
            "create",
            "x.head",
            "--name",
            "X",
            "--unit",
            "NOPE",
            "--password",
            "a long password",
        ]
    )
    assert nounit.exit_code != 0 and "no unit with code" in nounit.output
    short = runner.invoke(args=["users", "create", "x.y", "--name", "X", "--password", "short"])
    assert short.exit_code != 0 and "at least 8 characters" in short.output
    session.expire_all()
    assert len(session.exec(select(User)).all()) == 1


def test_cli__db_current_reports_the_head(runner: FlaskCliRunner) -> None:
    """A migrated database shows every branch's revision, the newest among them, up to date."""
    result = runner.invoke(args=["db", "current"])
    assert result.exit_code == 0, result.output
    assert "0113_task_block" in result.output and result.output.strip().endswith("(up to date)")


def test_cli__db_current_says_when_the_database_is_behind(tmp_path: Path) -> None:
    """A database short of the latest migration says so, and what to run."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    database.upgrade(url, "0112_task_index_due")
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url})
    result = app.test_cli_runner().invoke(args=["db", "current"])
    assert result.exit_code == 0, result.output
    said = result.output.strip()  # later migrations only lengthen what is to run
    assert said.startswith("0112_task_index_due (behind: ") and "to run, up to 01" in said, said
    assert said.endswith("; run `wflow db upgrade`)"), said
    database.upgrade(url)
    again = app.test_cli_runner().invoke(args=["db", "current"])
    assert again.output.strip().endswith("(up to date)"), again.output


def test_cli__console_script_uses_environment_overrides(tmp_path: Path, app: Flask) -> None:
    env = {
        **os.environ,
        "WFLOW_INSTANCE_PATH": str(tmp_path / "inst"),
        "WFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'env.sqlite3'}",
        "WFLOW_SECRET_KEY": "from-env",
    }
    wflow = Path(sys.executable).with_name("wflow")
    result = subprocess.run(
        [str(wflow), "init"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "env.sqlite3").exists()
    assert not (tmp_path / "inst" / "secret_key").exists()  # the environment's secret wins

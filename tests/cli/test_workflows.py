"""The engine's commands and start-up: check, list, refusal to start on a bad definition."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from wflow import create_app
from wflow.config import PROJECT_ROOT
from wflow.engine.errors import DefinitionError

WFLOW = str(Path(sys.executable).with_name("wflow"))
BROKEN = PROJECT_ROOT / "tests" / "engine" / "fixtures" / "broken.yaml"


def test_workflows_check__project_definitions_are_valid() -> None:
    result = subprocess.run(
        [WFLOW, "workflows", "check"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "9 workflow file(s) valid" in result.stdout


def test_workflows_check__broken_file_names_line_and_fix() -> None:
    result = subprocess.run(
        [WFLOW, "workflows", "check", str(BROKEN)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith(str(BROKEN))]
    assert lines, result.stderr
    assert all(":" in line and " — " in line for line in lines)
    assert "unknown destination state `end`" in result.stderr


def test_workflows_check__works_even_when_the_app_cannot_start(tmp_path: Path) -> None:
    folder = tmp_path / "defs"
    folder.mkdir()
    shutil.copy(BROKEN, folder / "broken.yaml")
    env = {
        "WFLOW_WORKFLOWS_DIR": str(folder),
        "WFLOW_INSTANCE_PATH": str(tmp_path / "i"),
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [WFLOW, "workflows", "check"], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 1 and "problem(s)" in result.stderr


def test_startup__app_refuses_an_invalid_definition(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "defs"
    folder.mkdir()
    for good in (PROJECT_ROOT / "workflows").glob("*.yaml"):
        shutil.copy(good, folder / good.name)
    shutil.copy(BROKEN, folder / "broken.yaml")
    monkeypatch.setenv("WFLOW_INSTANCE_PATH", str(tmp_path / "i"))
    with pytest.raises(DefinitionError) as caught:
        create_app({"WORKFLOWS_DIR": str(folder), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert "broken.yaml" in str(caught.value)


def test_workflows_list__shows_versions_and_counts(runner: FlaskCliRunner, app: Flask) -> None:
    result = runner.invoke(args=["workflows", "list"])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split() for line in result.output.splitlines()[1:]}
    assert set(rows) == {
        "adhoc_award", "award_decision", "campaign", "inspection", "nomination", "pact", "plan",
        "programme", "review",
    }  # fmt: skip
    assert rows["pact"][1:4] == ["2", "0", "current"]

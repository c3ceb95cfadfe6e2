"""`wflow workflows check|list` and `wflow tick`: the engine's commands (audit: cli/audit.py)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import Session

from wflow import db as database
from wflow.cli import audit as cli_audit
from wflow.config import PROJECT_ROOT
from wflow.core import workflow as wf
from wflow.engine import check_files
from wflow.notifications import service as notifications
from wflow.workflow_rules import build_registry
from wflow.workflow_setup import engine as app_engine


@click.group("workflows")
def workflows_group() -> None:
    """Workflow definitions."""


@workflows_group.command("check")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def workflows_check(files: tuple[Path, ...]) -> None:
    """Validate definitions (default: every workflows/*.yaml); exit 1 on any error."""
    if files:
        paths = list(files)
    else:
        folder = Path(os.environ.get("WFLOW_WORKFLOWS_DIR") or PROJECT_ROOT / "workflows")
        paths = sorted(folder.glob("*.yaml"))
    if not paths:
        raise click.ClickException("no workflow files to check")
    problems = check_files(paths, build_registry())
    for p in problems:
        click.echo(f"{p.path}:{p.line}: {p.message} — {p.fix}", err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in {len(paths)} file(s)")
    click.echo(f"{len(paths)} workflow file(s) valid: {', '.join(p.name for p in paths)}")


@workflows_group.command("list")
@with_appcontext
def workflows_list() -> None:
    """Show every workflow version (loaded or stored) with its instance counts."""
    sess = database.session()
    engine = app_engine()
    wf.sync_versions(sess, engine)
    click.echo(f"{'workflow':<14}{'version':>8}{'instances':>11}  state")
    for d in wf.stored_versions(sess, engine):
        mark = "current" if d.current else "older"
        click.echo(f"{d.name:<14}{d.version:>8}{d.instances:>11}  {mark}")


@click.command("tick")
@click.option("--now", "now_text", default=None, help="Pretend it is this ISO date-time (UTC).")
@with_appcontext
def tick_command(now_text: str | None) -> None:
    """Fire every due deadline and send every due reminder (safe to run on every server)."""
    now = None
    if now_text:
        try:
            now = datetime.fromisoformat(now_text).replace(tzinfo=None)
        except ValueError:
            raise click.ClickException(f"--now: not an ISO date-time: {now_text!r}") from None
    bind = current_app.extensions["wflow.db"]
    report = app_engine().tick(lambda: Session(bind, expire_on_commit=False), now)
    click.echo(
        f"tick: {report.done} item(s) opened, {report.fired} deadline(s) fired, "
        f"{report.reminded} reminder(s) sent"
    )
    told = notifications.deliver_all(database.session())  # left by a server that stopped
    if told:
        click.echo(f"tick: new work told on {told} subject(s)")
    cli_audit.periodic_check(now)


COMMANDS: list[click.Command] = [workflows_group, tick_command]

"""`wflow digest`: the daily e-mail digest of open tasks and unread notifications."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import with_appcontext

from wflow import db as database
from wflow.notifications.digest import send_digests
from wflow.workflow_setup import engine as app_engine


@click.command("digest")
@click.option("--now", "now_text", default=None, help="Pretend it is this ISO date-time (UTC).")
@with_appcontext
def digest_command(now_text: str | None) -> None:
    """E-mail today's digest to every opted-in user (once a day; safe to run again)."""
    now = None
    if now_text:
        try:
            now = datetime.fromisoformat(now_text).replace(tzinfo=None)
        except ValueError:
            raise click.ClickException(f"--now: not an ISO date-time: {now_text!r}") from None
    sent = send_digests(database.session(), app_engine(), now)
    click.echo(f"digest: {sent} e-mail(s) sent")


COMMANDS: list[click.Command] = [digest_command]

"""`wflow audit verify`, and the periodic audit `wflow tick` runs: thin over wflow.ops.audit."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import with_appcontext

from wflow import db as database
from wflow.clock import utcnow
from wflow.core import installation
from wflow.core import workflow as wf
from wflow.ops import audit


@click.group("audit")
def audit_group() -> None:
    """The audit log and the stored files."""


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Check every chain, instance row and stored file; exit 1 with one line per problem."""
    found = audit.verify(database.session())
    for finding in found:
        click.echo(finding.line, err=True)
    if found:
        raise click.ClickException(f"{len(found)} audit problem(s)")
    sess = database.session()
    click.echo(
        f"audit intact: {wf.instance_count(sess)} instance(s) and their rows, "
        f"{audit.file_count(sess)} stored file(s)"
    )


def periodic_check(now: datetime | None) -> None:
    """Settle staged leftovers; run the audit when its interval has passed (`wflow tick`)."""
    sess = database.session()
    swept = audit.sweep_staging(sess, now or utcnow())
    if swept.published or swept.deleted:
        click.echo(f"staging: {swept.published} file(s) stored, {swept.deleted} deleted")
    report = audit.watch(sess, now or utcnow(), installation.of(sess).settings.audit_interval)
    if not report.ran:
        return
    if not report.problems:
        click.echo("audit: intact")
        return
    click.echo(
        f"audit: {report.problems} problem(s), {len(report.new)} new, reported to the "
        "administrators (`wflow audit verify` lists them)",
        err=True,
    )


COMMANDS: list[click.Command] = [audit_group]

"""`wflow year open YEAR`: the turn of the year, as the secretariat does it on its page."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from wflow import db as database
from wflow.core.errors import ServiceError
from wflow.workflow_setup import engine as app_engine
from wflow.yearturn import service


@click.group("year")
def year_group() -> None:
    """The turn of the year: next year's memberships, leaders and draft plans."""


@year_group.command("open")
@click.argument("year_text", metavar="YEAR")
@with_appcontext
def year_open(year_text: str) -> None:
    """Open YEAR: copy each block's members, set its leader and deputy, clone its plan."""
    sess = database.session()
    try:
        year = service.check_year(sess, int(year_text) if year_text.strip().isdigit() else None)
    except ServiceError as exc:
        with force_locale("en"):
            raise click.ClickException(f"{year_text!r}: {exc.message}") from None
    blocks = service.blocks_of(sess, year)
    with click.progressbar(length=len(blocks), label=f"opening {year}") as bar:
        report = service.open_year(
            sess, app_engine(), year=year, user=None, on_block=lambda _block: bar.update(1)
        )
    if report.nothing_to_do:
        click.echo(f"{year}: nothing to do, every block is already open")
        return
    click.echo(f"{year} opened")
    click.echo(f"  membership, leader and deputy copied: {', '.join(report.copied) or 'none'}")
    click.echo(f"  plans cloned as drafts: {', '.join(report.cloned) or 'none'}")
    click.echo(f"  blocks already open: {', '.join(report.kept) or 'none'}")


COMMANDS: list[click.Command] = [year_group]

"""`wflow backup FILE` and `wflow restore FILE`: thin over wflow.ops.backup and .restore."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from wflow import db as database
from wflow.ops.backup import BackupError, create_backup
from wflow.ops.progress import Advance
from wflow.ops.restore import is_encrypted, restore_backup


class Bars:
    """Progress as click progress bars on stderr (a line per stage when it is not a terminal)."""

    def stage(self, label: str, total: int | None) -> AbstractContextManager[Advance]:
        """Draw a bar for a stage of known size, else name the stage."""
        return _bar(label, total)

    def say(self, line: str) -> None:
        """Print one line."""
        click.echo(line)


@contextmanager
def _bar(label: str, total: int | None) -> Iterator[Advance]:
    if total is None:
        click.echo(f"{label}…", err=True)
        yield lambda _n: None
        return
    with click.progressbar(length=max(total, 1), label=label, file=sys.stderr) as bar:
        yield bar.update


def _passphrase(path: Path | None, prompt: bool, confirm: bool) -> str | None:
    """Return the passphrase: the file's first line, or typed at a prompt (when asked for)."""
    if path is not None:
        lines = path.read_text(encoding="utf-8").splitlines()
        if not lines or not lines[0]:
            raise click.ClickException(f"{path}: the first line, the passphrase, is empty")
        return lines[0]
    if prompt:
        typed: str = click.prompt(
            "Passphrase", hide_input=True, confirmation_prompt=confirm, err=True
        )
        if not typed:
            raise click.ClickException("an empty passphrase protects nothing")
        return typed
    return None


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


PASSPHRASE_FILE = click.option(
    "--passphrase-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file whose first line is the passphrase.",
)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@PASSPHRASE_FILE
@click.option("--encrypt", is_flag=True, help="Encrypt with a passphrase typed at a prompt.")
@click.option(
    "--with-ca-key",
    is_flag=True,
    help="Also archive the CA's private key and wflow's signing key (both encrypted with the "
    "key-encryption key, which is never archived).",
)
@with_appcontext
def backup_command(
    file: Path, passphrase_file: Path | None, encrypt: bool, with_ca_key: bool
) -> None:
    """Write one archive: database, documents, evidence, the CA's public part (never the KEK)."""
    passphrase = _passphrase(passphrase_file, encrypt, confirm=True)
    try:
        report = create_backup(
            database_url=current_app.config["DATABASE_URL"],
            instance=Path(current_app.instance_path),
            target=file,
            passphrase=passphrase,
            with_ca_key=with_ca_key,
            progress=Bars(),
        )
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    rows = sum(report.tables.values())
    sealed = "encrypted (age, passphrase)" if report.encrypted else "NOT encrypted"
    click.echo(
        f"backup written: {report.path} ({_megabytes(report.size)}, {sealed}; "
        f"{len(report.tables)} tables, {rows} rows, {report.files} files) "
        f"in {report.seconds:.1f} s"
    )
    kept = "the key-encryption key, the session secret"
    if not report.with_ca_key:
        kept += " and the CA's private key"
    click.echo(f"not in it: {kept}; keep them apart from the backup (README: backup and restore)")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@PASSPHRASE_FILE
@with_appcontext
def restore_command(file: Path, passphrase_file: Path | None) -> None:
    """Restore a backup into this empty instance; every earlier session ends."""
    try:
        encrypted = is_encrypted(file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    passphrase = _passphrase(passphrase_file, encrypted, confirm=False)
    current_app.extensions["wflow.db"].dispose()  # no connection of ours in the way
    try:
        report = restore_backup(
            database_url=current_app.config["DATABASE_URL"],
            instance=Path(current_app.instance_path),
            source=file,
            passphrase=passphrase,
            upgrade=database.upgrade,
            progress=Bars(),
        )
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    rows = sum(report.tables.values())
    click.echo(
        f"restored: {file} of {report.created_at} ({len(report.tables)} tables, {rows} rows, "
        f"{report.files} files) in {report.seconds:.1f} s"
    )
    click.echo("sessions: every session made before the restore is refused (epochs raised)")
    if os.environ.get("WFLOW_SECRET_KEY"):
        click.echo("sessions: WFLOW_SECRET_KEY is set: give it a new value if the old one leaked")
    if report.kek_ok:
        click.echo(f"keys: {report.kek}")
    else:
        click.echo(f"warning: keys: {report.kek}", err=True)
    for line in report.problems:
        click.echo(line, err=True)
    if report.problems:
        count = len(report.problems)
        raise click.ClickException(f"restored, but the audit finds {count} problem(s)")
    click.echo("audit intact")


COMMANDS: list[click.Command] = [backup_command, restore_command]

"""`wflow keys ...` and `wflow verify FILE`: certificates of units and signature checks."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlmodel import col, select

from wflow import db as database
from wflow.core.errors import ServiceError
from wflow.documents import pki, verify
from wflow.org.models import Unit
from wflow.signatures import keys, trust
from wflow.signatures.models import UnitCertificate


def _fail(exc: ServiceError) -> click.ClickException:
    with force_locale("en"):
        return click.ClickException(str(exc.message))


def _unit(code: str) -> Unit:
    unit = database.session().exec(select(Unit).where(Unit.code == code.upper())).first()
    if unit is None:
        raise click.ClickException(f"no unit with code {code!r}")
    return unit


@click.group("keys")
def keys_group() -> None:
    """Certificate authority and unit certificates."""


def init_keys() -> int:
    """Create the CA if needed and a certificate for every unit lacking one; return how many."""
    return len(keys.ensure_unit_certificates(database.session()))


@keys_group.command("init")
@with_appcontext
def keys_init() -> None:
    """Create the certificate authority and a certificate for every unit without one."""
    try:
        issued = init_keys()
    except ServiceError as exc:
        raise _fail(exc) from None
    store = keys.key_store(database.session())
    click.echo(f"certificate authority: {store.ca_cert_path}")
    click.echo(f"certificates issued: {issued}")


@keys_group.command("list")
@with_appcontext
def keys_list() -> None:
    """List unit certificates: unit, source, validity, state and SHA-256 fingerprint."""
    sess = database.session()
    rows = sess.exec(
        select(UnitCertificate, Unit)
        .join(Unit, col(Unit.id) == UnitCertificate.unit_id)
        .order_by(col(Unit.code), col(UnitCertificate.created_at))
    ).all()
    for cert, unit in rows:
        state = f"revoked {cert.revoked_at:%Y-%m-%d}" if cert.revoked_at else "valid"
        click.echo(
            f"{unit.code:<10} {cert.source:<8} {cert.not_before:%Y-%m-%d}.."
            f"{cert.not_after:%Y-%m-%d} {state:<18} {pki.format_fingerprint(cert.fingerprint)}"
        )
    if not rows:
        click.echo("no certificates: run `wflow keys init`")


@keys_group.command("revoke")
@click.argument("unit_code")
@click.option("--reason", required=True, help="Why the certificate is revoked.")
@click.option("--fingerprint", "wanted", default=None, help="Revoke this one (default: current).")
@with_appcontext
def keys_revoke(unit_code: str, reason: str, wanted: str | None) -> None:
    """Revoke a unit's certificate (its current one unless --fingerprint names another)."""
    sess = database.session()
    unit = _unit(unit_code)
    if wanted:
        digest = wanted.replace(":", "").lower()
        cert = sess.exec(
            select(UnitCertificate).where(
                UnitCertificate.fingerprint == digest, UnitCertificate.unit_id == unit.id
            )
        ).first()
    else:
        cert = keys.usable_certificate(sess, unit.id or 0)
    if cert is None:
        raise click.ClickException(f"unit {unit.code} has no such certificate")
    try:
        keys.revoke_certificate(sess, cert, reason)
    except ServiceError as exc:
        raise _fail(exc) from None
    click.echo(f"revoked {pki.format_fingerprint(cert.fingerprint)} of {unit.code}")


@keys_group.command("import")
@click.argument("unit_code")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.password_option(confirmation_prompt=False, help="Password of the PKCS#12 file.")
@with_appcontext
def keys_import(unit_code: str, file: Path, password: str) -> None:
    """Register a unit's own key and certificate from a PKCS#12 file."""
    sess = database.session()
    unit = _unit(unit_code)
    try:
        with file.open("rb") as fh:  # never more than the largest acceptable file
            data = fh.read(keys.PKCS12_MAX_BYTES + 1)
        row = keys.import_pkcs12(sess, unit, data, password)
    except ServiceError as exc:
        raise _fail(exc) from None
    click.echo(f"imported {pki.format_fingerprint(row.fingerprint)} for {unit.code}")


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"


class Unreadable(click.ClickException):
    """The file cannot be read as a PDF (or is too large to try): exit status 2."""

    exit_code = 2


@click.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def verify_command(file: Path) -> None:
    """Check every signature of a PDF.

    Exit 0 when every signature is intact, trusted and followed only by other signatures,
    1 otherwise (or when there is none), 2 when the file cannot be read as a PDF.
    """
    limit = int(current_app.config["VERIFY_MAX_BYTES"])
    if file.stat().st_size > limit:
        raise Unreadable(f"the file is larger than {limit // (1024 * 1024)} MB")
    try:
        reports = keys.verify_document(
            database.session(), file.read_bytes(), limits=verify.Limits(max_bytes=limit)
        )
    except ServiceError as exc:
        raise Unreadable(_fail(exc).message) from None
    if not reports:
        raise click.ClickException("the PDF holds no signature")
    for i, r in enumerate(reports, start=1):
        c = r.check
        unit = f"{r.unit.name} ({r.unit.code})" if r.unit else c.subject
        when = f"{c.signed_at:%Y-%m-%d %H:%M:%S} UTC" if c.signed_at else "-"
        click.echo(f"signature {i} [{c.field}]: {unit}")
        click.echo(f"  signer: {c.signer_name or '-'}   time: {when}")
        if c.timestamp:
            proof = "revocation data embedded" if c.long_term else "no revocation data embedded"
            click.echo(f"  timestamp: {c.timestamp:%Y-%m-%d %H:%M:%S} UTC ({proof})")
        click.echo(
            f"  intact: {_yes(c.intact and c.valid)}  trusted: {_yes(r.trusted)}"
            f"  modified after signing: {'YES' if c.modified_after else 'no'}"
            f"  in registry: {_yes(r.in_registry)}{'  (revoked)' if r.revoked else ''}"
        )
        click.echo(f"  certificate: {pki.format_fingerprint(c.fingerprint)}")
    bad = [
        i for i, r in enumerate(reports, start=1)
        if not (r.check.intact and r.check.valid and r.trusted and not r.check.modified_after)
    ]  # fmt: skip
    if bad:
        raise click.ClickException(f"signature(s) {', '.join(map(str, bad))} failed verification")
    click.echo(f"all {len(reports)} signatures verified")


@click.group("trust")
def trust_group() -> None:
    """The trust store: the roots signatures are trusted under besides the instance's CA."""


@trust_group.command("add")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", required=True, help="What people call this root (e.g. its CA's name).")
@with_appcontext
def trust_add(file: Path, name: str) -> None:
    """Trust the root certificate in FILE (PEM) under NAME."""
    sess = database.session()
    with file.open("rb") as fh:
        data = fh.read(trust.PEM_MAX_BYTES + 1)
    try:
        row = trust.add_root(sess, name, data, keys.key_store(sess))
    except ServiceError as exc:
        raise _fail(exc) from None
    click.echo(f"trusted {row.name}: {pki.format_fingerprint(row.fingerprint)}")


@trust_group.command("list")
@with_appcontext
def trust_list() -> None:
    """List the trusted roots: name, end of validity, SHA-256 fingerprint."""
    sess = database.session()
    for root in trust.roots(sess, keys.key_store(sess)):
        end = root.certificate.not_valid_after_utc
        origin = "" if root.row else "  (the instance's own CA)"
        click.echo(f"{root.name}  until {end:%Y-%m-%d}{origin}")
        click.echo(f"  {pki.format_fingerprint(pki.fingerprint(root.certificate))}")
    for row in trust.removed_roots(sess):
        click.echo(
            f"removed {row.removed_at:%Y-%m-%d %H:%M} UTC: {row.name} ({row.removed_reason})"
        )


@trust_group.command("remove")
@click.argument("name")
@click.option("--reason", required=True, help="Why the root is no longer trusted.")
@with_appcontext
def trust_remove(name: str, reason: str) -> None:
    """Stop trusting the root called NAME (recorded with the reason)."""
    sess = database.session()
    row = trust.find_active(sess, name)
    if row is None:
        raise click.ClickException(f"no trusted root called {name!r} (see `wflow trust list`)")
    try:
        trust.remove_root(sess, row, reason)
    except ServiceError as exc:
        raise _fail(exc) from None
    click.echo(f"removed {row.name}")


COMMANDS: list[click.Command] = [keys_group, trust_group, verify_command]


def echo_init_keys() -> None:
    """Create the CA and missing unit certificates, and say so (used by `wflow init`)."""
    issued = init_keys()
    click.echo(f"keys ready: certificate authority in instance/ca, {issued} certificates issued")

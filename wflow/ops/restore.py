"""`wflow restore FILE`: a backup into an empty instance, checked before anything is written.

In order: open the archive (the passphrase is checked first), refuse a database that holds
data or an instance folder that holds stored files or another certificate authority, unpack
everything into a staging folder inside the instance folder and check every member against
the manifest. Only then: load the database (one transaction), check its row counts, migrate
it, raise every user's session epoch (no session made before the restore opens again),
move the files into place, replace the session secret file, and say whether this instance's
key-encryption key decrypts the restored private keys and whether the audit is intact.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from cryptography import x509
from sqlmodel import Session, col, select

from wflow.core.blobs import BlobStore
from wflow.documents import pki
from wflow.ops import audit, dbcopy
from wflow.ops.agefile import AgeError, AgeReader, WrongPassphrase, is_age
from wflow.ops.backup import (
    CA_PRIVATE,
    CA_PUBLIC,
    FORMAT,
    HEADER,
    INSTANCE,
    MANIFEST,
    PUBLIC_MODE,
    STORED,
    STORED_NAME,
    VERSION,
    BackupError,
)
from wflow.ops.progress import Progress, Silent
from wflow.org.models import User
from wflow.signatures.models import UnitCertificate

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
NAMED = frozenset(CA_PUBLIC + CA_PRIVATE)
KEPT = frozenset({"keys/kek"})  # what an empty instance folder may hold under ca/ and keys/


class RestoreError(BackupError):
    """A restore refused or failed; the message is one line for people."""


@dataclass(frozen=True)
class RestoreReport:
    """What `restore_backup` did, and what the operator must know."""

    created_at: str
    tables: dict[str, int]
    files: int
    ca_key: bool  # the CA's private key is in place (restored, or brought back beforehand)
    kek_ok: bool
    kek: str  # one line: whether this instance's KEK decrypts the restored keys
    problems: tuple[str, ...]  # what `audit verify` finds in the restored instance
    seconds: float


def is_encrypted(source: Path) -> bool:
    """Tell whether the backup file is encrypted to a passphrase (age)."""
    try:
        with source.open("rb") as fh:
            return is_age(fh.read(32))
    except OSError as exc:
        raise RestoreError(f"cannot read {source}: {exc.strerror or exc}") from None


def restore_backup(
    *,
    database_url: str,
    instance: Path,
    source: Path,
    passphrase: str | None,
    upgrade: Callable[[str], None],
    progress: Progress | None = None,
) -> RestoreReport:
    """Restore `source` into the empty database at `database_url` and the folder `instance`."""
    shown = progress or Silent()
    started = time.monotonic()
    kind = dbcopy.kind_of(database_url)
    instance.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.TemporaryDirectory(dir=instance, prefix=".restore-") as scratch:
        staging = Path(scratch)
        header, files = _unpack(
            source, passphrase, kind, staging, lambda: _refuse_unless_empty(database_url, instance),
            shown,
        )  # fmt: skip
        _refuse_other_keys(instance, staging / INSTANCE)
        manifest = json.loads((staging / MANIFEST).read_text())
        # nothing was written before this line; from here on the backup is known whole
        tables = _load(database_url, staging / dbcopy.MEMBER[kind], manifest, shown)
        upgrade(database_url)
        _end_sessions(database_url)
        _move_files(staging / INSTANCE, instance)
    _new_secret(instance)
    kek_ok, kek_line, ca_key = check_kek(database_url, instance, shown)
    problems = _audit(database_url, instance, shown)
    return RestoreReport(
        created_at=str(header.get("created_at", "?")), tables=tables, files=files,
        ca_key=ca_key, kek_ok=kek_ok, kek=kek_line, problems=problems,
        seconds=time.monotonic() - started,
    )  # fmt: skip


# --- reading the archive -------------------------------------------------------------


class _Counting:
    """A reader that reports how many bytes of the backup file were read."""

    def __init__(self, fh: BinaryIO, advance: Callable[[int], None]) -> None:
        self.fh, self.advance = fh, advance

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(size)
        self.advance(len(data))
        return data


def _unpack(
    source: Path,
    passphrase: str | None,
    kind: str,
    staging: Path,
    check_target: Callable[[], None],
    progress: Progress,
) -> tuple[dict[str, Any], int]:
    """Read the whole backup into `staging`, checked; return its description and file count.

    `check_target` runs once the description says the backup fits this instance, before the
    long part. An encrypted backup is read to its last chunk, which proves nothing was cut.
    """
    encrypted = is_encrypted(source)
    if encrypted and not passphrase:
        raise RestoreError("the backup is encrypted: give its passphrase (--passphrase-file)")
    with source.open("rb") as raw, progress.stage("reading", source.stat().st_size) as advance:
        counted: Any = _Counting(raw, advance)
        try:
            stream: Any = AgeReader(counted, passphrase or "") if encrypted else counted
            with tarfile.open(fileobj=stream, mode="r|") as tar:
                header = _header(tar, kind)
                check_target()
                files = _members(tar, staging, kind)
            while stream.read(1 << 20):
                pass
        except WrongPassphrase:
            raise RestoreError("wrong passphrase for this backup") from None
        except AgeError as exc:
            raise RestoreError(f"the backup cannot be decrypted: {exc}") from None
        except tarfile.TarError:
            raise RestoreError(f"{source} is not a wflow backup (or it is damaged)") from None
    return header, files


def _header(tar: Any, kind: str) -> dict[str, Any]:
    """Read the first member and refuse a backup this instance cannot take."""
    first = tar.next()
    if first is None or first.name != HEADER:
        raise RestoreError("not a wflow backup: it does not start with its description")
    header: dict[str, Any] = json.loads(_read(tar, first))
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise RestoreError("not a wflow backup of a format this version reads")
    if header.get("database") != kind:
        raise RestoreError(
            f"the backup holds a {header.get('database')} database; this instance uses {kind}"
        )
    known = {s.revision for s in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
    unknown = [r for r in header.get("revisions", []) if r not in known]
    if unknown:
        raise RestoreError(f"the backup comes from a newer wflow (migration {unknown[0]})")
    return header


def _read(tar: Any, member: tarfile.TarInfo) -> bytes:
    fh = tar.extractfile(member)
    if fh is None:
        raise RestoreError(f"not a wflow backup: {member.name} is not a file")
    data: bytes = fh.read()
    return data


def _allowed(name: str, kind: str) -> bool:
    if name in (MANIFEST, dbcopy.MEMBER[kind]):
        return True
    inner = name.removeprefix(f"{INSTANCE}/")
    return inner != name and (inner in NAMED or bool(STORED_NAME.match(inner)))


def _members(tar: Any, staging: Path, kind: str) -> int:
    """Unpack every member into `staging`, checked against the manifest; return the file count."""
    digests: dict[str, str] = {}
    manifest: dict[str, Any] | None = None
    while (member := tar.next()) is not None:  # iterating the TarFile would start over
        if manifest is not None:
            raise RestoreError("not a wflow backup: members follow its manifest")
        if not member.isfile() or not _allowed(member.name, kind) or member.name in digests:
            raise RestoreError(f"not a wflow backup: unexpected member {member.name!r}")
        if member.name == MANIFEST:
            manifest = json.loads(_read(tar, member))
            (staging / MANIFEST).write_bytes(json.dumps(manifest).encode())
            continue
        digests[member.name] = _extract(tar, member, staging / member.name)
    if manifest is None:
        raise RestoreError("the backup is incomplete: its manifest is missing")
    if manifest.get("files") != digests:
        raise RestoreError("the backup is damaged: its files do not match its manifest")
    if dbcopy.MEMBER[kind] not in digests:
        raise RestoreError("the backup holds no database")
    return len(digests) - 1


def _extract(tar: Any, member: tarfile.TarInfo, target: Path) -> str:
    fh = tar.extractfile(member)
    if fh is None:
        raise RestoreError(f"not a wflow backup: {member.name} is not a file")
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    digest = hashlib.sha256()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


# --- what an empty instance is -------------------------------------------------------


def _refuse_unless_empty(database_url: str, instance: Path) -> None:
    """Refuse a database holding data, or an instance folder holding stored files."""
    try:
        why = dbcopy.not_empty(database_url)
    except dbcopy.DatabaseError as exc:
        raise RestoreError(str(exc)) from None
    if why:
        raise RestoreError(
            f"the database is not empty ({why}): restore needs an empty database"
        )  # fmt: skip
    for folder in STORED:
        found = next((p for p in (instance / folder).rglob("*") if p.is_file()), None)
        if found is not None:
            raise RestoreError(
                f"the instance folder is not empty ({found}): restore needs an empty instance"
            )


def _refuse_other_keys(instance: Path, restored: Path) -> None:
    """Refuse files under ca/ and keys/ that are not this backup's (another CA, say).

    A file the backup holds must be the same; of those it does not, only the KEK and the
    CA's private part (brought back from where the operator keeps it) may be there already.
    """
    for folder in ("ca", "keys"):
        for path in sorted(p for p in (instance / folder).rglob("*") if p.is_file()):
            name = path.relative_to(instance).as_posix()
            ours = restored / name
            if ours.exists():
                if ours.read_bytes() != path.read_bytes():
                    raise RestoreError(_other_ca(instance, name))
            elif name not in KEPT and name not in CA_PRIVATE:
                raise RestoreError(_other_ca(instance, name))


def _other_ca(instance: Path, name: str) -> str:
    return (
        f"{instance / name} is not this backup's (a certificate authority made by "
        f"`wflow init`?): move {instance / name.split('/')[0]} away, then restore"
    )


# --- writing -------------------------------------------------------------------------


def _load(
    database_url: str, dump: Path, manifest: dict[str, Any], progress: Progress
) -> dict[str, int]:
    try:
        counts = dbcopy.load(database_url, dump, progress)
    except dbcopy.DatabaseError as exc:
        raise RestoreError(str(exc)) from None
    expected: dict[str, int] = manifest.get("tables", {})
    for name, rows in expected.items():
        if counts.get(name) != rows:
            raise RestoreError(
                f"the restored database differs from the backup: table {name} has "
                f"{counts.get(name)} row(s), the backup {rows}"
            )
    return counts


def _end_sessions(database_url: str) -> None:
    """Raise every user's session epoch: no session cookie made before the restore is valid."""
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(sa.update(User).values(session_epoch=col(User.session_epoch) + 1))
    finally:
        engine.dispose()


def _move_files(restored: Path, instance: Path) -> None:
    """Move the restored files into the instance folder (the same file system: renames)."""
    for path in sorted(p for p in restored.rglob("*") if p.is_file()):
        target = instance / path.relative_to(restored)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if target.exists():  # the same bytes (checked): brought back beforehand
            continue
        if target.name.endswith("-cert.pem"):
            path.chmod(PUBLIC_MODE)
        os.replace(path, target)


def _new_secret(instance: Path) -> None:
    """Replace instance/secret_key (when sessions are signed with it) by a new one."""
    path = instance / "secret_key"
    if not path.exists():
        return
    fd, tmp = tempfile.mkstemp(dir=instance, prefix=".secret-")
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    os.replace(tmp, path)


# --- checking ------------------------------------------------------------------------


def check_kek(database_url: str, instance: Path, progress: Progress) -> tuple[bool, str, bool]:
    """Say whether this instance's KEK decrypts the private keys; and whether the CA key is here.

    Returns (all decrypt, one line for people, the CA's private key is in place).
    """
    store = pki.KeyStore(instance)
    keys: list[tuple[str, str]] = []
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with Session(engine) as session:
            query = select(UnitCertificate.id, UnitCertificate.encrypted_key_pem).order_by(
                col(UnitCertificate.id)
            )
            keys += [(f"unit certificate {i}", pem) for i, pem in session.exec(query) if pem]
    finally:
        engine.dispose()
    ca_key = store.ca_key_path.is_file()
    for name in CA_PRIVATE:
        path = instance / name
        if name.endswith("-key.pem") and path.is_file():
            keys.append((name, path.read_text()))
    missing_ca = "" if ca_key else (
        "; the CA's private key is not here: put back ca/ca-key.pem from where you keep it, "
        "or no certificate can be issued and no pact completed"
    )  # fmt: skip
    if not keys:
        return True, "no private keys to decrypt" + missing_ca, ca_key
    kek = store.existing_kek()
    if kek is None:
        return False, (
            f"NO key-encryption key here ({pki.KEK_ENV} or {instance / 'keys' / 'kek'}): "
            f"none of the {len(keys)} private key(s) can sign until it is put back" + missing_ca
        ), ca_key  # fmt: skip
    failed: list[str] = []
    with progress.stage("keys", len(keys)) as advance:
        for name, pem in keys:
            if not pki.kek_opens(pem, kek):
                failed.append(name)
            advance(1)
    if failed:
        return False, (
            f"the key-encryption key here does NOT decrypt {len(failed)} of {len(keys)} "
            f"private key(s) (first: {failed[0]}): put the installation's own KEK in place"
        ) + missing_ca, ca_key  # fmt: skip
    if ca_key and not _ca_pair(store, kek):
        return False, "the CA's private key does not belong to its certificate", ca_key
    return True, f"the key-encryption key decrypts all {len(keys)} private key(s)" + (
        missing_ca
    ), ca_key  # fmt: skip


def _ca_pair(store: pki.KeyStore, kek: bytes) -> bool:
    """Tell whether the CA key and certificate of the instance go together."""
    if not store.ca_cert_path.is_file():
        return False
    cert = x509.load_pem_x509_certificate(store.ca_cert_path.read_bytes())
    key = pki.decrypt_key(store.ca_key_path.read_text(), kek)
    return bool(key.public_key() == cert.public_key())


def _audit(database_url: str, instance: Path, progress: Progress) -> tuple[str, ...]:
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with Session(engine) as session, progress.stage("audit", None):
            return tuple(f.line for f in audit.verify(session, BlobStore(instance)))
    finally:
        engine.dispose()

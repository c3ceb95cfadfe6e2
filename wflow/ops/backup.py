"""`wflow backup FILE`: one archive of the database, the stored files and the CA's public part.

The archive is a tar stream, optionally encrypted to a passphrase in the age format
(`wflow.ops.agefile`). Its members, in order:

- `wflow-backup.json`: what it is (format, version, time, database kind, migration revisions,
  whether the CA's private part is in it);
- `database.sqlite3` (SQLite online backup) or `database.pgdump` (`pg_dump --format=custom`);
- `instance/ca/ca-cert.pem`, the certificate authority's certificate;
- `instance/documents/…` and `instance/evidence/…`, every stored file;
- with `with_ca_key` only: `instance/ca/ca-key.pem` and wflow's own signing identity
  (`instance/keys/system-key.pem`, `system-cert.pem`), private keys encrypted with the KEK;
- `manifest.json`: the row count of every table and the SHA-256 of every member above.

Never in it: the key-encryption key (`instance/keys/kek`) and the session secret
(`instance/secret_key`): with them, a stolen backup would sign or open sessions.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from wflow.ops import dbcopy
from wflow.ops.agefile import AgeWriter
from wflow.ops.progress import Advance, Progress, Silent

FORMAT, VERSION = "wflow-backup", 1
HEADER, MANIFEST = "wflow-backup.json", "manifest.json"
INSTANCE = "instance"  # the prefix of the instance folder's files in the archive
CA_PUBLIC = ("ca/ca-cert.pem",)
CA_PRIVATE = ("ca/ca-key.pem", "keys/system-key.pem", "keys/system-cert.pem")
STORED = ("documents", "evidence")
NEVER = ("keys/kek", "secret_key")  # never archived, whatever the options
# a stored file: documents/<sha256>.pdf, evidence/<ab>/<sha256> (BlobStore), no "..", no dot-files
STORED_NAME = re.compile(r"^(documents|evidence)(/[A-Za-z0-9][A-Za-z0-9._-]*){1,2}$")
PRIVATE_MODE, PUBLIC_MODE = 0o600, 0o644


class BackupError(Exception):
    """A backup that cannot be made or read; the message is one line for people."""


@dataclass(frozen=True)
class BackupReport:
    """What `create_backup` wrote."""

    path: Path
    size: int
    files: int
    tables: dict[str, int]
    encrypted: bool
    with_ca_key: bool
    seconds: float


def instance_members(instance: Path, with_ca_key: bool) -> Iterator[tuple[str, Path]]:
    """Yield (name in the instance folder, path) of every file a backup takes from it."""
    named = CA_PUBLIC + (CA_PRIVATE if with_ca_key else ())
    for name in named:
        if (instance / name).is_file():
            yield name, instance / name
    for folder in STORED:
        root = instance / folder
        if not root.is_dir():
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            name = path.relative_to(instance).as_posix()
            if STORED_NAME.match(name):  # BlobStore's temporary files start with a dot
                yield name, path


def create_backup(
    *,
    database_url: str,
    instance: Path,
    target: Path,
    passphrase: str | None = None,
    with_ca_key: bool = False,
    progress: Progress | None = None,
) -> BackupReport:
    """Write the archive `target` (refused when it exists); nothing is left of a failed one."""
    shown = progress or Silent()
    started = time.monotonic()
    if target.exists():
        raise BackupError(f"{target} exists: give the backup a new name")
    if not target.parent.is_dir():
        raise BackupError(f"no folder {target.parent}")
    kind = dbcopy.kind_of(database_url)
    part = target.with_name(f".{target.name}.part")
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".wflow-backup-") as scratch:
        database = Path(scratch) / dbcopy.MEMBER[kind]
        try:
            snap = dbcopy.snapshot(database_url, database, shown)
        except dbcopy.DatabaseError as exc:
            raise BackupError(str(exc)) from None
        members = [(dbcopy.MEMBER[kind], database)]
        members += [(f"{INSTANCE}/{name}", path) for name, path in
                    instance_members(instance, with_ca_key)]  # fmt: skip
        header = {
            "format": FORMAT, "version": VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": kind, "revisions": list(snap.revisions), "ca_key": with_ca_key,
        }  # fmt: skip
        try:
            _write(part, header, members, snap.tables, passphrase, shown)
            os.replace(part, target)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    return BackupReport(
        path=target, size=target.stat().st_size, files=len(members) - 1, tables=snap.tables,
        encrypted=bool(passphrase), with_ca_key=with_ca_key,
        seconds=time.monotonic() - started,
    )  # fmt: skip


def _write(
    part: Path,
    header: dict[str, object],
    members: list[tuple[str, Path]],
    tables: dict[str, int],
    passphrase: str | None,
    progress: Progress,
) -> None:
    """Write the archive to `part` (owner-only), flushed to disk."""
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    with os.fdopen(fd, "wb") as raw:
        sink: BinaryIO | AgeWriter = AgeWriter(raw, passphrase) if passphrase else raw
        digests: dict[str, str] = {}
        total = sum(path.stat().st_size for _name, path in members)
        with tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
            _add_bytes(tar, HEADER, _json(header))
            with progress.stage("archive", total) as advance:
                for name, path in members:
                    digests[name] = _add_file(tar, name, path, advance)
            _add_bytes(tar, MANIFEST, _json({"tables": tables, "files": digests}))
        if isinstance(sink, AgeWriter):
            sink.close()
        raw.flush()
        os.fsync(raw.fileno())


def _json(value: object) -> bytes:
    return json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False).encode()


def _info(name: str, size: int, mtime: float, mode: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), mode
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    tar.addfile(_info(name, len(data), time.time(), PRIVATE_MODE), io.BytesIO(data))


class _Hashing:
    """A reader that hashes what passes through it and reports its progress."""

    def __init__(self, fh: BinaryIO, advance: Advance) -> None:
        self.fh, self.advance, self.digest = fh, advance, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(size)
        self.digest.update(data)
        self.advance(len(data))
        return data


def _add_file(tar: tarfile.TarFile, name: str, path: Path, advance: Advance) -> str:
    """Add one file, streamed; return its SHA-256."""
    with path.open("rb") as fh:
        stat = os.fstat(fh.fileno())
        mode = PUBLIC_MODE if name.endswith("-cert.pem") else PRIVATE_MODE
        reader = _Hashing(fh, advance)
        tar.addfile(_info(name, stat.st_size, stat.st_mtime, mode), reader)
    return reader.digest.hexdigest()

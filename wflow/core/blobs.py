"""Files kept by content hash under the instance folder: written once, atomically, checked.

A file a transaction writes (a signed PDF, an evidence file) is staged first, in `.staging/`,
and moved into the store only once the transaction commits (`store_on_commit`): a server
killed mid-way leaves no file in the store that no record vouches for. Leftovers in the
staging folder are swept by `wflow tick` (`wflow.ops.audit.sweep_staging`).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session

from wflow.core.uow import after_commit, after_rollback

STAGING = ".staging"
_PENDING: dict[Path, Path] = {}  # target → its staged file, while the writer's unit is open
_PENDING_LOCK = threading.Lock()


@dataclass(frozen=True)
class Staged:
    """A file written to the staging folder, waiting for its transaction's commit."""

    sha256: str
    relative: str  # where it goes in the store
    path: Path  # where it waits


@dataclass(frozen=True)
class Leftover:
    """A staged file a killed process left behind."""

    path: Path
    relative: str  # where it was going
    modified: datetime  # naive UTC


@dataclass(frozen=True)
class BlobStore:
    """The files of one installation, each named by its SHA-256 under `root`."""

    root: Path

    def folder(self, relative: str) -> Path:
        """Return (and create, private) a folder under the root."""
        path = self.root / relative
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        return path

    def store(self, data: bytes, place: Callable[[str], str]) -> tuple[str, str]:
        """Write `data` once at `place(sha256)` (relative to the root); return (sha256, path).

        Atomic: readers see the whole file or none; a file already there is the same content.
        """
        sha = hashlib.sha256(data).hexdigest()
        relative = place(sha)
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not target.exists():
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return sha, relative

    def stage(self, data: bytes, place: Callable[[str], str]) -> Staged:
        """Write `data` to the staging folder, named after where it goes (`place(sha256)`)."""
        sha = hashlib.sha256(data).hexdigest()
        relative = place(sha)
        name = f"{uuid.uuid4().hex}__{relative.replace('/', '~')}"
        path = self.folder(STAGING) / name
        with path.open("xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        with _PENDING_LOCK:
            _PENDING[self.root / relative] = path
        return Staged(sha, relative, path)

    def publish(self, staged: Staged) -> None:
        """Move a staged file into the store (a file already there is the same content)."""
        target = self.root / staged.relative
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if target.exists():
            staged.path.unlink(missing_ok=True)
        else:
            os.replace(staged.path, target)
        self._forget(staged)

    def drop(self, staged: Staged) -> None:
        """Delete a staged file whose transaction rolled back."""
        staged.path.unlink(missing_ok=True)
        self._forget(staged)

    def _forget(self, staged: Staged) -> None:
        with _PENDING_LOCK:
            if _PENDING.get(self.root / staged.relative) == staged.path:
                del _PENDING[self.root / staged.relative]

    def leftovers(self) -> Iterator[Leftover]:
        """Yield the staged files no open transaction of this process is waiting for."""
        folder = self.root / STAGING
        if not folder.is_dir():
            return
        with _PENDING_LOCK:
            waiting = set(_PENDING.values())
        for path in sorted(folder.iterdir()):
            _, sep, encoded = path.name.partition("__")
            if path in waiting or not sep:
                continue
            try:
                stamp = path.stat().st_mtime
            except FileNotFoundError:  # moved into the store meanwhile
                continue
            modified = datetime.fromtimestamp(stamp, UTC).replace(tzinfo=None)
            yield Leftover(path, encoded.replace("~", "/"), modified)

    def read(self, relative: str, sha256: str, what: str) -> bytes:
        """Return a stored file's bytes; OSError when it is gone or its hash no longer matches.

        A staged file is read where it waits: the caller's own unit's, or one whose record
        another process has just committed (or was killed before moving it).
        """
        data = self._bytes(relative)
        if hashlib.sha256(data).hexdigest() != sha256:
            raise OSError(f"stored {what} was changed on disk")
        return data

    def _bytes(self, relative: str) -> bytes:
        """Return the file's bytes from the store, or from the staging folder while it waits.

        A record is committed a moment before its file moves into the store, so a reader in
        another process may come between: the staged file is the committed content.
        """
        target = self.root / relative
        for _ in range(3):  # the file may move from staging to the store while we look
            try:
                return target.read_bytes()
            except FileNotFoundError:
                for staged in self._staged(relative):
                    try:
                        return staged.read_bytes()
                    except FileNotFoundError:
                        continue
        return target.read_bytes()  # gone from both: FileNotFoundError

    def _staged(self, relative: str) -> list[Path]:
        """Return the staged files bound for `relative` (this process's own first)."""
        with _PENDING_LOCK:
            own = _PENDING.get(self.root / relative)
        encoded = relative.replace("/", "~")
        folder = self.root / STAGING
        others = sorted(folder.glob(f"*__{encoded}")) if folder.is_dir() else []
        return [p for p in (own, *others) if p is not None]

    def check(self, relative: str, sha256: str) -> str | None:
        """Return what is wrong with a stored file ("missing", or how its hash differs), or None.

        A file still in the staging folder with the recorded hash is not missing: its record
        was committed and `wflow tick` moves it into the store.
        """
        path = self.root / relative
        try:
            found = _file_sha256(path)
        except FileNotFoundError:
            staged = [p for p in self._staged(relative) if p.exists() and _file_sha256(p) == sha256]
            return None if staged else "missing"
        except OSError as exc:
            return f"unreadable ({exc.strerror or exc})"
        if found != sha256:
            return f"sha256: expected {sha256}, found {found} (the file was altered)"
        return None


def store_on_commit(
    session: Session, blobs: BlobStore, data: bytes, place: Callable[[str], str]
) -> tuple[str, str]:
    """Stage `data` now and move it into the store when the session's unit commits.

    Return (sha256, relative path) for the record that vouches for it; on rollback the
    staged file is deleted. Outside a unit of work it is stored at once.
    """
    staged = blobs.stage(data, place)
    after_rollback(session, lambda: blobs.drop(staged))
    after_commit(session, lambda: blobs.publish(staged))
    return staged.sha256, staged.relative


def _file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()

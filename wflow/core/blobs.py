"""Files kept by content hash under the instance folder: written once, atomically, checked."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


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

    def read(self, relative: str, sha256: str, what: str) -> bytes:
        """Return a stored file's bytes; OSError when it is gone or its hash no longer matches."""
        data = (self.root / relative).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise OSError(f"stored {what} was changed on disk")
        return data

    def check(self, relative: str, sha256: str) -> str | None:
        """Return what is wrong with a stored file ("missing", or how its hash differs), or None."""
        path = self.root / relative
        try:
            found = _file_sha256(path)
        except FileNotFoundError:
            return "missing"
        except OSError as exc:
            return f"unreadable ({exc.strerror or exc})"
        if found != sha256:
            return f"sha256: expected {sha256}, found {found} (the file was altered)"
        return None


def _file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()

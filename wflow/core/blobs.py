"""Files kept by content hash under the instance folder: written once, atomically, checked."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from flask import current_app


def root(instance_path: str | Path | None = None) -> Path:
    """Return the instance folder (the app's, unless given)."""
    return Path(instance_path or current_app.instance_path)


def store(
    data: bytes, place: Callable[[str], str], instance_path: str | Path | None = None
) -> tuple[str, str]:
    """Write `data` once at `place(sha256)` (relative to the instance); return (sha256, path).

    Atomic: readers see the whole file or none; a file already there is the same content.
    """
    sha = hashlib.sha256(data).hexdigest()
    relative = place(sha)
    target = root(instance_path) / relative
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


def read(relative: str, sha256: str, what: str, instance_path: str | Path | None = None) -> bytes:
    """Return a stored file's bytes; OSError when it is gone or its hash no longer matches."""
    data = (root(instance_path) / relative).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise OSError(f"stored {what} was changed on disk")
    return data

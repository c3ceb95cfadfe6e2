"""Evidence files of a review: their type told by content, kept by hash under instance/evidence/.

A file is accepted when its first bytes say it is a PDF, an image (PNG, JPEG, GIF, WebP) or
an office document (OOXML and OpenDocument zips, legacy OLE files named .doc/.xls/.ppt);
its name never decides. Programs (Windows, Linux and macOS executables, scripts) are refused
whatever they are called. Files are written once, atomically, as
`instance/evidence/<sha[:2]>/<sha256>` and re-hashed on every read.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from wflow.core import installation
from wflow.core.errors import ServiceError, TooLarge
from wflow.reviews.models import ReviewEvidence

DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # REVIEW_EVIDENCE_MAX_BYTES when no app is configured
MAX_FILES = 30  # evidence files per review
FOLDER = "evidence"

PDF = "application/pdf"
OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
ODF = {
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
}
OLE = {".doc": "application/msword", ".xls": "application/vnd.ms-excel",
       ".ppt": "application/vnd.ms-powerpoint"}  # fmt: skip
EXTENSIONS = {
    PDF: ".pdf", "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif",
    "image/webp": ".webp", OOXML["word/"]: ".docx", OOXML["xl/"]: ".xlsx",
    OOXML["ppt/"]: ".pptx", "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
    **{v: k for k, v in OLE.items()},
}  # fmt: skip
_PROGRAMS = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe",
             b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")  # fmt: skip
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]+")


def max_bytes(session: Session) -> int:
    """Return the largest evidence file accepted (config REVIEW_EVIDENCE_MAX_BYTES)."""
    found = installation.maybe(session)
    return found.settings.evidence_max_bytes if found is not None else DEFAULT_MAX_BYTES


def clean_filename(name: str) -> str:
    """Return the uploader's file name for display: no folders, no control characters."""
    base = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    base = _UNSAFE.sub("", base).strip().lstrip(".")
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else base[:200]
    return base or "evidence"


def _zip_type(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size <= 100:
                    kind = archive.read("mimetype").decode("ascii", "replace").strip()
                    return kind if kind in ODF else None
            if "[Content_Types].xml" in names:
                for prefix, kind in OOXML.items():
                    if any(n.startswith(prefix) for n in names):
                        return kind
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
        return None
    return None


def detect(data: bytes, filename: str = "") -> str | None:
    """Return the content type of an accepted evidence file, or None (never from the name alone).

    The name only chooses between the legacy Office formats, which share one container.
    """
    head = data[:16]
    if any(head.startswith(magic) for magic in _PROGRAMS):
        return None
    if b"%PDF-" in data[:1024]:
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(data)
    if head.startswith(_OLE_MAGIC):
        return OLE.get(Path(filename.lower()).suffix)
    return None


def check(data: bytes, filename: str, limit: int = DEFAULT_MAX_BYTES) -> str:
    """Return the detected content type, or refuse the file with the reason (422 / 413)."""
    if not data:
        raise ServiceError(_l("The file is empty."), "file")
    if len(data) > limit:
        raise TooLarge(
            _l("The file is larger than %(mb)s MB.", mb=f"{limit / 1024 / 1024:g}"), "file"
        )
    if any(data[:16].startswith(magic) for magic in _PROGRAMS):
        raise ServiceError(
            _l("%(name)s is a program, not a document: it cannot be evidence.", name=filename),
            "file",
        )
    kind = detect(data, filename)
    if kind is None:
        raise ServiceError(
            _l(
                "%(name)s is not a PDF, an image (PNG, JPEG, GIF, WebP) or an office document "
                "(Word, Excel, PowerPoint, OpenDocument).",
                name=filename,
            ),
            "file",
        )
    return kind


def store(session: Session, data: bytes) -> tuple[str, str]:
    """Write `data` as evidence/<sha[:2]>/<sha256> atomically (once); return (sha256, path)."""
    blobs = installation.of(session).blobs
    blobs.folder(FOLDER)
    return blobs.store(data, lambda sha: f"{FOLDER}/{sha[:2]}/{sha}")


def read(session: Session, evidence: ReviewEvidence) -> bytes:
    """Return a stored evidence file's bytes, refusing one whose hash no longer matches."""
    return installation.of(session).blobs.read(
        evidence.path, evidence.sha256, f"evidence {evidence.id}"
    )


def download_name(evidence: ReviewEvidence) -> str:
    """Return the name to save a file under: the given name with the detected type's extension."""
    ext = EXTENSIONS.get(evidence.content_type, "")
    name = evidence.filename
    return name if not ext or name.lower().endswith(ext) else f"{name}{ext}"

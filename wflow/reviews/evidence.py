"""Evidence files of a review: their type told by parsing them, kept by hash under evidence/.

A file is accepted when it opens as what its first bytes claim: a PDF that pyHanko's reader
parses (with the verification page's limits against PDF bombs), an image (PNG, JPEG, GIF,
WebP) that Pillow decodes, an office document whose container holds the parts of its kind
(OOXML and OpenDocument zips, legacy Word, Excel and PowerPoint OLE files, told apart by
their streams); its name never decides. Programs (Windows, Linux and macOS executables,
scripts) are refused whatever they are called. Files are written once, atomically, as
`instance/evidence/<sha[:2]>/<sha256>` and re-hashed on every read.
"""

from __future__ import annotations

import io
import unicodedata
import warnings
import zipfile

import olefile
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError
from sqlmodel import Session

from wflow.core import installation
from wflow.core.blobs import store_on_commit
from wflow.core.errors import ServiceError, TooLarge
from wflow.documents import verify
from wflow.reviews.models import ReviewEvidence

DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # REVIEW_EVIDENCE_MAX_BYTES when no app is configured
MAX_FILES = 30  # evidence files per review
FOLDER = "evidence"
MAX_PIXELS = 60_000_000  # an image larger than this is refused before decoding (a bomb)
MAX_ZIP_ENTRIES = 5_000  # parts of an office zip
MAX_UNZIPPED = 200 * 1024 * 1024  # an office zip expanding beyond this is refused (a bomb)

PDF = "application/pdf"
OOXML = {  # the folder of the kind -> (its main part, its type)
    "word/": ("word/document.xml",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xl/": ("xl/workbook.xml",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "ppt/": ("ppt/presentation.xml",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
}  # fmt: skip
ODF = {
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
}
OLE = {  # the stream a legacy Office file of each kind holds -> its type
    "WordDocument": "application/msword",
    "Workbook": "application/vnd.ms-excel",
    "Book": "application/vnd.ms-excel",  # Excel 5/95
    "PowerPoint Document": "application/vnd.ms-powerpoint",
}
IMAGES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
EXTENSIONS = {
    PDF: ".pdf", "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif",
    "image/webp": ".webp", OOXML["word/"][1]: ".docx", OOXML["xl/"][1]: ".xlsx",
    OOXML["ppt/"][1]: ".pptx", "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
    "application/msword": ".doc", "application/vnd.ms-excel": ".xls",
    "application/vnd.ms-powerpoint": ".ppt",
}  # fmt: skip
_PROGRAMS = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe",
             b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")  # fmt: skip
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Unicode categories dropped from names: controls, format characters (the right-to-left
# override U+202E that shows "gpj.exe" as "exe.jpg", zero-width joiners), line separators.
_INVISIBLE = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def max_bytes(session: Session) -> int:
    """Return the largest evidence file accepted (config REVIEW_EVIDENCE_MAX_BYTES)."""
    found = installation.maybe(session)
    return found.settings.evidence_max_bytes if found is not None else DEFAULT_MAX_BYTES


def clean_filename(name: str) -> str:
    """Return the uploader's file name for display: NFC, no folders, no invisible characters."""
    base = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    base = "".join(ch for ch in base if unicodedata.category(ch) not in _INVISIBLE)
    base = base.replace("/", "").strip().lstrip(".").strip()
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else base[:200]
    return base or "evidence"


def _zip_type(data: bytes) -> str | None:
    """Return the office type of a zip holding the parts of its kind, None otherwise."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > MAX_UNZIPPED:
                return None
            names = {i.filename for i in infos}
            kind: str | None = None
            if "mimetype" in names and archive.getinfo("mimetype").file_size <= 100:
                declared = archive.read("mimetype").decode("ascii", "replace").strip()
                if declared in ODF and {"content.xml", "META-INF/manifest.xml"} <= names:
                    kind = declared
            elif "[Content_Types].xml" in names and "_rels/.rels" in names:
                kind = next((t for main, t in OOXML.values() if main in names), None)
            if kind is None or archive.testzip() is not None:  # every part's CRC
                return None
            return kind
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
            NotImplementedError, RuntimeError, KeyError):  # fmt: skip
        return None


def _ole_type(data: bytes) -> str | None:
    """Return the legacy Office type of an OLE file by the streams it holds."""
    try:
        with olefile.OleFileIO(data) as ole:
            streams = {"/".join(path) for path in ole.listdir(streams=True, storages=False)}
    except (OSError, ValueError, IndexError, TypeError, EOFError, RecursionError):
        return None
    return next((kind for stream, kind in OLE.items() if stream in streams), None)


def _image_type(data: bytes) -> str | None:
    """Return the type of an image Pillow decodes whole, None for a broken or bomb-sized one."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = IMAGES.get(str(image.format))
                width, height = image.size
                if kind is None or width * height > MAX_PIXELS or width * height == 0:
                    return None
                image.verify()  # the container: chunks, checksums, the end marker
            with Image.open(io.BytesIO(data)) as image:
                image.load()  # every pixel decodes: a truncated or forged image fails here
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):  # fmt: skip
        return None
    return kind


def _pdf_type(data: bytes) -> str | None:
    """Return the PDF type when pyHanko's reader opens the file and finds its pages."""
    try:
        verify.open_pdf(data, verify.Limits(max_bytes=max(len(data), 1)))
    except verify.BadDocument:
        return None
    return PDF


def detect(data: bytes, filename: str = "") -> str | None:
    """Return the content type of an accepted evidence file, or None (never from the name).

    The first bytes say what the file claims to be; it is accepted only when it opens as
    that (`filename` is kept for callers and no longer decides anything).
    """
    head = data[:16]
    if any(head.startswith(magic) for magic in _PROGRAMS):
        return None
    if b"%PDF-" in data[:1024]:
        return _pdf_type(data)
    if head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")) or (
        head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    ):
        return _image_type(data)
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(data)
    if head.startswith(_OLE_MAGIC):
        return _ole_type(data)
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
    """Stage `data` for evidence/<sha[:2]>/<sha256>, stored when the unit commits; (sha, path)."""
    blobs = installation.of(session).blobs
    return store_on_commit(session, blobs, data, lambda sha: f"{FOLDER}/{sha[:2]}/{sha}")


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

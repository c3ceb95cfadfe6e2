"""Small real files of every evidence type, made here: a PDF, images, office documents."""

from __future__ import annotations

import io
import struct
import zipfile

from PIL import Image

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FREE, _END, _FAT, _NONE = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def pdf(text: str = "Biên bản họp quý") -> bytes:
    """Return a one-page PDF with a correct cross-reference table."""
    words = text.encode("latin-1", "replace")
    stream = b"BT /F1 12 Tf 72 720 Td (" + words + b") Tj ET"
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length %d>>stream\n" % len(stream) + stream + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def image(kind: str = "PNG", size: tuple[int, int] = (8, 6)) -> bytes:
    """Return a small image in Pillow's format `kind` (PNG, JPEG, GIF, WEBP)."""
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=kind)
    return out.getvalue()


def zipped(entries: dict[str, bytes], first: str | None = None) -> bytes:
    """Return a zip of `entries` (`first` stored uncompressed at the start, as ODF wants)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if first:
            archive.writestr(first, entries.pop(first), compress_type=zipfile.ZIP_STORED)
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def docx() -> bytes:
    """Return the parts of a Word document (enough for its structure to be told)."""
    return zipped({
        "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
        "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
        "word/document.xml": b'<?xml version="1.0"?><w:document/>',
    })  # fmt: skip


def odt() -> bytes:
    """Return the parts of an OpenDocument text."""
    return zipped({
        "mimetype": b"application/vnd.oasis.opendocument.text",
        "META-INF/manifest.xml": b'<?xml version="1.0"?><manifest/>',
        "content.xml": b'<?xml version="1.0"?><office:document-content/>',
    }, first="mimetype")  # fmt: skip


def ole(stream: str = "WordDocument") -> bytes:
    """Return a compound file (OLE2, version 3) holding one 4 KiB stream named `stream`.

    Layout: the header, a FAT sector, a directory sector, then the stream's eight sectors
    (4096 bytes: at the mini-stream cutoff, so stored in regular sectors).
    """
    fat = [_FAT, _END, 3, 4, 5, 6, 7, 8, 9, _END] + [_FREE] * 118
    header = (
        OLE_MAGIC + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
        + struct.pack("<109I", 0, *([_FREE] * 108))
    )  # fmt: skip

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\x00\x00" if name else b""
        return (raw.ljust(64, b"\x00") + struct.pack("<HBB", len(raw), kind, 1 if name else 0)
                + struct.pack("<III", _NONE, _NONE, child) + bytes(16) + bytes(4) + bytes(16)
                + struct.pack("<IQ", start, size))  # fmt: skip

    directory = (
        entry("Root Entry", 5, 1, _END, 0) + entry(stream, 2, _NONE, 2, 4096)
        + entry("", 0, _NONE, 0, 0) * 2
    )  # fmt: skip
    return header + struct.pack("<128I", *fat) + directory + bytes(range(256)) * 16


def disguised_html() -> bytes:
    """Return an HTML page that says "%PDF-" early on: what the old check took for a PDF."""
    return (b"<!doctype html><!-- %PDF-1.7 --><html><body><script>alert(document.cookie)"
            b"</script></body></html>")  # fmt: skip

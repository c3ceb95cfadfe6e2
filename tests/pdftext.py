"""Read a PDF's text the way a person's viewer does (poppler's pdftotext)."""

from __future__ import annotations

import subprocess


def pdf_text(pdf: bytes) -> str:
    """Return a PDF's text as poppler's pdftotext reads it (lines joined by spaces)."""
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                         check=True)  # fmt: skip
    return " ".join(out.stdout.decode().split())

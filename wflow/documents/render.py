"""Render documents to PDF with WeasyPrint: autoescaped Jinja, local files only, embedded fonts."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from flask import render_template
from flask_babel import force_locale
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

STATIC = Path(__file__).resolve().parent.parent / "static"
DOCUMENT_LOCALE = "vi"  # the language of administrative documents (Decree 30/2020)
_fonts = FontConfiguration()  # shared: fonts are loaded once per process


class FetchRefused(ValueError):
    """A document tried to load something other than wflow's own static files."""


class LocalFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type hints
    """Load only files under wflow/static/ (fonts, images) and data: URLs; refuse the rest."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=True)

    def fetch(self, url: str, headers: Any = None) -> Any:
        """Fetch `url` when it is a data: URL or a file under wflow/static/."""
        parsed = urlparse(url)
        if parsed.scheme == "file":
            path = Path(unquote(parsed.path)).resolve()
            if STATIC not in path.parents:
                raise FetchRefused(f"documents may not load {path}")
        elif parsed.scheme != "data":
            raise FetchRefused(f"documents may not load {url!r}")
        return super().fetch(url, headers)


def render_html(template: str, context: Mapping[str, Any]) -> str:
    """Render a document template to HTML, with every text NFC-normalised (Vietnamese).

    Documents are Vietnamese whoever renders them: dates and numbers in Vietnamese formats.
    """
    with force_locale(DOCUMENT_LOCALE):
        html = render_template(template, static_root=STATIC.as_uri(), **context)
    return unicodedata.normalize("NFC", html)


def render_pdf(
    template: str, context: Mapping[str, Any], *, title: str, variant: str | None = "pdf/a-3u"
) -> bytes:
    """Render `template` (under templates/pdf/) to PDF bytes, PDF/A-3u, fonts embedded."""
    html = render_html(template, {**context, "doc_title_text": title})
    document = HTML(string=html, base_url=STATIC.as_uri() + "/", url_fetcher=LocalFetcher())
    pdf = document.write_pdf(font_config=_fonts, pdf_variant=variant)
    assert isinstance(pdf, bytes)
    return pdf

"""The PDFs pages send: inline, cached when public (a decision, a certificate), never kept
by a browser or proxy otherwise."""

from __future__ import annotations

from flask import Response, abort
from flask_babel import gettext as _

from wflow import db
from wflow.pacts.documents import read_document
from wflow.pacts.models import Document


def pdf_response(body: bytes, name: str, *, public: bool = False) -> Response:
    """Return `body` as an inline PDF named `name`.pdf."""
    headers = {
        "Content-Disposition": f'inline; filename="{name}.pdf"',
        "Cache-Control": "public, max-age=300" if public else "private, no-store",
    }
    return Response(body, mimetype="application/pdf", headers=headers)


def stored_pdf(doc: Document, name: str, *, public: bool = False) -> Response:
    """Return a stored document as an inline PDF; 410 when its file is gone."""
    try:
        body = read_document(db.session(), doc)
    except OSError:
        abort(410, description=_("This document is no longer available."))
    return pdf_response(body, name, public=public)

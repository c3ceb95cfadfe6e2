"""API routes on signed documents: download a stored PDF, check the signatures of a PDF."""

from __future__ import annotations

from flask import Response, current_app, request
from flask_babel import gettext as _

from wflow import db
from wflow.api.auth import api_user
from wflow.api.errors import ApiError
from wflow.api.openapi import operation
from wflow.api.routes import unit_ref
from wflow.api.schemas import SignatureOut, Verdict
from wflow.core.errors import ServiceError
from wflow.documents.verify import Limits
from wflow.pacts.documents import read_document
from wflow.pacts.models import Document
from wflow.signatures import keys
from wflow.signatures.access import may_read


def signature_out(report: keys.SignatureReport) -> SignatureOut:
    """Return one signature's checks and the registry's view of it."""
    c = report.check
    return SignatureOut(
        field=c.field, signer_name=c.signer_name, subject=c.subject, fingerprint=c.fingerprint,
        signed_at=c.signed_at, intact=c.intact, valid=c.valid, trusted=report.trusted,
        modified_after=c.modified_after, whole_file=c.whole_file, modification=c.modification,
        in_registry=report.in_registry, revoked=report.revoked,
        unit=unit_ref(report.unit.id) if report.unit else None, ok=report.ok,
    )  # fmt: skip


@operation("GET", "/documents/<int:document_id>", summary="Download a stored PDF",
           response_media="application/pdf", errors=(403, 404, 410))  # fmt: skip
def document(document_id: int) -> Response:
    """A stored PDF (a pact revision, its evidence certificate…), for those who may read it."""
    session = db.session()
    doc = session.get(Document, document_id)
    if doc is None:
        raise ApiError(404, "not_found", _("This resource does not exist."))
    if not may_read(session, api_user(), doc):
        raise ApiError(403, "forbidden", _("You may not read this document."))
    try:
        body = read_document(db.session(), doc)
    except OSError:
        raise ApiError(410, "gone", _("This document is no longer available.")) from None
    headers = {"Content-Disposition": f'inline; filename="document-{doc.id}.pdf"',
               "Cache-Control": "private, no-store"}  # fmt: skip
    return Response(body, mimetype="application/pdf", headers=headers)


@operation("POST", "/verify", summary="Check a signed PDF", body_media="application/pdf",
           response=Verdict, errors=(429,))  # fmt: skip
def verify() -> Verdict:
    """Check every signature of the PDF sent as the body (Content-Type: application/pdf).

    `trusted` means the certificate chains to a root of the trust store (the CA or a root an
    administrator added) and was not revoked before the signature's timestamp; `ok` means
    intact, valid, trusted, registered and not modified since (added validation data aside).
    """
    limit = int(current_app.config["VERIFY_MAX_BYTES"])
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        message = _("The file is larger than %(n)d MB.", n=limit // (1024 * 1024))
        raise ApiError(413, "too_large", message)
    if not data:
        raise ApiError(400, "empty_body", _("Send the PDF as the request body."))
    try:
        reports = keys.verify_document(db.session(), data, limits=Limits(max_bytes=limit))
    except ServiceError as exc:
        raise ApiError(422, "bad_document", str(exc.message), ["body"]) from None
    signatures = [signature_out(r) for r in reports]
    return Verdict(signatures=signatures, ok=bool(signatures) and all(s.ok for s in signatures))

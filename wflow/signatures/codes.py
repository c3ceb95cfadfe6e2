"""Verification codes: a short random code printed on each issued document, with its URL and
QR code, that leads anyone to the document's public verification page (/v/<code>).

Ten characters of Crockford's base32 (no I, L, O, U: nothing to misread), 50 random bits,
shown in groups as XXXX-XXXX-XX. Every revision of a document (each signature adds one)
keeps the code of the first; the latest revision is the one a code leads to.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import date
from io import BytesIO

import segno
from sqlmodel import Session, col, select

from wflow.adhoc.models import AdhocAward
from wflow.awards.models import Decision, Nomination
from wflow.core import installation
from wflow.pacts.models import Document, Pact

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32
LENGTH = 10
# what people may type for what they read (Crockford's decoding rules)
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0", "-": None, " ": None})


def new_code(session: Session) -> str:
    """Return a random code no stored document has."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if session.exec(select(Document.id).where(Document.verify_code == code)).first() is None:
            return code


def normalise(text: str) -> str | None:
    """Return the code people typed in canonical form, or None when it cannot be one."""
    code = text.upper().translate(_READ_AS)
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def grouped(code: str) -> str:
    """Return a code as printed: XXXX-XXXX-XX."""
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def url(session: Session, code: str) -> str:
    """Return the public verification URL of a code (PUBLIC_URL + /v/<code>)."""
    return f"{installation.of(session).settings.public_url}/v/{code}"


def qr_data_uri(link: str) -> str:
    """Return a QR code of `link` as an SVG data: URI (for documents: no file, no service)."""
    out = BytesIO()
    segno.make(link, error="m").save(out, kind="svg", xmldecl=False, svgns=True, scale=4,
                                     border=1)  # fmt: skip
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def footer(session: Session, code: str) -> dict[str, str]:
    """Return what a document prints of its code: the code, its URL and its QR code."""
    link = url(session, code)
    return {"code": grouped(code), "url": link, "qr": qr_data_uri(link)}


def current(session: Session, code: str) -> Document | None:
    """Return the latest stored revision of the document bearing `code` (None: unknown)."""
    query = select(Document).where(Document.verify_code == code).order_by(col(Document.id).desc())
    return session.exec(query).first()


@dataclass(frozen=True)
class Facts:
    """What the verification page says of a document besides its signatures."""

    title: str  # in the document's language, as printed on it
    number: str
    issued_on: date | None


KIND_TITLES = {
    "decision": "Quyết định khen thưởng",
    "pact": "Giao ước thi đua",
    "certificate": "Giấy chứng nhận khen thưởng",
    "certificates": "Giấy chứng nhận khen thưởng cá nhân",
}


def facts(session: Session, doc: Document) -> Facts:
    """Return the title, number and date of the document a stored file is a revision of."""
    if doc.decision_id is not None:
        decision = session.get(Decision, doc.decision_id)
        if decision is not None:
            return Facts(KIND_TITLES["decision"], decision.number, decision.issued_on)
    if doc.kind in ("certificate", "certificates") and doc.nomination_id is not None:
        nomination = session.get(Nomination, doc.nomination_id)
        decision_id = nomination.decision_id if nomination is not None else None
        decided = session.get(Decision, decision_id) if decision_id is not None else None
        if decided is not None:
            return Facts(KIND_TITLES[doc.kind], decided.number, decided.issued_on)  # its decision
    if doc.kind == "certificate" and doc.nomination_id is None:  # an ad-hoc award's
        query = select(AdhocAward).where(AdhocAward.certificate_document_id == doc.id)
        granted = session.exec(query).first()
        if granted is not None:
            number = granted.decision_number or ""
            return Facts(KIND_TITLES["certificate"], number, granted.decision_date)
    if doc.kind == "adhoc_decision":  # the chair's decision on an ad-hoc award
        query = select(AdhocAward).where(AdhocAward.document_id == doc.id)
        adhoc = session.exec(query).first()
        if adhoc is not None:
            title, number = KIND_TITLES["decision"], adhoc.decision_number or ""
            return Facts(title, number, adhoc.decision_date)
    if doc.pact_id is not None:
        pact = session.get(Pact, doc.pact_id)
        if pact is not None:
            return Facts(pact.title, pact.number, None)
    return Facts(KIND_TITLES.get(doc.kind, doc.kind), "", doc.created_at.date())

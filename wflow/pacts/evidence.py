"""The certificate of completion of a pact in force, signed by wflow's own system identity.

The evidence lists the hash of every revision, each signature (unit, signer, time, the
certificate's SHA-256 fingerprint) and the audit timeline with its chained hashes. It is
signed with a dedicated internal identity ("wflow"), issued once by the instance's CA and
kept next to it (instance/keys/system-*.pem, the key encrypted like the units' keys): it is
not a unit, so `keys.verify_document` reports it trusted but outside the unit registry.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlmodel import Session, col, select

from wflow.core import installation
from wflow.documents import pki, signing
from wflow.documents.pki import fingerprint, naive_utc
from wflow.documents.render import render_html as _render_html
from wflow.engine import WfEvent
from wflow.org.models import Block, User
from wflow.pacts.documents import add_document, field_units, html_to_pdf, read_document
from wflow.pacts.models import Document, Pact
from wflow.signatures import keys

SYSTEM_NAME = "wflow — hệ thống quản lý thi đua"
SYSTEM_CODE = "WFLOW"
EVIDENCE_FIELD = "wflow-evidence"
EVIDENCE_BOX = (300, 40, 560, 120)


def _paths(store: pki.KeyStore) -> tuple[Path, Path]:
    folder = store.root / "keys"
    return folder / "system-key.pem", folder / "system-cert.pem"


def system_identity(
    store: pki.KeyStore,
) -> tuple[pki.PrivateKey, x509.Certificate, list[x509.Certificate]]:
    """Return wflow's own signing key, certificate and chain, issuing them once."""
    ca_cert = store.ensure_ca()
    key_path, cert_path = _paths(store)
    if not cert_path.exists():
        key_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = pki.new_unit_key()
        cert = pki.issue_certificate(
            ca_cert, store.ca_key(), key.public_key(), name=SYSTEM_NAME, code=SYSTEM_CODE,
            now=datetime.now(UTC),
        )  # fmt: skip
        try:
            fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process is issuing it: use theirs
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(pki.encrypt_key(key, store.kek()))
            tmp = cert_path.with_suffix(".tmp")
            tmp.write_text(pki.cert_to_pem(cert))
            os.replace(tmp, cert_path)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = pki.decrypt_key(key_path.read_text(), store.kek(), checked=False)  # see sign_pdf
    return key, cert, [ca_cert]


def signatures_in(pdf: bytes) -> list[tuple[str, str, str, datetime | None]]:
    """Return (field, signer name, certificate fingerprint, claimed time) of each signature."""
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    out = []
    for sig in reader.embedded_regular_signatures:
        cert = x509.load_der_x509_certificate(sig.signer_cert.dump())
        name = sig.sig_object.get("/Name")
        when = sig.self_reported_timestamp
        out.append(
            (
                str(sig.field_name),
                str(name or ""),
                fingerprint(cert),
                naive_utc(when) if when else None,
            )
        )
    return out


def zone_label(session: Session, now: datetime) -> str:
    """Return the installation's time zone as the certificate names it ("GMT+7")."""
    aware = now if now.tzinfo else now.replace(tzinfo=UTC)
    return signing.offset_label(aware.astimezone(ZoneInfo(installation.zone(session))))


def evidence_html(session: Session, pact: Pact, now: datetime) -> str:
    """Return the certificate of completion as HTML."""
    revisions = list(
        session.exec(
            select(Document)
            .where(Document.pact_id == pact.id, Document.kind == "pact")
            .order_by(col(Document.id))
        ).all()
    )
    current = session.get(Document, pact.document_id) if pact.document_id else None
    final = read_document(session, current) if current else b""
    users = {u.id: u for u in session.exec(select(User)).all()}
    units = field_units(session)
    signed = [
        {"field": f, "unit": units.get(f, f), "signer": n, "fingerprint": fp, "at": at}
        for f, n, fp, at in (signatures_in(final) if final else [])
    ]
    events = session.exec(
        select(WfEvent).where(WfEvent.instance_id == pact.instance_id).order_by(col(WfEvent.seq))
    ).all()
    block = session.get(Block, pact.block_id)
    return _render_html(
        "pdf/pact_evidence.html",
        {
            "pact": pact, "block": block, "revisions": revisions, "users": users, "units": units,
            "signed": signed, "events": events, "date": installation.local_date(session, now),
            "now": now, "zone_label": zone_label(session, now),
            "number": pact.number, "place": "……", "issuer_parent": block.name if block else "",
            "issuer": "Hệ thống wflow", "doc_title_text": "Chứng nhận hoàn tất ký giao ước",
        },
    )  # fmt: skip


def issue_evidence(session: Session, pact: Pact, now: datetime) -> Document:
    """Render, sign with the system identity and store the certificate of completion."""
    pdf, _anchors = html_to_pdf(evidence_html(session, pact, now))
    key, cert, chain = system_identity(keys.key_store(session))
    stamp = signing.Stamp(
        unit_name="wflow", signer_name=SYSTEM_NAME, when=now, zone=installation.zone(session)
    )
    signed = signing.sign_pdf(
        pdf, key=key, cert=cert, chain=chain, field=EVIDENCE_FIELD, stamp=stamp,
        box=EVIDENCE_BOX, page=-1, reason="Chứng nhận hoàn tất ký giao ước",
    )  # fmt: skip
    doc = add_document(session, pact, signed, kind="evidence", parent_id=pact.document_id)
    pact.evidence_id = doc.id
    session.add(pact)
    session.flush()
    return doc

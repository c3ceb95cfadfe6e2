"""Signatures made with a key the server never holds: prepare, sign elsewhere, check, embed."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from flask import Flask
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from sqlmodel import Session

from tests.documents.helpers import BOXES, blank_pdf, foreign_ca, issued_by, pdfsig
from wflow.documents import external, pki, signing
from wflow.signatures import keys


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _browser_like(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """Sign as WebCrypto does: ECDSA P-256 over SHA-256, the signature as r‖s."""
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32) + s.to_bytes(32)


def _stamp() -> signing.Stamp:
    return signing.Stamp("Tỉnh Đoàn Hà Tĩnh", "Nguyễn Văn An", datetime.now(UTC))


@pytest.fixture
def proof(app: Flask, session: Session, store: pki.KeyStore) -> signing.Proof:
    """The instance's timestamp authority and CRL."""
    with app.app_context():
        return keys.signature_proof(session, store)


@pytest.fixture
def browser_key(store: pki.KeyStore) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A P-256 key (standing for a browser's) and its certificate from the instance CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = pki.issue_certificate(store.ensure_ca(), store.ca_key(), key.public_key(),
                                 name="Tỉnh Đoàn Hà Tĩnh", code="TDOAN", now=datetime.now(UTC),
                                 holder=pki.Holder("Nguyễn Văn An", "Bí thư"))  # fmt: skip
    return key, cert


def test_external__a_browser_key_signs_a_lasting_trusted_signature(
    tmp_path: Path, store: pki.KeyStore, proof: signing.Proof, browser_key: Any
) -> None:
    key, cert = browser_key
    chain = [store.ca_cert()]
    ready = external.prepare(blank_pdf(), cert=cert, chain=chain, field="sig_TDOAN",
                             stamp=_stamp(), box=BOXES[0], page=0, proof=proof)  # fmt: skip
    assert ready.pdf.startswith(b"%PDF-") and ready.signed_attrs
    signature = _browser_like(key, ready.signed_attrs)
    signed = external.finish(ready, cert=cert, chain=chain, signature=signature, proof=proof)

    reader = PdfFileReader(BytesIO(signed))
    sig = reader.embedded_regular_signatures[0]
    dss = DocumentSecurityStore.read_dss(reader)
    roots = [_asn1(store.ca_cert())]
    settings = {"trust_roots": roots, "allow_fetching": False, "revocation_mode": "hard-fail"}
    context = dss.as_validation_context(settings)
    status = validate_pdf_signature(sig, context)
    assert status.intact and status.valid and status.trusted
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    assert status.signing_cert.subject.native["common_name"] == "Nguyễn Văn An"
    assert dss.crls, "the CA's CRL is embedded for offline validation"

    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    ca_pem = tmp_path / "ca.pem"
    ca_pem.write_bytes(store.ca_cert().public_bytes(serialization.Encoding.PEM))
    out = pdfsig(path, ca_pem, tmp_path / "nss")
    assert "Signature is Valid." in out and "Certificate is Trusted." in out


def test_external__a_token_key_under_another_ca_signs_when_that_root_is_trusted(
    store: pki.KeyStore, proof: signing.Proof
) -> None:
    ca = foreign_ca("VNPT-CA thử nghiệm")
    key, cert = issued_by(ca, "Trần Thị Bình")
    trusted = signing.Proof(proof.timestamper, [*proof.trust_roots, ca[1]], proof.crls)
    ready = external.prepare(blank_pdf(), cert=cert, chain=[ca[1]], field="sig_MTTQ",
                             stamp=_stamp(), box=BOXES[1], page=0, proof=trusted)  # fmt: skip
    der = key.sign(ready.signed_attrs, padding.PKCS1v15(), hashes.SHA256())
    signed = external.finish(ready, cert=cert, chain=[ca[1]], signature=der, proof=trusted)
    sig = PdfFileReader(BytesIO(signed)).embedded_regular_signatures[0]
    status = validate_pdf_signature(
        sig, signing.Proof(proof.timestamper, [ca[1], store.ca_cert()]).context()
    )
    assert status.intact and status.valid and status.trusted


def test_external__a_signature_by_another_key_is_refused(
    store: pki.KeyStore, proof: signing.Proof, browser_key: Any
) -> None:
    _key, cert = browser_key
    ready = external.prepare(blank_pdf(), cert=cert, chain=[store.ca_cert()], field="sig_X",
                             stamp=_stamp(), box=BOXES[2], page=0, proof=proof)  # fmt: skip
    stranger = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(signing.SigningFailed, match="not made with this certificate's key"):
        forged = _browser_like(stranger, ready.signed_attrs)
        external.finish(ready, cert=cert, chain=[store.ca_cert()], signature=forged, proof=proof)
    with pytest.raises(signing.SigningFailed, match="not made with this certificate's key"):
        external.finish(ready, cert=cert, chain=[store.ca_cert()], signature=b"\x00" * 64)

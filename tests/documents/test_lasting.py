"""Lasting signatures (PAdES B-LT): timestamp, CRL in every certificate, DSS, offline checks."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from flask import Flask
from flask.testing import FlaskClient
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from sqlmodel import Session

from tests.conftest import present
from tests.documents.helpers import BOXES, blank_pdf, foreign_ca, issued_by, pdfsig
from wflow.documents import pki, signing
from wflow.signatures import keys


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _offline_status(pdf: bytes, ca: x509.Certificate, crls: list[bytes], at_timestamp: bool) -> Any:
    """Validate the last signature with the file's DSS and the CRLs given, fetching nothing."""
    reader = PdfFileReader(BytesIO(pdf))
    sig = reader.embedded_regular_signatures[-1]
    dss = DocumentSecurityStore.read_dss(reader)
    kwargs: dict[str, Any] = {"trust_roots": [_asn1(ca)], "allow_fetching": False,
                              "revocation_mode": "hard-fail", "crls": crls}  # fmt: skip
    status = validate_pdf_signature(sig, dss.as_validation_context(kwargs))
    if at_timestamp:
        stamp = present(status.timestamp_validity, "the signature's timestamp")
        kwargs.update(moment=stamp.timestamp, retroactive_revinfo=True)
        status = validate_pdf_signature(sig, dss.as_validation_context(kwargs))
    return status


def test_lasting__certificates_name_the_crl_and_the_tsa_is_certified_for_timestamps(
    app: Flask, session: Session, store: pki.KeyStore, trio: dict[str, Any]
) -> None:
    row = keys.usable_certificate(session, trio["units"][0].id)
    assert row is not None
    cert = x509.load_pem_x509_certificate(row.cert_pem.encode())
    points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert points[0].full_name[0].value == "http://localhost:5000/pki/crl.der"
    with app.app_context():
        keys.signature_proof(session, store)
    tsa = x509.load_pem_x509_certificate(store.tsa_cert_path.read_bytes())
    eku = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert tsa.issuer == store.ca_cert().subject
    assert oct(store.tsa_key_path.stat().st_mode & 0o777) == "0o600"
    assert b"ENCRYPTED" in store.tsa_key_path.read_bytes()


def test_lasting__every_signature_has_a_timestamp_and_the_dss_its_crl(
    app: Flask, session: Session, store: pki.KeyStore, signed: list[bytes]
) -> None:
    reader = PdfFileReader(BytesIO(signed[-1]))
    sigs = reader.embedded_regular_signatures
    assert len(sigs) == 3
    for sig in sigs:
        attrs = [a["type"].native for a in sig.signer_info["unsigned_attrs"]]
        assert "signature_time_stamp_token" in attrs
    dss = DocumentSecurityStore.read_dss(reader)
    ca_crl = store.crl_path.read_bytes()
    crls = [ref.get_object().data for ref in dss.crls]
    assert crls and all(c == ca_crl for c in crls)
    certs = {c.subject.native["common_name"] for c in dss.load_certs()}
    assert {pki.CA_NAME, pki.TSA_NAME} <= certs
    with app.app_context():
        reports = keys.verify_document(session, signed[-1], store=store)
    assert all(r.ok and r.check.timestamp and r.check.long_term for r in reports)
    assert [r.check.modified_after for r in reports] == [False, False, False]


def test_lasting__a_revocation_after_the_timestamp_leaves_the_signature_valid_offline(
    app: Flask, session: Session, store: pki.KeyStore, trio: dict[str, Any], signed: list[bytes]
) -> None:
    ca = store.ca_cert()
    status = _offline_status(signed[-1], ca, [], at_timestamp=False)  # the DSS alone
    assert status.bottom_line and status.timestamp_validity.trusted
    row = keys.usable_certificate(session, trio["units"][2].id)
    assert row is not None
    before = store.crl_path.read_bytes()
    time.sleep(1.1)  # a CRL counts whole seconds: revoke after the timestamp's
    with app.app_context():
        keys.revoke_certificate(session, row, "khóa bị lộ")
    after = store.crl_path.read_bytes()
    assert after != before  # republished on revocation
    listed = x509.load_der_x509_crl(after)
    assert listed.get_revoked_certificate_by_serial_number(int(row.serial, 16)) is not None
    now = _offline_status(signed[-1], ca, [after], at_timestamp=False)
    assert now.revoked and not now.bottom_line  # today, the certificate is revoked
    then = _offline_status(signed[-1], ca, [after], at_timestamp=True)
    assert then.bottom_line and not then.revoked  # at the timestamp it was good


def test_lasting__pdfsig_still_reports_every_signature_valid_and_trusted(
    signed: list[bytes], store: pki.KeyStore, tmp_path: Path
) -> None:
    path = tmp_path / "pact.pdf"
    path.write_bytes(signed[-1])
    output = pdfsig(path, store.ca_cert_path, tmp_path / "nss")
    assert output.count("Signature Validation: Signature is Valid.") == 3, output
    assert output.count("Certificate Validation: Certificate is Trusted.") == 3, output


def test_lasting__the_crl_and_the_ca_are_published(
    app: Flask, client: FlaskClient, session: Session, store: pki.KeyStore, trio: dict[str, Any]
) -> None:
    answer = client.get("/pki/crl.der")
    assert answer.status_code == 200 and answer.mimetype == "application/pkix-crl"
    crl = x509.load_der_x509_crl(answer.data)
    ca_key = store.ca_cert().public_key()
    assert isinstance(ca_key, rsa.RSAPublicKey)  # the CA's key is RSA
    assert crl.is_signature_valid(ca_key)
    ca = client.get("/pki/ca.pem")
    assert x509.load_pem_x509_certificate(ca.data) == store.ca_cert()


def test_lasting__a_signature_under_an_unknown_root_is_refused_when_signing(
    app: Flask, session: Session, store: pki.KeyStore, trio: dict[str, Any]
) -> None:
    key, cert = issued_by(foreign_ca(), "Kẻ lạ")
    with app.app_context():
        proof = keys.signature_proof(session, store)
    stamp = signing.Stamp("Kẻ lạ", "Kẻ lạ", datetime.now(UTC))
    with pytest.raises(signing.SigningFailed, match="not trusted"):
        signing.sign_pdf(blank_pdf(), key=key, cert=cert, chain=[], field="x", box=BOXES[0],
                         page=0, stamp=stamp, proof=proof)  # fmt: skip


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_lasting__the_held_keys_sign_and_timestamp_without_being_parsed_again(
    app: Flask,
    session: Session,
    store: pki.KeyStore,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    """The signer's and the TSA's keys are parsed (and RSA-checked) once, when decrypted:
    pyHanko's own signers would parse them again for every signature and every token."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from pyhanko.sign.signers import pdf_cms
    from pyhanko.sign.timestamps import dummy_client

    key: Any = (
        rsa.generate_private_key(65537, 2048)
        if kind == "rsa"
        else ec.generate_private_key(ec.SECP256R1())
    )
    cert = pki.issue_certificate(store.ensure_ca(), store.ca_key(), key.public_key(),
                                 name="Tỉnh Đoàn Hà Tĩnh", code="TDOAN", now=datetime.now(UTC),
                                 holder=pki.Holder("Nguyễn Văn An", "Bí thư"))  # fmt: skip
    with app.app_context():
        proof = keys.signature_proof(session, store)

    def parse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a held key was parsed again")

    for module in (pdf_cms, dummy_client):
        monkeypatch.setattr(module.serialization, "load_der_private_key", parse)
    stamp = signing.Stamp("Tỉnh Đoàn Hà Tĩnh", "Nguyễn Văn An", datetime.now(UTC))
    signed = signing.sign_pdf(blank_pdf(), key=key, cert=cert, chain=[store.ca_cert()],
                              field="sig_TDOAN", stamp=stamp, box=BOXES[0],
                              proof=proof)  # fmt: skip
    monkeypatch.undo()

    status = _offline_status(signed, store.ca_cert(), [], at_timestamp=False)
    assert status.intact and status.valid and status.trusted
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted

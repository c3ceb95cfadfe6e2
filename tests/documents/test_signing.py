"""Signing: three units sign one PDF in turn, incrementally; refusals sign nothing; pdfsig."""

from __future__ import annotations

import itertools
import unicodedata
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from flask import Flask
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields as sig_fields
from sqlmodel import Session, select

from tests.conftest import PASSWORD
from tests.documents.helpers import BOXES, blank_pdf, pdfsig
from wflow.core.errors import Forbidden, ServiceError, WrongPassword
from wflow.documents import pki, signing
from wflow.people import service as people
from wflow.signatures import keys
from wflow.signatures.models import UnitCertificate


def test_signing__three_units_sign_incrementally(signed: list[bytes], trio: dict[str, Any]) -> None:
    for before, after in itertools.pairwise(signed):
        assert after.startswith(before) and len(after) > len(before)  # an appended update
    fields = signing.signature_fields(signed[-1])
    assert fields == [(f"sig_{u.code}", True) for u in trio["units"]]


def test_signing__the_stamp_is_nfc_and_says_who_and_when() -> None:
    decomposed = unicodedata.normalize("NFD", "Tỉnh Đoàn Hà Tĩnh")
    stamp = signing.Stamp(
        decomposed, unicodedata.normalize("NFD", "Trần Thị Hồng"), datetime(2026, 3, 1, 2, 30)
    )
    lines = stamp.lines()
    assert lines == ["Đã ký số", "Tỉnh Đoàn Hà Tĩnh", "Trần Thị Hồng", "01/03/2026 09:30 (GMT+7)"]
    assert all(unicodedata.is_normalized("NFC", line) for line in lines)


def test_signing__the_stamp_is_visible_with_an_embedded_font(signed: list[bytes]) -> None:
    reader = PdfFileReader(BytesIO(signed[1]))
    (_name, _value, ref), *_ = sig_fields.enumerate_sig_fields(reader)
    widget = ref.get_object()
    assert [int(v) for v in widget["/Rect"]] == list(BOXES[0])
    appearance = widget["/AP"]["/N"]
    font = next(iter(appearance["/Resources"]["/Font"].values())).get_object()
    descendant = font["/DescendantFonts"][0].get_object()
    assert "LiberationSerif" in str(font["/BaseFont"])
    assert "/FontFile2" in descendant["/FontDescriptor"]  # embedded: readable offline
    assert "/ActualText" in appearance.data.decode("latin-1")


def test_signing__wrong_password_signs_nothing(
    app: Flask, session: Session, store: pki.KeyStore, trio: dict[str, Any]
) -> None:
    head, unit = trio["heads"][0], trio["units"][0]
    pdf = blank_pdf()
    with app.app_context(), pytest.raises(WrongPassword) as refused:
        keys.sign_as_unit(session, head, "not my password", pdf, "sig_x", BOXES[0], store=store)
    assert refused.value.field == "password"
    assert signing.signature_fields(pdf) == []
    assert keys.usable_certificate(session, unit.id) is not None  # nothing else changed


@pytest.mark.parametrize("who", ["staff", "other head"])
def test_signing__only_the_units_head_signs_for_it(
    app: Flask, session: Session, store: pki.KeyStore, trio: dict[str, Any], who: str
) -> None:
    unit = trio["units"][0]
    signer = trio["staff"] if who == "staff" else trio["heads"][1]
    with app.app_context(), pytest.raises(Forbidden):
        keys.sign_as_unit(
            session, signer, PASSWORD, blank_pdf(), "sig_x", BOXES[0], unit=unit, store=store
        )


def test_signing__a_first_signature_issues_the_signer_a_certificate_naming_them(
    app: Flask, session: Session, store: pki.KeyStore, trio: dict[str, Any]
) -> None:
    unit, head = trio["units"][0], trio["heads"][0]
    with app.app_context():
        person = people.create_person(session, user=head, unit_id=unit.id, full_name="Lê Văn Tâm",
                                      position="Chủ tịch", sex="male", birth_year=1970)  # fmt: skip
        people.update_person(session, user=head, person=person, full_name=person.full_name,
                             position=person.position, sex="male", birth_year=1970,
                             staff_number=None, active=True, account_id=head.id)  # fmt: skip
        keys.sign_as_unit(session, head, PASSWORD, blank_pdf(), "s", BOXES[0], store=store)
    held = session.exec(select(UnitCertificate).where(UnitCertificate.holder_user_id == head.id))
    cert = x509.load_pem_x509_certificate(held.one().cert_pem.encode())
    names = {a.oid: a.value for a in cert.subject}
    assert names[NameOID.COMMON_NAME] == "Lê Văn Tâm"  # the person, not the unit
    assert names[NameOID.TITLE] == "Chủ tịch"
    assert names[NameOID.ORGANIZATION_NAME] == unit.name
    assert names[NameOID.ORGANIZATIONAL_UNIT_NAME] == unit.code


def test_signing__a_signer_whose_certificate_is_revoked_cannot_sign(
    app: Flask, session: Session, store: pki.KeyStore, trio: dict[str, Any]
) -> None:
    head = trio["heads"][0]
    with app.app_context():
        keys.sign_as_unit(session, head, PASSWORD, blank_pdf(), "s", BOXES[0], store=store)
        cert = session.exec(
            select(UnitCertificate).where(UnitCertificate.holder_user_id == head.id)
        ).one()
        keys.revoke_certificate(session, cert, "compromised")
        with pytest.raises(ServiceError):
            keys.sign_as_unit(session, head, PASSWORD, blank_pdf(), "s", BOXES[0], store=store)
    held = select(UnitCertificate).where(UnitCertificate.holder_user_id == head.id)
    assert len(session.exec(held).all()) == 1  # no new one issued unasked


def test_signing__a_signed_field_cannot_be_signed_again(
    app: Flask, session: Session, store: pki.KeyStore, trio: dict[str, Any], signed: list[bytes]
) -> None:
    unit, head = trio["units"][0], trio["heads"][0]
    with app.app_context(), pytest.raises(ServiceError):
        keys.sign_as_unit(
            session, head, PASSWORD, signed[-1], f"sig_{unit.code}", None, store=store
        )


def test_signing__not_a_pdf_is_refused(
    app: Flask, session: Session, store: pki.KeyStore, trio: dict[str, Any]
) -> None:
    with app.app_context(), pytest.raises(ServiceError):
        keys.sign_as_unit(session, trio["heads"][0], PASSWORD, b"hello", "s", BOXES[0], store=store)


def test_signing__pdfsig_reports_every_signature_valid_and_trusted(
    signed: list[bytes], store: pki.KeyStore, tmp_path: Path
) -> None:
    path = tmp_path / "pact.pdf"
    path.write_bytes(signed[-1])
    output = pdfsig(path, store.ca_cert_path, tmp_path / "nss")
    assert output.count("Signature Validation: Signature is Valid.") == 3, output
    assert output.count("Certificate Validation: Certificate is Trusted.") == 3, output
    assert "Tỉnh Đoàn Hà Tĩnh" in output


def test_signing__pdfsig_sees_a_changed_byte(
    signed: list[bytes], store: pki.KeyStore, tmp_path: Path
) -> None:
    data = bytearray(signed[-1])
    at = data.index(b"WeasyPrint")
    data[at] = ord("w")
    path = tmp_path / "changed.pdf"
    path.write_bytes(bytes(data))
    output = pdfsig(path, store.ca_cert_path, tmp_path / "nss")
    assert "Signature is Valid." not in output, output


def test_signing__a_key_that_does_not_match_its_certificate_signs_nothing(
    store: pki.KeyStore,
) -> None:
    """Keys decrypted for signing skip OpenSSL's RSA check: every signature is verified."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    from tests.documents.helpers import issued_by

    ca_cert = store.ensure_ca()
    ca = (store.ca_key(), ca_cert)
    _key, cert = issued_by(ca, "Trần Thị Bình")
    stranger = rsa.generate_private_key(65537, 2048)
    stamp = signing.Stamp("Tỉnh Đoàn Hà Tĩnh", "Trần Thị Bình", datetime(2026, 3, 1, 2, 30))
    with pytest.raises(signing.SigningFailed, match="does not match its certificate"):
        signing.sign_pdf(blank_pdf(), key=stranger, cert=cert, chain=[ca[1]], field="sig_x",
                         stamp=stamp, box=BOXES[0])  # fmt: skip

"""Verification: intact, trusted, modified after signing, registry; hostile files refused."""

from __future__ import annotations

import random
import time
import zlib
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlmodel import Session

from tests.documents.helpers import BOXES, append_unsigned_update, blank_pdf, self_signed
from wflow.core.errors import ServiceError
from wflow.documents import pki, signing, verify
from wflow.signatures import keys, trust


def _verify(app: Flask, session: Session, data: bytes, store: pki.KeyStore) -> list[Any]:
    with app.app_context():
        return keys.verify_document(session, data, store=store)


def test_verify__three_signatures_are_intact_trusted_and_registered(
    app: Flask, session: Session, store: pki.KeyStore, trio: dict[str, Any], signed: list[bytes]
) -> None:
    reports = _verify(app, session, signed[-1], store)
    assert len(reports) == 3
    for report, unit, head in zip(reports, trio["units"], trio["heads"], strict=True):
        c = report.check
        assert (c.intact, c.valid, report.trusted, c.modified_after) == (True, True, True, False)
        assert report.in_registry and report.unit.id == unit.id and not report.revoked
        assert c.signer_name == head.display_name and c.subject == head.display_name
        assert report.registered.holder_user_id == head.id  # the person's own certificate
        assert c.field == f"sig_{unit.code}" and c.signed_at is not None
        assert report.ok
    assert [r.check.whole_file for r in reports] == [False, False, True]
    earlier = _verify(app, session, signed[1], store)
    assert len(earlier) == 1 and earlier[0].ok  # each version verifies on its own


def test_verify__a_changed_byte_breaks_integrity(
    app: Flask, session: Session, store: pki.KeyStore, trio: dict[str, Any], signed: list[bytes]
) -> None:
    data = bytearray(signed[-1])
    at = data.index(b"WeasyPrint")  # the producer string of the first revision
    data[at] = ord("w")
    reports = _verify(app, session, bytes(data), store)
    assert len(reports) == 3
    assert not any(r.check.intact for r in reports)
    assert not any(r.ok for r in reports)


def test_verify__an_unsigned_update_is_modified_after_signing(
    app: Flask, session: Session, store: pki.KeyStore, trio: dict[str, Any], signed: list[bytes]
) -> None:
    reports = _verify(app, session, append_unsigned_update(signed[-1]), store)
    assert [r.check.intact for r in reports] == [True, True, True]
    assert [r.check.modified_after for r in reports] == [True, True, True]
    assert not any(r.ok for r in reports)
    # an update between two signatures marks only the earlier one
    middle = append_unsigned_update(signed[1])
    with app.app_context():
        unit, head = trio["units"][1], trio["heads"][1]
        from tests.conftest import PASSWORD

        resigned = keys.sign_as_unit(
            session, head, PASSWORD, middle, "late", BOXES[1], unit=unit, page=0, store=store
        )
    flags = [r.check.modified_after for r in _verify(app, session, resigned, store)]
    assert flags == [True, False]


def test_verify__a_certificate_revoked_after_the_timestamp_leaves_the_signature_trusted(
    app: Flask, session: Session, store: pki.KeyStore, trio: dict[str, Any], signed: list[bytes]
) -> None:
    cert = keys.usable_certificate(session, trio["units"][1].id)
    assert cert is not None
    time.sleep(1.1)  # a CRL counts whole seconds: revoke after the timestamp's
    with app.app_context():
        keys.revoke_certificate(session, cert, "key lost")
    reports = _verify(app, session, signed[-1], store)
    assert [r.trusted for r in reports] == [True, True, True]
    assert reports[1].revoked and not reports[1].revoked_before and reports[1].ok


def test_verify__a_revoked_certificate_without_a_timestamp_is_not_trusted(
    app: Flask, session: Session, store: pki.KeyStore, trio: dict[str, Any]
) -> None:
    unit = trio["units"][1]
    row = keys.usable_certificate(session, unit.id)
    assert row is not None
    with app.app_context():
        key, cert, chain = keys.signing_identity(session, unit, store=store)
        keys.revoke_certificate(session, row, "key lost")
    bare = signing.sign_pdf(blank_pdf(), key=key, cert=cert, chain=chain, field="bare",
                            box=BOXES[0], page=0, stamp=signing.Stamp(unit.name, "Ai đó",
                            datetime.now(UTC)))  # fmt: skip
    (report,) = _verify(app, session, bare, store)
    assert report.check.timestamp is None and report.revoked_before
    assert not report.trusted and not report.check.trusted and not report.ok


def test_verify__a_foreign_self_signed_certificate_is_neither_trusted_nor_registered(
    app: Flask, session: Session, store: pki.KeyStore, trio: dict[str, Any], signed: list[bytes]
) -> None:
    key, cert = self_signed("Ủy ban giả mạo")
    forged = signing.sign_pdf(
        signed[-1],
        key=key,
        cert=cert,
        chain=[],
        field="forged",
        box=(50, 200, 220, 290),
        page=0,
        stamp=signing.Stamp("Ủy ban giả mạo", "Kẻ lạ", datetime.now(UTC)),
    )
    reports = _verify(app, session, forged, store)
    assert len(reports) == 4
    last = reports[-1]
    assert last.check.intact and not last.trusted and not last.in_registry and last.unit is None
    assert [r.ok for r in reports] == [True, True, True, False]


def test_verify__an_uploaded_certificate_under_an_added_root_is_trusted_and_registered(
    app: Flask, session: Session, store: pki.KeyStore, trio: dict[str, Any]
) -> None:
    from tests.conftest import PASSWORD
    from tests.documents.helpers import foreign_ca, issued_by, p12, pem

    unit, head = trio["units"][2], trio["heads"][2]
    ca = foreign_ca("Viettel-CA (thử nghiệm)")
    key, cert = issued_by(ca, "Chi nhánh Hà Tĩnh")
    with app.app_context():
        trust.add_root(session, "Viettel-CA", pem(ca[1]), store)
        keys.import_pkcs12(session, unit, p12(key, cert, "pw", [ca[1]]), "pw", store=store)
        data = keys.sign_as_unit(
            session, head, PASSWORD, blank_pdf(), "own", BOXES[2], unit=unit, page=0, store=store
        )
    (report,) = _verify(app, session, data, store)
    assert report.ok and report.check.fingerprint == pki.fingerprint(cert)
    assert report.check.timestamp is not None and report.check.long_term


def _bomb(inflated: int) -> bytes:
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(bytes(1 << 20)) for _ in range(inflated >> 20))
    body += packer.flush()
    return (
        b"%PDF-1.7\n1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n"
        b"2 0 obj\n<</Type/Pages/Kids[]/Count 0>>\nendobj\n"
        b"3 0 obj\n<</Length "
        + str(len(body)).encode()
        + b"/Filter/FlateDecode>>\nstream\n"
        + body
        + b"\nendstream\nendobj\ntrailer\n<</Root 1 0 R>>\n%%EOF\n"
    )


@pytest.mark.parametrize(
    ("data", "limits", "words"),
    [
        (b"GIF89a not a pdf", verify.Limits(), "not a PDF"),
        (b"", verify.Limits(), "not a PDF"),
        (b"%PDF-1.7\n" + b"x" * 2000, verify.Limits(max_bytes=1000), "larger than"),
        (_bomb(8 << 20), verify.Limits(max_inflated=4 << 20), "PDF bomb"),
        (b"%PDF-1.7\n" + b"1 0 obj\n<<>>\nendobj\n" * 50, verify.Limits(max_objects=20), "objects"),
        (b"%PDF-1.7\ngarbage without structure\n%%EOF", verify.Limits(), "cannot be read"),
    ],
    ids=["other format", "empty", "oversized", "bomb", "objects", "garbage"],
)
def test_verify__bad_files_are_refused_with_a_reason(
    data: bytes, limits: verify.Limits, words: str
) -> None:
    with pytest.raises(verify.BadDocument) as refused:
        verify.verify_pdf(data, [], limits)
    assert words in str(refused.value)
    assert "\n" not in str(refused.value)


def test_verify__a_real_bomb_is_refused_by_the_service(
    app: Flask, session: Session, store: pki.KeyStore
) -> None:
    with app.app_context(), pytest.raises(ServiceError) as refused:
        keys.verify_document(session, _bomb(130 << 20), store=store)
    with app.test_request_context():
        assert "PDF bomb" in str(refused.value.message)


def test_verify__a_pdf_with_too_many_pages_is_refused() -> None:
    import weasyprint

    many = weasyprint.HTML(string="<p style='break-after:page'>x</p>" * 6).write_pdf()
    with pytest.raises(verify.BadDocument, match="pages"):
        verify.verify_pdf(many, [], verify.Limits(max_pages=5))
    assert verify.verify_pdf(many, []) == []  # unsigned: nothing to report


def test_verify__mangled_signed_files_never_crash(signed: list[bytes]) -> None:
    rng = random.Random(5)
    source = signed[-1]
    for _ in range(25):
        data = bytearray(source)
        for _ in range(rng.randint(1, 40)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        cut = bytes(data[: rng.randrange(len(data) // 2, len(data) + 1)])
        try:
            checks = verify.verify_pdf(cut, [])
        except verify.BadDocument:
            continue
        assert all(isinstance(c.intact, bool) for c in checks)


def test_verify__cli_reports_and_fails_on_bad_signatures(
    runner: FlaskCliRunner, trio: dict[str, Any], signed: list[bytes], tmp_path: Any
) -> None:
    good = tmp_path / "good.pdf"
    good.write_bytes(signed[-1])
    result = runner.invoke(args=["verify", str(good)])
    assert result.exit_code == 0, result.output
    assert result.output.count("intact: yes  trusted: yes") == 3
    assert (
        "Tỉnh Đoàn Hà Tĩnh (TDOAN)" in result.output
        and "all 3 signatures verified" in result.output
    )

    changed = tmp_path / "changed.pdf"
    changed.write_bytes(append_unsigned_update(signed[-1]))
    result = runner.invoke(args=["verify", str(changed)])
    assert result.exit_code == 1 and "modified after signing: YES" in result.output

    not_pdf = tmp_path / "note.pdf"
    not_pdf.write_text("hello")
    result = runner.invoke(args=["verify", str(not_pdf)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == ["Error: The file was refused: not a PDF file."]

    unsigned = tmp_path / "unsigned.pdf"
    unsigned.write_bytes(blank_pdf())
    result = runner.invoke(args=["verify", str(unsigned)])
    assert result.exit_code == 1 and "no signature" in result.output

    runner.app.config["VERIFY_MAX_BYTES"] = 1024
    result = runner.invoke(args=["verify", str(good)])
    assert result.exit_code == 2 and "larger than" in result.output


def _damage_signature(pdf: bytes, which: int) -> bytes:
    """Overwrite the start of the `which`-th signature's CMS container (same length)."""
    data = bytearray(pdf)
    at = -1
    for _ in range(which + 1):
        at = data.index(b"/Contents <", at + 1)
    start = at + len(b"/Contents <")
    data[start : start + 64] = b"0" * 64
    return bytes(data)


def test_verify__a_damaged_signature_is_invalid_and_named_not_unreadable(
    app: Flask,
    session: Session,
    store: pki.KeyStore,
    trio: dict[str, Any],
    signed: list[bytes],
    runner: FlaskCliRunner,
    tmp_path: Any,
) -> None:
    damaged = _damage_signature(signed[-1], 1)
    reports = _verify(app, session, damaged, store)
    assert [r.check.field for r in reports] == [f"sig_{u.code}" for u in trio["units"]]
    first, broken, last = (r.check for r in reports)
    assert first.intact and first.valid  # signed before the damage, untouched by it
    assert not broken.valid and not broken.intact and broken.certificate is None
    assert "damaged" in broken.modification
    assert not last.intact  # it covers the damaged bytes
    assert not any(r.ok for r in reports[1:])
    path = tmp_path / "damaged.pdf"
    path.write_bytes(damaged)
    result = runner.invoke(args=["verify", str(path)])
    assert result.exit_code == 1, result.output
    assert f"sig_{trio['units'][1].code}" in result.output
    assert "cannot be read" not in result.output

"""Keys: the CA is made once, keys are encrypted at rest, PKCS#12 import, revocation, CLI."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from flask.testing import FlaskCliRunner
from flask_babel import force_locale
from sqlmodel import Session, col, select

from tests.conftest import present
from tests.documents.helpers import foreign_ca, issued_by, p12, pem, self_signed
from tests.load.cluster import run_together
from wflow.core.errors import Conflict, ServiceError
from wflow.councils import service as councils
from wflow.documents import pki
from wflow.signatures import keys, trust
from wflow.signatures.models import UnitCertificate


def _rows(session: Session) -> list[UnitCertificate]:
    session.expire_all()
    return list(session.exec(select(UnitCertificate).order_by(col(UnitCertificate.id))).all())


def _by_id(session: Session, ident: int | None) -> UnitCertificate:
    return next(r for r in _rows(session) if r.id == ident)


def test_pki__the_ca_is_created_once_with_an_encrypted_key(store: pki.KeyStore) -> None:
    first = store.ensure_ca()
    key_text = store.ca_key_path.read_text()
    again = store.ensure_ca()
    assert pki.fingerprint(first) == pki.fingerprint(again)
    assert store.ca_key_path.read_text() == key_text
    assert key_text.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert stat.S_IMODE(os.stat(store.ca_key_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(store.root / "keys" / "kek").st_mode) == 0o600
    with pytest.raises(TypeError):  # no password: refused
        serialization.load_pem_private_key(key_text.encode(), password=None)
    with pytest.raises(ValueError):
        serialization.load_pem_private_key(key_text.encode(), password=b"not the kek")
    usage = first.extensions.get_extension_for_class(x509.KeyUsage).value
    assert (
        usage.key_cert_sign
        and first.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    )


def test_pki__the_passphrase_from_the_environment_replaces_the_kek_file(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(pki.KEK_ENV, "a long passphrase from the vault")
    store = pki.KeyStore(app.instance_path)
    store.ensure_ca()
    assert not (store.root / "keys" / "kek").exists()
    pki.decrypt_key(store.ca_key_path.read_text(), b"a long passphrase from the vault")
    with pytest.raises(pki.PkiError):
        pki.KeyStore(app.instance_path, passphrase="another").ca_key()


def test_pki__every_unit_gets_one_encrypted_certificate(
    app: Flask, session: Session, store: pki.KeyStore, trio: dict[str, Any]
) -> None:
    rows = _rows(session)
    council = councils.default_council(session)  # the units' council, made with the first one
    units = [*trio["units"], council]
    assert sorted(r.unit_id for r in rows) == sorted(u.id for u in units)
    assert keys.ensure_unit_certificates(session, store=store) == []  # idempotent
    assert len(_rows(session)) == 4
    ca = store.ca_cert()
    by_id = {u.id: u for u in units}
    for row in rows:
        unit = by_id[row.unit_id]
        cert = x509.load_pem_x509_certificate(row.cert_pem.encode())
        cert.verify_directly_issued_by(ca)
        assert pki.common_name(cert) == unit.name
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        assert usage.digital_signature and usage.content_commitment
        assert row.fingerprint == pki.fingerprint(cert) and len(row.fingerprint) == 64
        assert row.source == "internal" and row.revoked_at is None
        assert row.encrypted_key_pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        assert "BEGIN PRIVATE KEY" not in row.encrypted_key_pem
        with pytest.raises(pki.PkiError):
            pki.decrypt_key(row.encrypted_key_pem, b"wrong secret")
        key = pki.decrypt_key(row.encrypted_key_pem, store.kek())
        public = cert.public_key()  # an internal key is RSA
        assert isinstance(key, rsa.RSAPrivateKey) and isinstance(public, rsa.RSAPublicKey)
        assert key.public_key().public_numbers() == public.public_numbers()


def test_pki__a_good_pkcs12_becomes_the_units_signing_certificate(
    app: Flask, session: Session, store: pki.KeyStore, trio: dict[str, Any]
) -> None:
    unit = trio["units"][1]
    ca = foreign_ca()
    key, cert = issued_by(ca, "Tỉnh Đoàn Hà Tĩnh (own)")
    data = p12(key, cert, "mật khẩu", [ca[1]])
    with app.app_context(), pytest.raises(ServiceError) as refused:  # its root is unknown
        keys.import_pkcs12(session, unit, data, "mật khẩu", store=store)
    with force_locale("en"):
        assert "trusted root" in str(refused.value.message)
    internal = present(keys.usable_certificate(session, unit.id), "the internal certificate")
    assert internal.source == "internal"
    with app.app_context():
        trust.add_root(session, "CA nước ngoài", pem(ca[1]), store)
        row = keys.import_pkcs12(session, unit, data, "mật khẩu", store=store)
    assert row.source == "uploaded" and row.fingerprint == pki.fingerprint(cert)
    assert row.encrypted_key_pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert present(keys.usable_certificate(session, unit.id), "a certificate").id == row.id
    _key, signing_cert, chain = keys.signing_identity(session, unit, store=store)
    assert pki.fingerprint(signing_cert) == row.fingerprint and chain == [ca[1]]
    with app.app_context(), pytest.raises(Conflict):  # the same certificate twice
        keys.import_pkcs12(session, unit, p12(key, cert, "x", [ca[1]]), "x", store=store)


@pytest.mark.parametrize(
    ("case", "field", "words"),
    [
        ("wrong password", "password", "password is wrong"),
        ("not pkcs12", "password", "not a PKCS#12"),
        ("expired", "file", "expired"),
        ("no signing usage", "file", "digital signatures"),
        ("empty", "file", "Choose"),
    ],
)
def test_pki__a_bad_pkcs12_is_refused_and_nothing_is_stored(
    app: Flask,
    session: Session,
    store: pki.KeyStore,
    trio: dict[str, Any],
    case: str,
    field: str,
    words: str,
) -> None:
    before = [(r.id, r.fingerprint) for r in _rows(session)]
    key, cert = self_signed()
    data, password = p12(key, cert, "right"), "right"
    if case == "wrong password":
        password = "wrong"
    elif case == "not pkcs12":
        data = b"%PDF-1.7 this is not a key store"
    elif case == "expired":
        key, cert = self_signed(start=datetime.now(UTC) - timedelta(days=400), days=30)
        data = p12(key, cert, "right")
    elif case == "no signing usage":
        key, cert = self_signed(signing_usage=False)
        data = p12(key, cert, "right")
    elif case == "empty":
        data = b""
    with app.app_context(), pytest.raises(ServiceError) as refused:
        keys.import_pkcs12(session, trio["units"][0], data, password, store=store)
    with app.test_request_context(), force_locale("en"):
        assert words in str(refused.value.message)
    assert refused.value.field == field
    session.rollback()
    assert [(r.id, r.fingerprint) for r in _rows(session)] == before


def test_pki__revocation_needs_a_reason_and_stops_signing(
    app: Flask, session: Session, store: pki.KeyStore, trio: dict[str, Any]
) -> None:
    unit = trio["units"][0]
    cert = keys.usable_certificate(session, unit.id)
    assert cert is not None
    with app.app_context(), pytest.raises(ServiceError):
        keys.revoke_certificate(session, cert, "   ")
    session.rollback()
    assert _by_id(session, cert.id).revoked_at is None
    with app.app_context():
        keys.revoke_certificate(session, cert, "Khóa bị lộ")
        assert keys.usable_certificate(session, unit.id) is None
        with pytest.raises(ServiceError):
            keys.signing_identity(session, unit, store=store)
        with pytest.raises(Conflict):
            keys.revoke_certificate(session, cert, "again")
    assert _by_id(session, cert.id).revoked_reason == "Khóa bị lộ"
    new = keys.ensure_unit_certificates(session, store=store)
    assert [c.unit_id for c in new] == [unit.id]


def test_pki__cli_init_list_revoke_import(
    runner: FlaskCliRunner, session: Session, trio: dict[str, Any], tmp_path: Any
) -> None:
    result = runner.invoke(args=["keys", "init"])
    assert result.exit_code == 0, result.output
    assert "certificates issued: 0" in result.output
    listed = runner.invoke(args=["keys", "list"])
    assert (
        listed.exit_code == 0 and listed.output.count("internal") == 4
    )  # the three units and their council
    first = keys.usable_certificate(session, trio["units"][0].id)
    assert first is not None
    assert pki.format_fingerprint(first.fingerprint) in listed.output

    refused = runner.invoke(args=["keys", "revoke", "MTTQ", "--reason", " "])
    assert refused.exit_code == 1 and "required" in refused.output
    assert _by_id(session, first.id).revoked_at is None
    unknown = runner.invoke(args=["keys", "revoke", "NOPE", "--reason", "lost"])
    assert unknown.exit_code == 1 and "no unit" in unknown.output
    done = runner.invoke(args=["keys", "revoke", "MTTQ", "--reason", "lost"])
    assert done.exit_code == 0, done.output
    assert _by_id(session, first.id).revoked_reason == "lost"

    ca = foreign_ca()
    key, cert = issued_by(ca, "Tỉnh Đoàn (own)")
    path = tmp_path / "own.p12"
    path.write_bytes(p12(key, cert, "pw", [ca[1]]))
    bad = runner.invoke(args=["keys", "import", "TDOAN", str(path)], input="nope\n")
    assert bad.exit_code == 1 and "password is wrong" in bad.output
    untrusted = runner.invoke(args=["keys", "import", "TDOAN", str(path)], input="pw\n")
    assert untrusted.exit_code == 1 and "trusted root" in untrusted.output
    assert len(_rows(session)) == 4
    root = tmp_path / "root.pem"
    root.write_bytes(pem(ca[1]))
    added = runner.invoke(args=["trust", "add", str(root), "--name", "CA nước ngoài"])
    assert added.exit_code == 0, added.output
    good = runner.invoke(args=["keys", "import", "TDOAN", str(path)], input="pw\n")
    assert good.exit_code == 0, good.output
    assert _rows(session)[-1].source == "uploaded"


def test_pki__init_creates_the_ca_and_certificates_for_the_demo(
    runner: FlaskCliRunner, session: Session, app: Flask
) -> None:
    result = runner.invoke(args=["init", "--demo"])
    assert result.exit_code == 0, result.output
    assert "keys ready" in result.output
    assert pki.KeyStore(app.instance_path).has_ca()
    from wflow.org.models import Unit

    units = session.exec(select(Unit)).all()
    assert {r.unit_id for r in _rows(session)} == {u.id for u in units}


def test_pki__a_unit_created_later_gets_its_certificate_on_first_use(
    app: Flask, session: Session, store: pki.KeyStore, trio: dict[str, Any], make_unit: Any
) -> None:
    late = make_unit("MOI", "Hội Khuyến học tỉnh")
    assert keys.usable_certificate(session, late.id) is None
    with app.app_context():
        _key, cert, chain = keys.signing_identity(session, late, store=store)
    assert "Hội Khuyến học tỉnh" in pki.common_name(cert)
    assert chain == [store.ca_cert()]
    assert keys.usable_certificate(session, late.id) is not None


def test_pki__signers_who_arrive_while_the_tsa_is_created_wait_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first signatures of an installation, at once: one process creates the time-stamping
    authority, the others wait for it rather than refuse (a slow disk writes it late)."""
    pki.KeyStore(tmp_path, passphrase="p").ensure_ca()
    write = pki._write_atomic

    def slow_disk(path: Path, data: bytes, mode: int = 0o644) -> None:
        time.sleep(0.5)
        write(path, data, mode)

    monkeypatch.setattr(pki, "_write_atomic", slow_disk)
    got: list[x509.Certificate] = []

    def sign_first() -> None:
        got.append(pki.KeyStore(tmp_path, passphrase="p").ensure_tsa(None).cert)

    refused = run_together([sign_first] * 3, timeout=60)
    assert refused == [] and len(got) == 3
    assert len({c.serial_number for c in got}) == 1  # one TSA, the winner's


@pytest.mark.parametrize("what", ["ca", "tsa"])
def test_pki__a_creation_that_died_half_way_is_done_again_by_the_next_signer(
    tmp_path: Path, what: str
) -> None:
    """A process killed after writing the key and before its certificate: the next one makes
    a whole pair, and keeps the lone key aside."""
    if what == "tsa":
        pki.KeyStore(tmp_path, passphrase="p").ensure_ca()
    dies = (
        "import os, sys\n"
        "from wflow.documents import pki\n"
        "write = pki._write_atomic\n"
        "def dying(path, data, mode=0o644):\n"
        "    if path.name.endswith('-cert.pem'):\n"
        "        os._exit(9)  # killed between the key and its certificate\n"
        "    write(path, data, mode)\n"
        "pki._write_atomic = dying\n"
        "store = pki.KeyStore(sys.argv[1], passphrase='p')\n"
        f"store.{'ensure_ca()' if what == 'ca' else 'ensure_tsa(None)'}\n"
    )
    killed = subprocess.run([sys.executable, "-c", dies, str(tmp_path)], check=False)
    store = pki.KeyStore(tmp_path, passphrase="p")
    key_path = store.ca_key_path if what == "ca" else store.tsa_key_path
    cert_path = store.ca_cert_path if what == "ca" else store.tsa_cert_path
    assert killed.returncode == 9 and key_path.exists() and not cert_path.exists()
    lone = key_path.read_bytes()
    if what == "ca":
        cert = store.ensure_ca()
        key = store.ca_key()
    else:
        bundle = store.ensure_tsa(None)
        cert, key = bundle.cert, bundle.key
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert cert.public_key().public_bytes(*spki) == key.public_key().public_bytes(*spki)  # a pair
    aside = list(key_path.parent.glob(f"{key_path.name}.unpaired-*"))
    assert [p.read_bytes() for p in aside] == [lone]

"""A SoftHSM2 token holding a signer's key, certified by a CA other than wflow's (one per process).

PKCS#11 libraries read their configuration once per process, so the token is made once and
shared; its key is imported from a known software key so that tests can look for it in what
was sent.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.dbs import IN_CI
from tests.documents.helpers import foreign_ca, issued_by

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "246810"
TOKEN_LABEL = "wflow-test"
KEY_LABEL = "Tran Thi Binh"


@dataclass(frozen=True)
class Token:
    """The token, the key on it (its software original), its certificate and the foreign CA."""

    module: str
    label: str
    pin: str
    key_label: str
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    ca: tuple[rsa.RSAPrivateKey, x509.Certificate]

    @property
    def pem(self) -> str:
        """Return the certificate then its CA's, in PEM."""
        return "".join(
            c.public_bytes(serialization.Encoding.PEM).decode() for c in (self.cert, self.ca[1])
        )


_MADE: list[Token] = []
_LOCK = threading.Lock()


def token() -> Token:
    """Return this process's token (made on first use); skip locally, fail in CI, without it."""
    if not Path(MODULE).exists() or not _which("softhsm2-util"):
        if IN_CI:
            pytest.fail("SoftHSM2 is missing: .ci/run installs softhsm2")
        pytest.skip("SoftHSM2 not installed (apt-get install softhsm2)")
    with _LOCK:
        if not _MADE:
            _MADE.append(_make())
    return _MADE[0]


def _which(name: str) -> bool:
    return any((Path(d) / name).exists() for d in os.environ.get("PATH", "").split(os.pathsep))


def _make() -> Token:
    root = Path(tempfile.mkdtemp(prefix="wflow-softhsm-"))
    (root / "tokens").mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    util = ["softhsm2-util"]
    subprocess.run(
        [
            *util,
            "--init-token",
            "--free",
            "--label",
            TOKEN_LABEL,
            "--pin",
            PIN,
            "--so-pin",
            "13579",
        ],
        check=True,
        capture_output=True,
    )
    key = ec.generate_private_key(ec.SECP256R1())
    key_file = root / "key.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    subprocess.run(
        [
            *util,
            "--import",
            str(key_file),
            "--token",
            TOKEN_LABEL,
            "--label",
            KEY_LABEL,
            "--id",
            "01",
            "--pin",
            PIN,
        ],
        check=True,
        capture_output=True,
    )
    key_file.unlink()
    ca = foreign_ca("VNPT-CA thử nghiệm")
    _key, cert = issued_by(ca, "Trần Thị Bình", key)
    _store_certificate(cert)
    return Token(MODULE, TOKEN_LABEL, PIN, KEY_LABEL, key, cert, ca)


def _store_certificate(cert: x509.Certificate) -> None:
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass

    lib: Any = pkcs11.lib(MODULE)
    with lib.get_token(token_label=TOKEN_LABEL).open(rw=True, user_pin=PIN) as session:
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: KEY_LABEL,
                Attribute.ID: b"\x01",
                Attribute.SUBJECT: cert.subject.public_bytes(),
                Attribute.ISSUER: cert.issuer.public_bytes(),
                Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
            }
        )


def secrets_of(key: ec.EllipticCurvePrivateKey) -> list[bytes]:
    """Return the forms a private key could travel in: its scalar (raw, hex, base64) and PEM."""
    import base64

    scalar = key.private_numbers().private_value.to_bytes(32)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return [scalar, scalar.hex().encode(), base64.b64encode(scalar), pem, b"PRIVATE KEY"]

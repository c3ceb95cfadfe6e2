"""Helpers for document tests: a PDF, signing units, PKCS#12 files, foreign certificates."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from tests.dbs import IN_CI
from wflow.documents.pki import PrivateKey

BOXES = [(50, 60, 220, 150), (225, 60, 395, 150), (400, 60, 570, 150)]
_PDF: list[bytes] = []


def blank_pdf() -> bytes:
    """Return a one-page Vietnamese A4 document made with WeasyPrint (built once)."""
    if not _PDF:
        import weasyprint

        html = (
            "<html lang='vi'><style>@page{size:A4}</style><h1>Giao ước thi đua năm 2026</h1>"
            "<p>Các đơn vị ký tên dưới đây cam kết thực hiện.</p></html>"
        )
        _PDF.append(weasyprint.HTML(string=html).write_pdf())
    return _PDF[0]


def self_signed(
    name: str = "Người lạ",
    *,
    days: int = 365,
    start: datetime | None = None,
    signing_usage: bool = True,
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """Return a key and a self-signed certificate (optionally expired or without signing)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    begin = start or datetime.now(UTC) - timedelta(days=1)
    usage = x509.KeyUsage(
        digital_signature=signing_usage,
        content_commitment=signing_usage,
        key_encipherment=not signing_usage,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(begin)
        .not_valid_after(begin + timedelta(days=days))
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def p12(
    key: rsa.RSAPrivateKey,
    cert: x509.Certificate,
    password: str,
    chain: list[x509.Certificate] | None = None,
) -> bytes:
    """Return a PKCS#12 file holding `key`, `cert` (and `chain`), encrypted with `password`."""
    return pkcs12.serialize_key_and_certificates(
        b"unit", key, cert, chain, serialization.BestAvailableEncryption(password.encode())
    )


def foreign_ca(
    name: str = "Cơ quan chứng thực nước ngoài",
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """Return the key and self-signed certificate of a certificate authority other than wflow's."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def issued_by(
    ca: tuple[PrivateKey, x509.Certificate], name: str, key: Any = None
) -> tuple[Any, x509.Certificate]:
    """Return a key (`key`, else a new RSA one) and a signing certificate for `name` issued by
    the CA `ca`."""
    ca_key, ca_cert = ca
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name, _validate=False)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(digital_signature=True, content_commitment=True), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def _usage(**flags: bool) -> x509.KeyUsage:
    names = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    )
    return x509.KeyUsage(**{n: flags.get(n, False) for n in names})


def pem(cert: x509.Certificate) -> bytes:
    """Return a certificate in PEM form."""
    return cert.public_bytes(serialization.Encoding.PEM)


def append_unsigned_update(pdf: bytes) -> bytes:
    """Return `pdf` with an unsigned incremental update (the catalogue's /Lang changed)."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def need_tool(name: str) -> str:
    """Return the path of a command-line tool; fail in CI, skip locally when it is missing."""
    path = shutil.which(name)
    if path is None:
        if IN_CI:
            pytest.fail(f"{name} is missing: .ci/run installs it")
        pytest.skip(f"{name} not installed")
    return path


def pdfsig(pdf: Path, ca_pem: Path, nss_dir: Path, *more_roots: Path) -> str:
    """Run poppler's pdfsig on `pdf` with an NSS database trusting `ca_pem` (and `more_roots`);
    return its output."""
    certutil, tool = need_tool("certutil"), need_tool("pdfsig")
    nss_dir.mkdir(parents=True, exist_ok=True)
    db = f"sql:{nss_dir}"
    subprocess.run([certutil, "-N", "-d", db, "--empty-password"], check=True)
    for i, root in enumerate((ca_pem, *more_roots)):
        subprocess.run([certutil, "-A", "-d", db, "-n", f"root-{i}", "-t", "CT,C,C", "-i",
                        str(root)], check=True)  # fmt: skip
    done = subprocess.run(
        [tool, "-nssdir", db, str(pdf)], capture_output=True, text=True, timeout=120
    )
    return done.stdout + done.stderr


def assert_lasting(pdf: bytes, ca_pem: Path, folder: Path, *more_roots: Path) -> None:
    """Assert that every signature of `pdf` is valid and trusted in poppler's pdfsig (trusting
    `ca_pem` and `more_roots`), carries a timestamp, and that the DSS holds revocation data."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    reader = PdfFileReader(BytesIO(pdf))
    signatures = reader.embedded_regular_signatures
    assert signatures, "no signature"
    for sig in signatures:
        attrs = [a["type"].native for a in sig.signer_info["unsigned_attrs"]]
        assert "signature_time_stamp_token" in attrs, f"{sig.field_name} has no timestamp"
    dss = DocumentSecurityStore.read_dss(reader)
    assert dss.crls, "no revocation data in the DSS"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "signed.pdf"
    path.write_bytes(pdf)
    output = pdfsig(path, ca_pem, folder / "nss", *more_roots)
    count = len(signatures)
    assert output.count("Signature Validation: Signature is Valid.") == count, output
    assert output.count("Certificate Validation: Certificate is Trusted.") == count, output

"""Keys and certificates: the instance's certificate authority, unit certificates, PKCS#12.

No database here. Private keys only ever leave this module encrypted (PKCS#8 / PEM with the
key-encryption secret, "KEK"): from WFLOW_KEY_PASSPHRASE, else the file instance/keys/kek.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey

# RFC 5280 bounds a common name at 64 characters; cryptography counts UTF-8 bytes and warns
# on every parse of a longer Vietnamese name (conformant: checked in characters below).
warnings.filterwarnings("ignore", message="Attribute's length must be", category=UserWarning)

KEK_ENV = "WFLOW_KEY_PASSPHRASE"
CA_NAME = "wflow internal certificate authority"
CA_DAYS = 20 * 365
UNIT_DAYS = 3 * 365
UNIT_KEY_BITS = 2048
CA_KEY_BITS = 3072
CN_MAX = 64  # RFC 5280 upper bound of a common name
TSA_NAME = "wflow time-stamping authority"
TSA_DAYS = 10 * 365
CRL_DAYS = 7  # a published CRL's validity (nextUpdate); renewed when a day is left
CRL_RENEW = timedelta(days=1)


_TSA_CACHE: dict[tuple[str, int, int], Bundle] = {}


class PkiError(ValueError):
    """A key or certificate that cannot be used; `reason` is a short code, the text English."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Bundle:
    """A private key with its certificate and the certificates of its issuers."""

    key: PrivateKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()


def naive_utc(moment: datetime) -> datetime:
    """Return `moment` as a naive UTC datetime (wflow's stored form)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def aware_utc(moment: datetime) -> datetime:
    """Return `moment` as an aware UTC datetime (naive values are taken as UTC)."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def fingerprint(cert: x509.Certificate) -> str:
    """Return the certificate's SHA-256 fingerprint in lower-case hexadecimal."""
    return cert.fingerprint(hashes.SHA256()).hex()


def format_fingerprint(hex_digest: str) -> str:
    """Return a fingerprint as colon-separated upper-case byte pairs."""
    return ":".join(hex_digest[i : i + 2] for i in range(0, len(hex_digest), 2)).upper()


def cert_to_pem(cert: x509.Certificate) -> str:
    """Return the certificate in PEM form."""
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def certs_from_pem(text: str) -> list[x509.Certificate]:
    """Return the certificates of a PEM text (empty text, empty list)."""
    return x509.load_pem_x509_certificates(text.encode("ascii")) if text.strip() else []


def common_name(cert: x509.Certificate) -> str:
    """Return the subject's common name (or the whole subject when it has none)."""
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


def encrypt_key(key: PrivateKey, kek: bytes) -> str:
    """Return the private key as encrypted PKCS#8 PEM."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(kek),
    ).decode("ascii")


def decrypt_key(pem: str, kek: bytes, *, checked: bool = True) -> PrivateKey:
    """Return the private key of encrypted PKCS#8 PEM (PkiError on a wrong secret).

    `checked=False` skips OpenSSL's RSA key check (about 50 ms): only for a key whose every
    signature is verified against its certificate once made (`signing.HeldKeySigner`).
    """
    try:
        key = serialization.load_pem_private_key(
            pem.encode("ascii"), password=kek, unsafe_skip_rsa_key_validation=not checked
        )
    except (ValueError, TypeError) as exc:
        raise PkiError("decrypt", "the key cannot be decrypted with this key secret") from exc
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise PkiError("key_type", "unsupported private key type")
    return key


def kek_opens(pem: str, kek: bytes) -> bool:
    """Tell whether `kek` decrypts an encrypted PKCS#8 key (RSA checks skipped: a quick test)."""
    try:
        serialization.load_pem_private_key(
            pem.encode("ascii"), password=kek, unsafe_skip_rsa_key_validation=True
        )
    except (ValueError, TypeError):
        return False
    return True


class KeyStore:
    """The instance's key folder: the key-encryption secret and the certificate authority."""

    def __init__(self, instance_path: str | Path, passphrase: str | None = None) -> None:
        self.root = Path(instance_path)
        self._passphrase = passphrase if passphrase is not None else os.environ.get(KEK_ENV)

    @property
    def ca_cert_path(self) -> Path:
        """Return the path of the CA certificate (PEM)."""
        return self.root / "ca" / "ca-cert.pem"

    @property
    def ca_key_path(self) -> Path:
        """Return the path of the CA private key (encrypted PEM)."""
        return self.root / "ca" / "ca-key.pem"

    @property
    def tsa_cert_path(self) -> Path:
        """Return the path of the built-in time-stamping authority's certificate (PEM)."""
        return self.root / "ca" / "tsa-cert.pem"

    @property
    def tsa_key_path(self) -> Path:
        """Return the path of the time-stamping authority's private key (encrypted PEM)."""
        return self.root / "ca" / "tsa-key.pem"

    @property
    def crl_path(self) -> Path:
        """Return the path of the CA's latest certificate revocation list (DER)."""
        return self.root / "ca" / "crl.der"

    def kek(self) -> bytes:
        """Return the key-encryption secret, creating instance/keys/kek (0600) on first use."""
        if self._passphrase:
            return self._passphrase.encode("utf-8")
        path = self.root / "keys" / "kek"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process created it meanwhile
                return path.read_bytes().strip()
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48) + "\n")
        return path.read_bytes().strip()

    def existing_kek(self) -> bytes | None:
        """Return the key-encryption secret if one is set or stored; never create one."""
        if self._passphrase:
            return self._passphrase.encode("utf-8")
        path = self.root / "keys" / "kek"
        return path.read_bytes().strip() if path.exists() else None

    def has_ca(self) -> bool:
        """Tell whether the certificate authority exists."""
        return self.ca_cert_path.exists() and self.ca_key_path.exists()

    def ensure_ca(self, now: datetime | None = None) -> x509.Certificate:
        """Return the CA certificate, creating the CA (key and certificate) once."""
        if self.has_ca():
            return self.ca_cert()
        with _creating(self.ca_key_path.parent):
            if self.has_ca():  # created by a concurrent run meanwhile
                return self.ca_cert()
            key = rsa.generate_private_key(public_exponent=65537, key_size=CA_KEY_BITS)
            cert = make_ca_certificate(key, now or datetime.now(UTC))
            _write_pair(self.ca_key_path, encrypt_key(key, self.kek()), self.ca_cert_path, cert)
            return cert

    def ca_cert(self) -> x509.Certificate:
        """Return the CA certificate (PkiError when there is no CA)."""
        if not self.ca_cert_path.exists():
            raise PkiError("no_ca", "there is no certificate authority yet: run `wflow keys init`")
        return x509.load_pem_x509_certificate(self.ca_cert_path.read_bytes())

    def ca_key(self) -> PrivateKey:
        """Return the CA private key, decrypted with the key-encryption secret."""
        if not self.ca_key_path.exists():
            raise PkiError("no_ca", "there is no certificate authority yet: run `wflow keys init`")
        return decrypt_key(self.ca_key_path.read_text(), self.kek())

    def ensure_tsa(self, crl_url: str | None, now: datetime | None = None) -> Bundle:
        """Return the built-in TSA's key, certificate and chain, issuing them once.

        The decrypted bundle is kept per process (keyed by the certificate file's identity):
        the TSA signs a token for every signature.
        """
        if not (self.tsa_cert_path.exists() and self.tsa_key_path.exists()):
            self._issue_tsa(crl_url, now or datetime.now(UTC))
        stat = self.tsa_cert_path.stat()
        cache_key = (str(self.tsa_cert_path), stat.st_mtime_ns, stat.st_ino)
        found = _TSA_CACHE.get(cache_key)
        if found is None:
            cert = x509.load_pem_x509_certificate(self.tsa_cert_path.read_bytes())
            key = decrypt_key(self.tsa_key_path.read_text(), self.kek())
            found = Bundle(key=key, cert=cert, chain=(self.ca_cert(),))
            _TSA_CACHE.clear()  # one instance per process in practice; tests make many
            _TSA_CACHE[cache_key] = found
        return found

    def _issue_tsa(self, crl_url: str | None, now: datetime) -> None:
        ca_cert, ca_key = self.ensure_ca(), self.ca_key()
        with _creating(self.tsa_key_path.parent):
            if self.tsa_cert_path.exists() and self.tsa_key_path.exists():  # a concurrent run's
                return
            key = rsa.generate_private_key(public_exponent=65537, key_size=UNIT_KEY_BITS)
            cert = issue_tsa_certificate(ca_cert, ca_key, key, now=now, crl_url=crl_url)
            _write_pair(self.tsa_key_path, encrypt_key(key, self.kek()), self.tsa_cert_path, cert)

    def stored_crl(self) -> x509.CertificateRevocationList | None:
        """Return the last CRL written, if any."""
        if not self.crl_path.exists():
            return None
        return x509.load_der_x509_crl(self.crl_path.read_bytes())

    def write_crl(self, crl: x509.CertificateRevocationList) -> None:
        """Publish `crl` (atomically replacing the previous one)."""
        self.crl_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        _write_atomic(self.crl_path, crl.public_bytes(serialization.Encoding.DER))


def crl_is_fresh(crl: x509.CertificateRevocationList | None, now: datetime) -> bool:
    """Tell whether a CRL may still be published at `now` (more than a day before its end)."""
    if crl is None or crl.next_update_utc is None:
        return False
    return aware_utc(now) + CRL_RENEW < crl.next_update_utc


def make_crl(
    ca_cert: x509.Certificate,
    ca_key: PrivateKey,
    revoked: Sequence[tuple[int, datetime]],
    now: datetime,
) -> x509.CertificateRevocationList:
    """Return the CA's CRL listing `revoked` (serial number, revocation time), valid a week."""
    now = aware_utc(now)
    ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now - timedelta(minutes=1))
        .next_update(now + timedelta(days=CRL_DAYS))
        .add_extension(x509.CRLNumber(int(now.timestamp() * 1000)), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
    )
    for serial, when in revoked:
        entry = x509.RevokedCertificateBuilder().serial_number(serial)
        builder = builder.add_revoked_certificate(entry.revocation_date(aware_utc(when)).build())
    return builder.sign(ca_key, hashes.SHA256())


@contextlib.contextmanager
def _creating(folder: Path) -> Iterator[None]:
    """Hold the folder's creation lock while a key and its certificate are written: one
    process (or thread) at a time creates them, the others wait and then find them. The
    system frees the lock of a process that dies, so its half-done work is found and
    replaced by the next one (`_write_pair`)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with (folder / ".creating").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)


def _write_pair(key_path: Path, key_pem: str, cert_path: Path, cert: x509.Certificate) -> None:
    """Write a new key and its certificate, under the folder's creation lock (`_creating`).

    One of the two found there without the other is what a process that died while creating
    them left (or what someone deleted half of): it is kept aside under a name of its own,
    never used again nor deleted.
    """
    for path in (key_path, cert_path):
        if path.exists():
            path.rename(path.with_name(f"{path.name}.unpaired-{secrets.token_hex(4)}"))
    _write_atomic(key_path, key_pem.encode("ascii"), 0o600)
    _write_atomic(cert_path, cert_to_pem(cert).encode("ascii"))


def _write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def make_ca_certificate(key: PrivateKey, now: datetime) -> x509.Certificate:
    """Return a self-signed CA certificate for `key`."""
    now = aware_utc(now)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "wflow"),
        ]
    )
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def new_unit_key() -> PrivateKey:
    """Return a fresh private key for a unit (RSA 2048)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=UNIT_KEY_BITS)


def issue_certificate(
    ca_cert: x509.Certificate,
    ca_key: PrivateKey,
    public_key: PublicKey,
    *,
    name: str,
    code: str,
    now: datetime,
    days: int = UNIT_DAYS,
    crl_url: str | None = None,
    holder: Holder | None = None,
) -> x509.Certificate:
    """Return a signing certificate (digital signature and non-repudiation) for `public_key`: CN
    the unit's name, or with a `holder` CN the person, their title, and the unit as O and OU."""
    subject = _person_subject(holder, name, code) if holder else _unit_subject(_cn(name), code)
    builder = _end_entity(ca_cert, public_key, subject, now, days, crl_url)
    return builder.sign(ca_key, hashes.SHA256())


@dataclass(frozen=True)
class Holder:
    """The person a certificate is issued to, and the title they sign with."""

    full_name: str
    title: str = ""


def _cn(name: str) -> str:
    return name if len(name) <= CN_MAX else name[: CN_MAX - 1] + "…"


def _person_subject(holder: Holder, unit_name: str, unit_code: str) -> x509.Name:
    # cryptography's own check counts UTF-8 bytes: it would refuse most Vietnamese names
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, _cn(holder.full_name), _validate=False)]
    if holder.title:
        attrs.append(x509.NameAttribute(NameOID.TITLE, holder.title[:CN_MAX], _validate=False))
    attrs += [
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit_code),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, _cn(unit_name), _validate=False),
    ]
    return x509.Name(attrs)


def issue_tsa_certificate(
    ca_cert: x509.Certificate,
    ca_key: PrivateKey,
    key: PrivateKey,
    *,
    now: datetime,
    crl_url: str | None = None,
) -> x509.Certificate:
    """Return the time-stamping authority's certificate (critical timeStamping EKU only)."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, TSA_NAME),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "wflow"),
        ]
    )
    builder = _end_entity(ca_cert, key.public_key(), subject, now, TSA_DAYS, crl_url).add_extension(
        x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
    )
    return builder.sign(ca_key, hashes.SHA256())


def _end_entity(
    ca_cert: x509.Certificate,
    public_key: PublicKey,
    subject: x509.Name,
    now: datetime,
    days: int,
    crl_url: str | None,
) -> x509.CertificateBuilder:
    """Return a builder for a signing certificate the CA issues, naming its CRL when known."""
    now = aware_utc(now)
    ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(min(now + timedelta(days=days), ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
    )
    if crl_url:
        point = x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    return builder


def _unit_subject(cn: str, code: str) -> x509.Name:
    return x509.Name(
        [
            # cryptography's own check counts UTF-8 bytes: it would refuse most Vietnamese names
            x509.NameAttribute(NameOID.COMMON_NAME, cn, _validate=False),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, code),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "wflow"),
        ]
    )


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


def load_pkcs12(data: bytes, password: str, now: datetime) -> Bundle:
    """Return the key, certificate and chain of a PKCS#12 file fit for signing, or PkiError."""
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password.encode("utf-8"))
    except (ValueError, TypeError) as exc:
        raise PkiError("password", "not a PKCS#12 file, or the password is wrong") from exc
    if key is None or cert is None:
        raise PkiError("incomplete", "the PKCS#12 file must hold a key and its certificate")
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise PkiError("key_type", "only RSA and EC keys are supported")
    if key.public_key().public_numbers() != cert.public_key().public_numbers():  # type: ignore[union-attr]
        raise PkiError("mismatch", "the private key does not belong to the certificate")
    check_signing_certificate(cert, now)
    return Bundle(key=key, cert=cert, chain=tuple(extra or ()))


def check_signing_certificate(cert: x509.Certificate, now: datetime) -> None:
    """Raise PkiError unless the certificate is valid now and allows digital signatures."""
    moment = naive_utc(now)
    if naive_utc(cert.not_valid_after_utc) <= moment:
        raise PkiError("expired", "the certificate has expired")
    if naive_utc(cert.not_valid_before_utc) > moment:
        raise PkiError("not_yet_valid", "the certificate is not valid yet")
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        raise PkiError("usage", "the certificate does not allow digital signatures") from None
    if not usage.digital_signature:
        raise PkiError("usage", "the certificate does not allow digital signatures")

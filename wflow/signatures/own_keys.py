"""Keys the signer holds: a browser's WebCrypto key, a token's key through the signing agent.

Enrolment registers the certificate only: a browser key gets one from the instance CA after it
signed the enrolment request (proof that the browser holds it); a token's certificate comes
from its own CA, whose root an administrator trusts. Signing is prepared here, signed on the
signer's side and finished here (`wflow.documents.external`); the private key never travels.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, delete, select

from wflow.clock import utcnow
from wflow.core import installation
from wflow.core.errors import Conflict, Forbidden, NotFound, ServiceError
from wflow.core.uow import transactional
from wflow.documents import external, pki, signing
from wflow.org import signers
from wflow.org.models import Unit, User
from wflow.signatures import keys
from wflow.signatures.models import CertificateSource, PendingSignature, UnitCertificate

log = logging.getLogger(__name__)

ENROL_PREFIX = b"wflow-enrol:"
PEM_MAX_CHARS = 64 * 1024  # a certificate and a few issuers
PENDING_MINUTES = 15  # a prepared signature waits this long for the signer's side
SIGNATURE_MAX_BYTES = 1024  # RSA 4096 is 512 bytes; ECDSA P-521 in DER 139


def new_nonce() -> str:
    """Return a fresh enrolment challenge (the page keeps it in the session)."""
    return secrets.token_urlsafe(24)


def enrol_message(nonce: str, spki: bytes) -> bytes:
    """Return what a browser signs to enrol its key: the challenge and the public key."""
    return ENROL_PREFIX + nonce.encode("ascii") + b":" + spki


def decode(text: str, field: str, limit: int = SIGNATURE_MAX_BYTES * 4) -> bytes:
    """Return base64 `text` as bytes, or a ServiceError naming `field`."""
    try:
        data = base64.b64decode(text.strip(), validate=True) if len(text) <= limit else b""
    except (binascii.Error, ValueError):
        data = b""
    if not data:
        raise ServiceError(_l("The signing request was damaged: reload the page and try again."),
                           field)  # fmt: skip
    return data


def _ensure_signs_for(session: Session, user: User, unit: Unit) -> None:
    if not signers.signs_for(session, user, unit.id):
        raise Forbidden(_l("Only the head of the unit, or the colleague they delegated signing "
                           "to, holds keys to sign for it."))  # fmt: skip


def _refuse_known(session: Session, cert: x509.Certificate) -> None:
    found = pki.fingerprint(cert)
    if session.exec(select(UnitCertificate.id).where(UnitCertificate.fingerprint == found)).first():
        raise Conflict(_l("This certificate is already registered."), "certificate")


@transactional
def enrol_browser_key(
    session: Session, unit: Unit, user: User, *, spki: bytes, proof: bytes, nonce: str
) -> UnitCertificate:
    """Certify a key made in the signer's browser (ECDSA P-256), which signed the challenge."""
    _ensure_signs_for(session, user, unit)
    if not nonce:
        raise ServiceError(_l("The page expired: reload it and try again."))
    try:
        public = serialization.load_der_public_key(spki)
    except ValueError:
        public = None
    if not isinstance(public, ec.EllipticCurvePublicKey) or public.curve.name != "secp256r1":
        raise ServiceError(_l("The browser's key must be an ECDSA P-256 key."), "spki")
    try:
        external.signature_der(public, enrol_message(nonce, spki), proof)
    except signing.SigningFailed:
        raise ServiceError(_l("The request was not signed by this key: reload the page and try "
                              "again."), "proof") from None  # fmt: skip
    holder = keys.holder_of(session, user)
    store = keys.key_store(session)
    try:
        cert = pki.issue_certificate(store.ensure_ca(), store.ca_key(), public, name=unit.name,
                                     code=unit.code, now=datetime.now(UTC),
                                     crl_url=keys.crl_url(session), holder=holder)  # fmt: skip
    except pki.PkiError as exc:
        raise keys.refused(exc) from None
    row = keys.certificate_row(unit, cert, [], CertificateSource.BROWSER,
                               holder=(user, holder.title))  # fmt: skip
    session.add(row)
    log.info("certified browser key %s of %s for unit %s", row.fingerprint, user.login, unit.code)
    return row


@transactional
def register_token_certificate(
    session: Session, unit: Unit, user: User, pem: str
) -> UnitCertificate:
    """Register the certificate of the signer's token (then its issuers), issued by a CA the
    instance trusts; the key stays on the token."""
    _ensure_signs_for(session, user, unit)
    if len(pem) > PEM_MAX_CHARS:
        raise ServiceError(_l("A certificate is never this large."), "certificate")
    try:
        found = pki.certs_from_pem(pem)
    except ValueError:
        found = []
    if not found:
        raise ServiceError(_l("Paste the certificate in PEM form (-----BEGIN CERTIFICATE-----)."),
                           "certificate")  # fmt: skip
    cert, chain = found[0], found[1:]
    try:
        pki.check_signing_certificate(cert, utcnow())
    except pki.PkiError as exc:
        raise keys.refused(exc, "certificate") from None
    _refuse_known(session, cert)
    if not keys.chains_to_trusted_root(cert, chain, keys.trust_roots(session)):
        raise ServiceError(
            _l("This certificate does not chain to a trusted root: an administrator must add "
               "its root certificate to the trust store first."), "certificate")  # fmt: skip
    holder = signers.person_of(session, user)[0]
    row = keys.certificate_row(unit, cert, chain, CertificateSource.TOKEN, holder=(user, holder))
    session.add(row)
    log.info("registered token certificate %s of %s for unit %s", row.fingerprint, user.login,
             unit.code)  # fmt: skip
    return row


def choices(session: Session, user: User, unit_id: int) -> list[UnitCertificate]:
    """Return the keys the user may sign for the unit with, held by them first, newest first."""
    now = utcnow()
    rows = [r for r in keys.unit_certificates(session, unit_id)
            if r.holder_user_id == user.id and r.usable_at(now)]  # fmt: skip
    return sorted(rows, key=lambda r: not r.held_by_signer)


def own_certificate(session: Session, user: User, unit: Unit, cert_id: int) -> UnitCertificate:
    """Return the user's usable certificate `cert_id` held on their side, else refuse."""
    row = session.get(UnitCertificate, cert_id)
    if row is None or row.unit_id != unit.id or row.holder_user_id != user.id:
        raise NotFound(_l("This key is not one of yours for this unit."))
    if not row.held_by_signer:
        raise ServiceError(_l("This key is kept by the server: sign with your password only."))
    if not row.usable_at(utcnow()):
        raise ServiceError(_l("Your certificate for this unit is revoked or expired: ask an "
                              "administrator."))  # fmt: skip
    return row


def _identity(
    session: Session, row: UnitCertificate
) -> tuple[x509.Certificate, list[x509.Certificate]]:
    cert = x509.load_pem_x509_certificate(row.cert_pem.encode("ascii"))
    chain = pki.certs_from_pem(row.chain_pem)
    if row.source == CertificateSource.BROWSER.value:
        chain = [keys.key_store(session).ca_cert()]
    return cert, chain


def prepare(
    session: Session,
    user: User,
    unit: Unit,
    row: UnitCertificate,
    pdf: bytes,
    *,
    subject: str,
    document_id: int,
    field: str,
    reason: str,
) -> PendingSignature:
    """Prepare `pdf` for the signer's key and keep it pending (flushed, not committed)."""
    sweep(session)
    cert, chain = _identity(session, row)
    capacity = signers.capacity_line(session, user)
    stamp = signing.Stamp(unit_name=unit.name, signer_name=user.display_name, when=utcnow(),
                          zone=installation.zone(session), capacity=capacity)  # fmt: skip
    if capacity:
        reason = f"{reason} — {capacity}"
    try:
        ready = external.prepare(pdf, cert=cert, chain=chain, field=field, stamp=stamp,
                                 reason=reason, proof=keys.signature_proof(session))  # fmt: skip
    except signing.SigningFailed as exc:
        raise ServiceError(_l("The document could not be signed: %(why)s", why=str(exc))) from None
    pending = PendingSignature(
        user_id=user.id or 0, certificate_id=row.id or 0, subject=subject,
        document_id=document_id, field=field, prepared=ready.pdf,
        reserved_start=ready.start, reserved_end=ready.end, digest=ready.digest,
        signed_attrs=ready.signed_attrs,
    )  # fmt: skip
    session.add(pending)
    session.flush()
    return pending


def pending_of(session: Session, user: User, pending_id: int, subject: str) -> PendingSignature:
    """Return the user's pending signature of `subject`, or refuse (gone, or someone else's)."""
    row = session.get(PendingSignature, pending_id)
    if row is None or row.user_id != user.id or row.subject != subject:
        raise NotFound(_l("This signature was not prepared for you: sign again."))
    if row.created_at < utcnow() - timedelta(minutes=PENDING_MINUTES):
        raise Conflict(_l("The signature waited too long: sign again."))
    return row


def finish(session: Session, pending: PendingSignature, signature: bytes) -> bytes:
    """Return the signed PDF: the signature checked against the certificate and embedded."""
    row = session.get(UnitCertificate, pending.certificate_id)
    if row is None or not row.usable_at(utcnow()):
        raise ServiceError(_l("Your certificate for this unit is revoked or expired: ask an "
                              "administrator."))  # fmt: skip
    cert, chain = _identity(session, row)
    ready = external.Prepared(
        pending.prepared, pending.field, pending.reserved_start, pending.reserved_end,
        pending.digest, pending.signed_attrs,
    )  # fmt: skip
    try:
        return external.finish(ready, cert=cert, chain=chain, signature=signature,
                               proof=keys.signature_proof(session))  # fmt: skip
    except signing.SigningFailed as exc:
        raise ServiceError(_l("The document could not be signed: %(why)s", why=str(exc)),
                           "signature") from None  # fmt: skip


def sweep(session: Session) -> None:
    """Forget prepared signatures older than an hour (their signer never came back)."""
    old = utcnow() - timedelta(hours=1)
    session.exec(delete(PendingSignature).where(col(PendingSignature.created_at) < old))

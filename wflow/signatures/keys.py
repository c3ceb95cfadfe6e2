"""Verbs on keys: the CA, unit certificates (issued, imported, revoked), signing, verifying."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import CertificateRevocationList as Crl
from flask_babel import lazy_gettext as _l
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError
from sqlmodel import Session, col, select

from wflow.accounts import service as auth
from wflow.clock import utcnow
from wflow.core import installation
from wflow.core.errors import Conflict, Forbidden, ServiceError
from wflow.core.uow import after_commit, transactional
from wflow.documents import pki, signing, verify
from wflow.org import signers
from wflow.org.models import Unit, User
from wflow.org.service import clean_text
from wflow.signatures import trust
from wflow.signatures.models import (
    HELD_BY_SIGNER,
    ISSUED_HERE,
    CertificateSource,
    UnitCertificate,
)

log = logging.getLogger(__name__)

PKCS12_MAX_BYTES = 256 * 1024  # a PKCS#12 file holds a key and a few certificates


def _refusals() -> dict[str, object]:
    return {
        "password": _l("This is not a PKCS#12 file, or the password is wrong."),
        "incomplete": _l("The PKCS#12 file must hold a private key and its certificate."),
        "key_type": _l("Only RSA and elliptic-curve keys are supported."),
        "mismatch": _l("The private key does not belong to the certificate."),
        "expired": _l("The certificate has expired."),
        "not_yet_valid": _l("The certificate is not valid yet."),
        "usage": _l("The certificate does not allow digital signatures."),
        "decrypt": _l("The unit's key cannot be decrypted: the key secret has changed."),
        "no_ca": _l("There is no certificate authority yet: run `wflow keys init`."),
    }


def refused(exc: pki.PkiError, field: str | None = None) -> ServiceError:
    """Return the refusal, in words, of a key or certificate that cannot be used."""
    return ServiceError(_refusals().get(exc.reason, str(exc)), field)


def key_store(session: Session) -> pki.KeyStore:
    """Return the key store of the session's installation."""
    return installation.of(session).keys


def ensure_ca(instance_path: str | Path) -> x509.Certificate:
    """Create the instance's certificate authority once; return its certificate."""
    return pki.KeyStore(instance_path).ensure_ca()


def crl_url(session: Session) -> str | None:
    """Return where the instance CA publishes its CRL (None outside an app)."""
    found = installation.maybe(session)
    return found.settings.crl_url if found is not None else None


def refresh_crl(session: Session, store: pki.KeyStore | None = None) -> Crl:
    """Sign and publish a new CRL of the instance CA listing its revoked unit certificates."""
    store = store or key_store(session)
    ca_cert = store.ensure_ca()
    issuer = ca_cert.subject.rfc4514_string()[:1000]
    query = select(UnitCertificate.serial, UnitCertificate.revoked_at).where(
        UnitCertificate.issuer == issuer, col(UnitCertificate.revoked_at).is_not(None)
    )
    revoked = [(int(serial, 16), when) for serial, when in session.exec(query).all() if when]
    try:
        crl = pki.make_crl(ca_cert, store.ca_key(), revoked, datetime.now(UTC))
    except pki.PkiError as exc:
        raise refused(exc) from None
    store.write_crl(crl)
    log.info("published a CRL of %d revoked certificate(s)", len(revoked))
    return crl


def current_crl(session: Session, store: pki.KeyStore | None = None) -> Crl:
    """Return the published CRL, renewing it when it is missing or near its end."""
    store = store or key_store(session)
    crl = store.stored_crl() if store.has_ca() else None
    if crl is not None and pki.crl_is_fresh(crl, datetime.now(UTC)):
        return crl
    return refresh_crl(session, store)


def signature_proof(session: Session, store: pki.KeyStore | None = None) -> signing.Proof:
    """Return what makes a signature last: the TSA (built-in or WFLOW_TSA_URL) and the CRLs.

    With an external TSA the server is online: pyHanko may then fetch the revocation data the
    certificates point to; otherwise everything embedded comes from this instance.
    """
    store = store or key_store(session)
    found = installation.maybe(session)
    tsa_url = found.settings.tsa_url if found is not None else None
    try:
        if tsa_url:
            stamper = signing.http_timestamper(tsa_url)
        else:
            stamper = signing.local_timestamper(store.ensure_tsa(crl_url(session)))
    except pki.PkiError as exc:
        raise refused(exc) from None
    return signing.Proof(timestamper=stamper, trust_roots=trust_roots(session, store),
                         crls=[current_crl(session, store)], fetch=bool(tsa_url))  # fmt: skip


def certificate_row(
    unit: Unit,
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate],
    source: CertificateSource,
    encrypted_key_pem: str = "",
    holder: tuple[User, str] | None = None,
) -> UnitCertificate:
    """Return the registry row of a certificate (its key encrypted, or "" if the signer's)."""
    return UnitCertificate(
        unit_id=unit.id or 0,
        holder_user_id=holder[0].id if holder else None,
        title=(holder[1] or None) if holder else None,
        serial=format(cert.serial_number, "x"),
        fingerprint=pki.fingerprint(cert),
        subject=cert.subject.rfc4514_string()[:1000],
        issuer=cert.issuer.rfc4514_string()[:1000],
        not_before=pki.naive_utc(cert.not_valid_before_utc),
        not_after=pki.naive_utc(cert.not_valid_after_utc),
        cert_pem=pki.cert_to_pem(cert),
        chain_pem="".join(pki.cert_to_pem(c) for c in chain),
        encrypted_key_pem=encrypted_key_pem,
        source=source.value,
    )


def _row(
    unit: Unit,
    bundle: pki.Bundle,
    source: CertificateSource,
    kek: bytes,
    holder: tuple[User, str] | None = None,
) -> UnitCertificate:
    return certificate_row(unit, bundle.cert, bundle.chain, source,
                           pki.encrypt_key(bundle.key, kek), holder)  # fmt: skip


@transactional
def issue_unit_certificate(
    session: Session, unit: Unit, *, store: pki.KeyStore | None = None
) -> UnitCertificate:
    """Issue the unit a new key and certificate from the internal CA."""
    store = store or key_store(session)
    try:
        ca_cert, ca_key = store.ensure_ca(), store.ca_key()
    except pki.PkiError as exc:
        raise refused(exc) from None
    key = pki.new_unit_key()
    now = datetime.now(UTC)
    cert = pki.issue_certificate(ca_cert, ca_key, key.public_key(), name=unit.name,
                                 code=unit.code, now=now, crl_url=crl_url(session))  # fmt: skip
    row = _row(unit, pki.Bundle(key, cert), CertificateSource.INTERNAL, store.kek())
    session.add(row)
    log.info("issued certificate %s to unit %s", row.fingerprint, unit.code)
    return row


def holder_of(session: Session, user: User) -> pki.Holder:
    """Return the person a certificate of `user` names: full name and title in the directory."""
    title, full_name = signers.person_of(session, user)
    return pki.Holder(full_name, title)


@transactional
def issue_person_certificate(
    session: Session, unit: Unit, user: User, *, store: pki.KeyStore | None = None
) -> UnitCertificate:
    """Issue a person a key and certificate to sign for the unit: CN their full name, their
    title (position in the unit's directory), O and OU the unit."""
    store = store or key_store(session)
    try:
        ca_cert, ca_key = store.ensure_ca(), store.ca_key()
    except pki.PkiError as exc:
        raise refused(exc) from None
    holder = holder_of(session, user)
    key = pki.new_unit_key()
    cert = pki.issue_certificate(ca_cert, ca_key, key.public_key(), name=unit.name, code=unit.code,
                                 now=datetime.now(UTC), crl_url=crl_url(session),
                                 holder=holder)  # fmt: skip
    row = _row(unit, pki.Bundle(key, cert), CertificateSource.INTERNAL, store.kek(),
               (user, holder.title))  # fmt: skip
    session.add(row)
    log.info("issued certificate %s to %s for unit %s", row.fingerprint, user.login, unit.code)
    return row


def usable_certificate(session: Session, unit_id: int) -> UnitCertificate | None:
    """Return the unit's newest certificate the server may sign with now (anyone's), if any."""
    now = utcnow()
    query = (
        select(UnitCertificate)
        .where(UnitCertificate.unit_id == unit_id, col(UnitCertificate.revoked_at).is_(None))
        .where(col(UnitCertificate.source).not_in(HELD_BY_SIGNER))
        .where(UnitCertificate.not_before <= now, UnitCertificate.not_after > now)
        .order_by(col(UnitCertificate.created_at).desc(), col(UnitCertificate.id).desc())
    )
    return session.exec(query).first()


def ensure_unit_certificates(
    session: Session, *, store: pki.KeyStore | None = None
) -> list[UnitCertificate]:
    """Issue a certificate to every unit without a usable one; return the new ones."""
    store = store or key_store(session)
    store.ensure_ca()
    issued = []
    for unit in session.exec(select(Unit).order_by(col(Unit.code))).all():
        if usable_certificate(session, unit.id or 0) is None:
            issued.append(issue_unit_certificate(session, unit, store=store))
    return issued


def unit_certificates(session: Session, unit_id: int) -> list[UnitCertificate]:
    """Return the unit's certificates, newest first."""
    query = (
        select(UnitCertificate)
        .where(UnitCertificate.unit_id == unit_id)
        .order_by(col(UnitCertificate.created_at).desc(), col(UnitCertificate.id).desc())
    )
    return list(session.exec(query).all())


@transactional
def import_pkcs12(
    session: Session,
    unit: Unit,
    data: bytes,
    password: str,
    *,
    store: pki.KeyStore | None = None,
    holder: User | None = None,
) -> UnitCertificate:
    """Store a key and certificate from a PKCS#12 file (checked, re-encrypted): the holder's
    own (the head who uploads it), else the unit's."""
    if not data:
        raise ServiceError(_l("Choose a PKCS#12 file (.p12 or .pfx)."), "file")
    if len(data) > PKCS12_MAX_BYTES:
        raise ServiceError(_l("A PKCS#12 file is never this large."), "file")
    try:
        bundle = pki.load_pkcs12(data, password or "", utcnow())
    except pki.PkiError as exc:
        raise refused(exc, "password" if exc.reason == "password" else "file") from None
    found = pki.fingerprint(bundle.cert)
    if session.exec(select(UnitCertificate.id).where(UnitCertificate.fingerprint == found)).first():
        raise Conflict(_l("This certificate is already registered."), "file")
    store = store or key_store(session)
    if not chains_to_trusted_root(bundle.cert, bundle.chain, trust_roots(session, store)):
        raise ServiceError(
            _l("This certificate does not chain to a trusted root: an administrator must add "
               "its root certificate to the trust store first."), "file")  # fmt: skip
    held = (holder, signers.person_of(session, holder)[0]) if holder else None
    row = _row(unit, bundle, CertificateSource.UPLOADED, store.kek(), held)
    session.add(row)
    log.info("imported certificate %s for unit %s", row.fingerprint, unit.code)
    return row


@transactional
def revoke_certificate(session: Session, cert: UnitCertificate, reason: str) -> UnitCertificate:
    """Revoke a unit certificate for a stated reason; it signs no more and is not trusted."""
    text = clean_text(reason, "reason", max_len=500)
    if cert.revoked_at is not None:
        raise Conflict(_l("This certificate is already revoked."))
    cert.revoked_at, cert.revoked_reason = utcnow(), text
    session.add(cert)
    log.info("revoked certificate %s: %s", cert.fingerprint, text)
    if cert.source in ISSUED_HERE:
        store = key_store(session)
        after_commit(session, lambda: refresh_crl(session, store))  # publish it once it holds
    return cert


def chains_to_trusted_root(
    cert: x509.Certificate, chain: Sequence[x509.Certificate], roots: Sequence[x509.Certificate]
) -> bool:
    """Tell whether the certificate chains, through `chain`, to one of `roots`."""

    def asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

    context = ValidationContext(trust_roots=[asn1(c) for c in roots], allow_fetching=False,
                                revocation_mode="soft-fail")  # fmt: skip
    validator = CertificateValidator(asn1(cert), [asn1(c) for c in chain],
                                     validation_context=context)  # fmt: skip
    try:
        asyncio.run(validator.async_validate_path())
    except (PathBuildingError, PathValidationError):
        return False
    return True


def _held_by(session: Session, unit: Unit, user: User, store: pki.KeyStore) -> UnitCertificate:
    """Return the certificate `user` signs for `unit` with: their own (one they uploaded
    first), else the unit's uploaded one; a first signer gets one from the internal CA."""
    now, uploaded = utcnow(), CertificateSource.UPLOADED.value
    rows = [r for r in unit_certificates(session, unit.id or 0) if not r.held_by_signer]
    own = [r for r in rows if r.holder_user_id == user.id]
    usable = [r for r in own if r.usable_at(now)] or [
        r for r in rows if r.holder_user_id is None and r.source == uploaded and r.usable_at(now)
    ]
    if usable:  # the person's own (an uploaded one first), else the unit's uploaded one
        return min(usable, key=lambda r: r.source != uploaded)
    if not own:
        return issue_person_certificate(session, unit, user, store=store)
    raise ServiceError(_l("Your certificate for this unit is revoked or expired: ask an "
                          "administrator."))  # fmt: skip


def signing_identity(
    session: Session, unit: Unit, *, user: User | None = None, store: pki.KeyStore | None = None
) -> tuple[pki.PrivateKey, x509.Certificate, list[x509.Certificate]]:
    """Return the key, certificate and issuer chain to sign for the unit with: the signing
    person's own (`_held_by`), else the unit's.

    A unit that never had a certificate (created after `wflow init`) gets one from the
    internal CA on first use; a revoked or expired one is replaced only by an administrator.
    """
    store = store or key_store(session)
    if user is not None:
        row: UnitCertificate | None = _held_by(session, unit, user, store)
    else:
        row = usable_certificate(session, unit.id or 0)
        if row is None and not unit_certificates(session, unit.id or 0):
            row = issue_unit_certificate(session, unit, store=store)
    if row is None:
        raise ServiceError(_l("This unit has no valid certificate: ask an administrator."))
    try:
        key = pki.decrypt_key(row.encrypted_key_pem, store.kek(), checked=False)  # see sign_pdf
        chain = pki.certs_from_pem(row.chain_pem)
        if row.source == CertificateSource.INTERNAL.value:
            chain = [store.ca_cert()]
    except pki.PkiError as exc:
        raise refused(exc) from None
    return key, x509.load_pem_x509_certificate(row.cert_pem.encode("ascii")), chain


def confirm_signer(
    session: Session,
    user: User,
    password: str,
    *,
    unit: Unit | None = None,
    code: str = "",
    address: str | None = None,
) -> Unit:
    """Return the unit the user signs for: its head (403 if not), who proves who they are.

    The password is re-entered (and the authenticator app's code when two-step sign-in is
    on); wrong answers count toward the sign-in waits of the user's login from `address`.
    """
    unit = unit or (session.get(Unit, user.unit_id) if user.unit_id else None)
    if unit is None or not signers.signs_for(session, user, unit.id):
        raise Forbidden(_l("Only the head of the unit, or the colleague they delegated signing "
                           "to, may sign for it."))  # fmt: skip
    auth.confirm_signer(session, user, password, code=code, address=address)
    return unit


def sign_for_unit(
    session: Session,
    user: User,
    unit: Unit,
    pdf: bytes,
    field: str,
    box: signing.Box | None,
    *,
    page: int = -1,
    reason: str | None = None,
    store: pki.KeyStore | None = None,
) -> bytes:
    """Sign `pdf` in `field` with the unit's key (its head confirmed by `confirm_signer`)."""
    key, cert, chain = signing_identity(session, unit, user=user, store=store)
    proof = signature_proof(session, store)
    capacity = signers.capacity_line(session, user)  # "" for the head; "KT. …" for a delegate
    stamp = signing.Stamp(unit_name=unit.name, signer_name=user.display_name, when=utcnow(),
                          zone=installation.zone(session), capacity=capacity)  # fmt: skip
    if capacity:
        reason = f"{reason} — {capacity}" if reason else capacity
    try:
        signed = signing.sign_pdf(
            pdf,
            key=key,
            cert=cert,
            chain=chain,
            field=field,
            stamp=stamp,
            box=box,
            page=page,
            reason=reason,
            proof=proof,
        )
    except signing.SigningFailed as exc:
        raise ServiceError(_l("The document could not be signed: %(why)s", why=str(exc))) from None
    log.info("unit %s signed field %s (user %s)", unit.code, field, user.login)
    return signed


def sign_as_unit(
    session: Session,
    user: User,
    password: str,
    pdf: bytes,
    field: str,
    box: signing.Box | None,
    *,
    unit: Unit | None = None,
    page: int = -1,
    reason: str | None = None,
    store: pki.KeyStore | None = None,
    code: str = "",
    address: str | None = None,
) -> bytes:
    """Sign `pdf` in `field` for the user's unit, after the user proves who they are."""
    unit = confirm_signer(session, user, password, unit=unit, code=code, address=address)
    return sign_for_unit(session, user, unit, pdf, field, box, page=page, reason=reason,
                         store=store)  # fmt: skip


# --- verification ------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureReport:
    """A signature as the verification page shows it: the checks plus the registry's view."""

    check: verify.SignatureCheck
    unit: Unit | None  # the registered unit of the certificate, if any
    registered: UnitCertificate | None

    @property
    def in_registry(self) -> bool:
        """Tell whether the signing certificate is a registered unit certificate."""
        return self.registered is not None

    @property
    def revoked(self) -> bool:
        """Tell whether the registered certificate has been revoked."""
        return self.registered is not None and self.registered.revoked_at is not None

    @property
    def revoked_before(self) -> bool:
        """Tell whether the certificate was revoked before the signature's trusted timestamp.

        Without a timestamp nothing proves the signature older than the revocation.
        """
        if self.registered is None or self.registered.revoked_at is None:
            return False
        stamped = self.check.timestamp
        return stamped is None or self.registered.revoked_at <= stamped

    @property
    def trusted(self) -> bool:
        """Tell whether the certificate chains to a trusted root and was not revoked first."""
        return self.check.trusted and not self.revoked_before

    @property
    def ok(self) -> bool:
        """Tell whether the signature is intact, trusted, registered and not modified since."""
        c = self.check
        return c.intact and c.valid and self.trusted and self.in_registry and not c.modified_after


def trust_roots(session: Session, store: pki.KeyStore | None = None) -> list[x509.Certificate]:
    """Return the trust store: the instance's CA and the roots administrators added."""
    return [root.certificate for root in trust.roots(session, store or key_store(session))]


def verify_document(
    session: Session,
    data: bytes,
    *,
    limits: verify.Limits | None = None,
    store: pki.KeyStore | None = None,
) -> list[SignatureReport]:
    """Return a report per signature of the PDF (ServiceError when the file is refused)."""
    store = store or key_store(session)
    crls = [current_crl(session, store)] if store.has_ca() else []
    try:
        checks = verify.verify_pdf(data, trust_roots(session, store), limits, crls)
    except verify.BadDocument as exc:
        raise ServiceError(_l("The file was refused: %(why)s.", why=str(exc)), "file") from None
    prints = [c.fingerprint for c in checks]
    rows = session.exec(
        select(UnitCertificate).where(col(UnitCertificate.fingerprint).in_(prints))
    ).all()
    by_print = {r.fingerprint: r for r in rows}
    units = {u.id: u for u in _units(session, {r.unit_id for r in rows})}
    reports = []
    for c in checks:
        row = by_print.get(c.fingerprint)
        reports.append(SignatureReport(c, units.get(row.unit_id) if row else None, row))
    return reports


def _units(session: Session, ids: Sequence[int] | set[int]) -> list[Unit]:
    if not ids:
        return []
    return list(session.exec(select(Unit).where(col(Unit.id).in_(list(ids)))).all())

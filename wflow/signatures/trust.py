"""The trust store: the instance's CA plus the roots administrators add (e.g. national CAs).

Signatures verify as trusted only under one of these roots. A removed root stays recorded
with who removed it, when and why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from cryptography import x509
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.clock import utcnow
from wflow.core.errors import Conflict, ServiceError
from wflow.core.uow import transactional
from wflow.documents import pki
from wflow.org.models import User
from wflow.org.service import clean_text
from wflow.signatures.models import TrustRoot

log = logging.getLogger(__name__)

PEM_MAX_BYTES = 64 * 1024  # a root certificate in PEM is a few kilobytes


@dataclass(frozen=True)
class Root:
    """One trusted root as pages list it: the instance's own CA has no row."""

    name: str
    certificate: x509.Certificate
    row: TrustRoot | None  # None: the instance's CA (never removed)


def active_roots(session: Session) -> list[TrustRoot]:
    """Return the roots administrators added and have not removed, by name."""
    query = select(TrustRoot).where(col(TrustRoot.removed_at).is_(None))
    return list(session.exec(query.order_by(col(TrustRoot.name), col(TrustRoot.id))).all())


def removed_roots(session: Session) -> list[TrustRoot]:
    """Return the removed roots, the latest removal first (the store's audit)."""
    query = select(TrustRoot).where(col(TrustRoot.removed_at).is_not(None))
    return list(session.exec(query.order_by(col(TrustRoot.removed_at).desc())).all())


def roots(session: Session, store: pki.KeyStore) -> list[Root]:
    """Return every trusted root: the instance's CA first (when it exists), then the added."""
    found = [Root(pki.CA_NAME, store.ca_cert(), None)] if store.has_ca() else []
    for row in active_roots(session):
        found.append(Root(row.name, x509.load_pem_x509_certificate(row.cert_pem.encode()), row))
    return found


def parse_root(text: str | bytes) -> x509.Certificate:
    """Return the one CA certificate of a PEM text (ServiceError saying what is wrong)."""
    if isinstance(text, bytes):
        if len(text) > PEM_MAX_BYTES:
            raise ServiceError(_l("A root certificate is never this large."), "file")
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError:
            raise ServiceError(_l("This is not a PEM certificate."), "file") from None
    try:
        certs = pki.certs_from_pem(text)
    except ValueError:
        raise ServiceError(_l("This is not a PEM certificate."), "file") from None
    if len(certs) != 1:
        raise ServiceError(_l("Give exactly one certificate in PEM form."), "file")
    cert = certs[0]
    try:
        ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        ca = False
    if not ca:
        raise ServiceError(_l("This certificate is not a certificate authority's."), "file")
    if pki.naive_utc(cert.not_valid_after_utc) <= utcnow():
        raise ServiceError(_l("The certificate has expired."), "file")
    return cert


@transactional
def add_root(
    session: Session, name: str, pem: str | bytes, store: pki.KeyStore, by: User | None = None
) -> TrustRoot:
    """Trust the root certificate `pem` under `name` (named by `by`, None: the command line)."""
    label = clean_text(name, "name", max_len=200)
    cert = parse_root(pem)
    found = pki.fingerprint(cert)
    if store.has_ca() and pki.fingerprint(store.ca_cert()) == found:
        raise Conflict(_l("This is the instance's own certificate authority."), "file")
    for row in active_roots(session):
        if row.fingerprint == found:
            raise Conflict(_l("This root is already trusted as “%(name)s”.", name=row.name), "file")
        if row.name.casefold() == label.casefold():
            raise Conflict(_l("Another trusted root has this name."), "name")
    row = TrustRoot(
        name=label,
        fingerprint=found,
        subject=cert.subject.rfc4514_string()[:1000],
        not_after=pki.naive_utc(cert.not_valid_after_utc),
        cert_pem=pki.cert_to_pem(cert),
        added_by_id=by.id if by is not None else None,
    )
    session.add(row)
    log.warning("trust store: root %r (%s) added by %s", label, found, _who(by))
    return row


@transactional
def remove_root(session: Session, row: TrustRoot, reason: str, by: User | None = None) -> TrustRoot:
    """Stop trusting a root, recording who (None: the command line), when and why."""
    text = clean_text(reason, "reason", max_len=500)
    if row.removed_at is not None:
        raise Conflict(_l("This root was already removed."))
    row.removed_at, row.removed_reason = utcnow(), text
    row.removed_by_id = by.id if by is not None else None
    session.add(row)
    log.warning("trust store: root %r (%s) removed by %s: %s", row.name, row.fingerprint,
                _who(by), text)  # fmt: skip
    return row


def find_active(session: Session, name: str) -> TrustRoot | None:
    """Return the active root called `name` (case-insensitive), if any."""
    wanted = name.strip().casefold()
    return next((r for r in active_roots(session) if r.name.casefold() == wanted), None)


def _who(by: User | None) -> str:
    return f"user {by.login}" if by is not None else "the command line"

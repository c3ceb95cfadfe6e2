"""Unit certificates: the keys units sign with (issued by the internal CA or uploaded).

Private keys are stored encrypted (PKCS#8 with the instance's key-encryption secret);
times are naive UTC.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from wflow.clock import utcnow


class CertificateSource(StrEnum):
    """Where a unit certificate comes from."""

    INTERNAL = "internal"  # issued by the instance's certificate authority
    UPLOADED = "uploaded"  # brought by the unit as a PKCS#12 file
    BROWSER = "browser"  # a key made in the signer's browser; the instance CA certified it
    TOKEN = "token"  # a key on the signer's token, certified by its CA; signs through the agent


HELD_BY_SIGNER = (CertificateSource.BROWSER.value, CertificateSource.TOKEN.value)
ISSUED_HERE = (CertificateSource.INTERNAL.value, CertificateSource.BROWSER.value)


class UnitCertificate(SQLModel, table=True):
    """A signing certificate of a unit, with its encrypted private key.

    A person's certificate names its holder (CN their full name, title their position, O/OU the
    unit): they sign in that capacity. Without a holder it is the unit's own (from `wflow init`,
    or a PKCS#12 file of earlier versions).
    """

    __tablename__ = "unit_certificate"

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True, ondelete="RESTRICT")
    holder_user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    title: str | None = Field(default=None, max_length=200)  # the holder's position at issue
    serial: str = Field(max_length=64)  # hexadecimal
    fingerprint: str = Field(max_length=64, unique=True, index=True)  # SHA-256, hexadecimal
    subject: str = Field(max_length=1000)  # RFC 4514 string
    issuer: str = Field(max_length=1000)
    not_before: datetime = Field(sa_type=sa.DateTime())
    not_after: datetime = Field(sa_type=sa.DateTime())
    cert_pem: str = Field(sa_type=sa.Text())
    chain_pem: str = Field(default="", sa_type=sa.Text())  # issuers, uploaded certificates only
    encrypted_key_pem: str = Field(sa_type=sa.Text())  # PKCS#8, encrypted; "" if the signer's
    source: str = Field(default=CertificateSource.INTERNAL.value, max_length=10)
    revoked_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    revoked_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

    def usable_at(self, moment: datetime) -> bool:
        """Tell whether the certificate may sign at `moment` (not revoked, within validity)."""
        return self.revoked_at is None and self.not_before <= moment < self.not_after

    @property
    def held_by_signer(self) -> bool:
        """Tell whether the key is the signer's own (browser, token): the server never sees it."""
        return self.source in HELD_BY_SIGNER


class PendingSignature(SQLModel, table=True):
    """A revision prepared for a key the server never sees, waiting for its signature.

    `subject` names what is signed ("pact:12"); `document_id` the revision it was prepared
    from: if another party signed meanwhile, the pending signature is stale. Deleted once
    embedded, and swept after an hour.
    """

    __tablename__ = "pending_signature"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    certificate_id: int = Field(foreign_key="unit_certificate.id", ondelete="CASCADE")
    subject: str = Field(max_length=60)
    document_id: int = Field(foreign_key="document.id", ondelete="CASCADE")
    field: str = Field(max_length=100)
    prepared: bytes = Field(sa_type=sa.LargeBinary())
    reserved_start: int
    reserved_end: int
    digest: bytes = Field(sa_type=sa.LargeBinary())
    signed_attrs: bytes = Field(sa_type=sa.LargeBinary())
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())


class TrustRoot(SQLModel, table=True):
    """A root certificate an administrator trusts beside the instance's CA (e.g. a national CA).

    Never deleted: removing one records who, when and why (the audit of the trust store).
    `added_by_id`/`removed_by_id` are empty when done from the command line.
    """

    __tablename__ = "trust_root"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    fingerprint: str = Field(max_length=64, index=True)  # SHA-256, hexadecimal
    subject: str = Field(max_length=1000)  # RFC 4514 string
    not_after: datetime = Field(sa_type=sa.DateTime())
    cert_pem: str = Field(sa_type=sa.Text())
    added_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    added_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="RESTRICT")
    removed_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    removed_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="RESTRICT")
    removed_reason: str | None = Field(default=None, max_length=500)

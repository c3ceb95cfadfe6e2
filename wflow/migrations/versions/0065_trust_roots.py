"""trust_roots: roots an administrator trusts beside the instance CA (removals kept, audited)

The roots of the certificates units uploaded were trusted implicitly until now: each one still
in use is carried over as a named root, so no signature that verified as trusted stops doing so.

Revision ID: 0065_trust_roots
Revises: 0060_adhoc
Create Date: 2026-12-03
"""

from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

revision = '0065_trust_roots'
down_revision = '0060_adhoc'
branch_labels = None
depends_on = '0004'  # unit_certificate, read to carry over the uploaded roots


def upgrade() -> None:
    trust_root = op.create_table('trust_root',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('not_after', sa.DateTime(), nullable=False),
    sa.Column('cert_pem', sa.Text(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('removed_at', sa.DateTime(), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.Column('removed_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['user.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['removed_by_id'], ['user.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_trust_root_fingerprint'), 'trust_root', ['fingerprint'], unique=False)
    _carry_over_uploaded_roots(trust_root)


def _carry_over_uploaded_roots(trust_root: sa.Table) -> None:
    """Add the top of each unrevoked uploaded certificate's chain as a named root."""
    rows = op.get_bind().execute(sa.text(
        "SELECT cert_pem, chain_pem FROM unit_certificate "
        "WHERE source = 'uploaded' AND revoked_at IS NULL ORDER BY id"
    )).all()
    seen: set[str] = set()
    now = datetime.now(UTC).replace(tzinfo=None)
    for cert_pem, chain_pem in rows:
        chain = x509.load_pem_x509_certificates(chain_pem.encode()) if chain_pem.strip() else []
        top = chain[-1] if chain else x509.load_pem_x509_certificate(cert_pem.encode())
        found = top.fingerprint(hashes.SHA256()).hex()
        if found in seen:
            continue
        seen.add(found)
        names = top.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)
        name = str(names[0].value) if names else top.subject.rfc4514_string()
        op.get_bind().execute(trust_root.insert().values(
            name=name[:200], fingerprint=found, subject=top.subject.rfc4514_string()[:1000],
            not_after=top.not_valid_after_utc.replace(tzinfo=None),
            cert_pem=top.public_bytes(serialization.Encoding.PEM).decode('ascii'), added_at=now,
        ))


def downgrade() -> None:
    op.drop_index(op.f('ix_trust_root_fingerprint'), table_name='trust_root')
    op.drop_table('trust_root')

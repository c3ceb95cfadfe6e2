"""pending_signature: revisions prepared for keys the signer holds (browser, token)

Revision ID: 0099_pending_signature
Revises: 0098_adhoc_certificate
Create Date: 2026-12-04
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0099_pending_signature'
down_revision = '0098_adhoc_certificate'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'pending_signature',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('certificate_id', sa.Integer(), nullable=False),
        sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('field', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('prepared', sa.LargeBinary(), nullable=False),
        sa.Column('reserved_start', sa.Integer(), nullable=False),
        sa.Column('reserved_end', sa.Integer(), nullable=False),
        sa.Column('digest', sa.LargeBinary(), nullable=False),
        sa.Column('signed_attrs', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['certificate_id'], ['unit_certificate.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['document_id'], ['document.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_pending_signature_user_id'), 'pending_signature', ['user_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_pending_signature_user_id'), table_name='pending_signature')
    op.drop_table('pending_signature')

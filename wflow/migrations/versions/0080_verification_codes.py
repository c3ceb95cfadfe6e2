"""verification_codes: a document's short public verification code (printed on it)

Revision ID: 0080_verification_codes
Revises: 0075_summary_reports
Create Date: 2026-12-03
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0080_verification_codes'
down_revision = '0075_summary_reports'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('document') as batch:
        batch.add_column(sa.Column('verify_code', sqlmodel.sql.sqltypes.AutoString(length=10),
                                   nullable=True))
        batch.create_index(op.f('ix_document_verify_code'), ['verify_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('document') as batch:
        batch.drop_index(op.f('ix_document_verify_code'))
        batch.drop_column('verify_code')

"""adhoc_certificate: an ad-hoc award's certificate is signed with its decision

Revision ID: 0098_adhoc_certificate
Revises: 0097_certificate_holder
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = '0098_adhoc_certificate'
down_revision = '0097_certificate_holder'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('adhoc_award') as batch:
        batch.add_column(sa.Column('certificate_document_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('adhoc_award') as batch:
        batch.drop_column('certificate_document_id')

"""Clusters beside blocks: a block is a khối (units of one field) or a cụm (neighbours)

Revision ID: 0106_block_kind
Revises: 0105_proposals_up
Create Date: 2026-12-05

Every existing block is a khối (`kind` 'block').
"""

import sqlalchemy as sa
from alembic import op

revision = '0106_block_kind'
down_revision = '0105_proposals_up'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('block') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=10), nullable=False,
                                   server_default='block'))


def downgrade() -> None:
    with op.batch_alter_table('block') as batch:
        batch.drop_column('kind')

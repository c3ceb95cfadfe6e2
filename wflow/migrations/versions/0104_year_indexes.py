"""year_indexes: the committee dashboard reads a year's instances and reviews by year

Revision ID: 0104_year_indexes
Revises: 0103_councils
Create Date: 2026-12-05
"""

from alembic import op

revision = '0104_year_indexes'
down_revision = '0103_councils'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_wf_instance_year_block', 'wf_instance', ['year', 'block_id'])
    op.create_index('ix_review_year_block', 'review', ['year', 'block_id'])


def downgrade() -> None:
    op.drop_index('ix_review_year_block', table_name='review')
    op.drop_index('ix_wf_instance_year_block', table_name='wf_instance')

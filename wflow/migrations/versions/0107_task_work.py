"""task_work: each task row says whether it is work, so a person's count is one indexed query

Revision ID: 0107_task_work
Revises: 0106_block_kind
Create Date: 2026-12-05

Existing rows get NULL (not yet classified): the engine classifies them from the workflow
definitions when a server first syncs its versions (`Engine.sync_versions`), and writes the
flag with every row from then on. The index on principal alone becomes one on (principal,
work, instance_id), which still serves every lookup by principal.
"""

import sqlalchemy as sa
from alembic import op

revision = '0107_task_work'
down_revision = '0106_block_kind'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN: a batch copy would lose SQLite's WITHOUT ROWID
    op.add_column('wf_task', sa.Column('work', sa.Boolean(), nullable=True))
    op.drop_index('ix_wf_task_principal', table_name='wf_task')
    op.create_index('ix_wf_task_principal_work', 'wf_task', ['principal', 'work', 'instance_id'])


def downgrade() -> None:
    op.drop_index('ix_wf_task_principal_work', table_name='wf_task')
    op.create_index('ix_wf_task_principal', 'wf_task', ['principal'])
    op.execute('ALTER TABLE wf_task DROP COLUMN work')

"""task_block: a task row holds its instance's block; the person's work index holds it too

Revision ID: 0113_task_block
Revises: 0112_task_index_due
Create Date: 2026-12-07

Home and the inbox group a person's work by instance, earliest deadline and block
(`engine.inbox.work_groups`). The block was the instance's, joined for every task (a
secretariat's 4,800 on PostgreSQL: 8.6 ms); with `wf_task.block_id` in the index of
(principal, work, instance_id, due_at) the grouping reads that index alone (4.8-6 ms). An
instance's block never changes, so the copy cannot drift; rows are filled from their instances.
"""

import sqlalchemy as sa
from alembic import op

revision = '0113_task_block'
down_revision = '0112_task_index_due'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('wf_task', sa.Column('block_id', sa.Integer(), nullable=True))
    op.execute(
        'UPDATE wf_task SET block_id = '
        '(SELECT block_id FROM wf_instance WHERE wf_instance.id = wf_task.instance_id)'
    )
    op.create_index(
        'ix_wf_task_principal_work_due_block', 'wf_task',
        ['principal', 'work', 'instance_id', 'due_at', 'block_id'],
    )  # fmt: skip
    op.drop_index('ix_wf_task_principal_work_due', table_name='wf_task')


def downgrade() -> None:
    op.create_index(
        'ix_wf_task_principal_work_due', 'wf_task', ['principal', 'work', 'instance_id', 'due_at']
    )
    op.drop_index('ix_wf_task_principal_work_due_block', table_name='wf_task')
    op.drop_column('wf_task', 'block_id')  # SQLite 3.35+ drops a column in place

"""task_news: a task row of work says whether its holders were told of it (the outbox)

Revision ID: 0108_task_news
Revises: 0107_task_work
Create Date: 2026-12-05

Notifications of new work are no longer written in the transaction that fires: the engine
marks each task row of work it adds `announced = false`, and the notifications claim those
rows in batches after the commit (`Engine.claim_news`). Existing rows count as announced
(they were told when they appeared). A partial index keeps the unannounced rows apart.
"""

import sqlalchemy as sa
from alembic import op

revision = '0108_task_news'
down_revision = '0107_task_work'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN: a batch copy would lose SQLite's WITHOUT ROWID
    op.add_column('wf_task', sa.Column('announced', sa.Boolean(), nullable=False,
                                       server_default=sa.true()))
    op.create_index('ix_wf_task_news', 'wf_task', ['instance_id'],
                    sqlite_where=sa.text('announced = 0'),
                    postgresql_where=sa.text('announced = false'))


def downgrade() -> None:
    op.drop_index('ix_wf_task_news', table_name='wf_task')
    op.execute('ALTER TABLE wf_task DROP COLUMN announced')

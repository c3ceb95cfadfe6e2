"""instance_block_year: an index on wf_instance (block_id, year, workflow)

Revision ID: 0111_instance_block_year
Revises: 0110_unit_kind_index
Create Date: 2026-12-06

The committee dashboard finds each block's newest pact of a year (`SELECT max(id) FROM
wf_instance WHERE year = ? AND block_id IN (...) AND workflow = 'pact' GROUP BY block_id`,
`wflow.committee.service`); with the index on block_id alone PostgreSQL read the 984
instances of a page's 12 blocks to keep 12. A plain CREATE INDEX: SQLite keeps the table.
The index on block_id alone goes: the new one serves its reads (block_id leads it).
"""

from alembic import op

revision = '0111_instance_block_year'
down_revision = '0110_unit_kind_index'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        'ix_wf_instance_block_year_workflow', 'wf_instance', ['block_id', 'year', 'workflow']
    )
    op.drop_index('ix_wf_instance_block_id', table_name='wf_instance')


def downgrade() -> None:
    op.create_index('ix_wf_instance_block_id', 'wf_instance', ['block_id'])
    op.drop_index('ix_wf_instance_block_year_workflow', table_name='wf_instance')

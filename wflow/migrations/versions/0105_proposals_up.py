"""Proposals that go up: a nomination carried to the council above

Revision ID: 0105_proposals_up
Revises: 0104_year_indexes
Create Date: 2026-12-05

A council approves a nomination for an award above its level and proposes it to the council
above: a new nomination (`proposed_from_id`, the lower one) examined, voted and decided by
that council (`council_id`; empty: its block's council, as before).
"""

import sqlalchemy as sa
from alembic import op

revision = '0105_proposals_up'
down_revision = '0104_year_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('nomination') as batch:
        batch.add_column(sa.Column('council_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('proposed_from_id', sa.Integer(), nullable=True))
        batch.create_index('ix_nomination_council_id', ['council_id'])
        batch.create_index('ix_nomination_proposed_from_id', ['proposed_from_id'])
        batch.create_foreign_key('fk_nomination_council_id_unit', 'unit',
                                 ['council_id'], ['id'], ondelete='RESTRICT')
        batch.create_foreign_key('fk_nomination_proposed_from_id_nomination', 'nomination',
                                 ['proposed_from_id'], ['id'], ondelete='RESTRICT')


def downgrade() -> None:
    with op.batch_alter_table('nomination') as batch:
        batch.drop_constraint('fk_nomination_proposed_from_id_nomination', type_='foreignkey')
        batch.drop_constraint('fk_nomination_council_id_unit', type_='foreignkey')
        batch.drop_index('ix_nomination_proposed_from_id')
        batch.drop_index('ix_nomination_council_id')
        batch.drop_column('proposed_from_id')
        batch.drop_column('council_id')

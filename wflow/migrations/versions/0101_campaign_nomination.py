"""Campaign nominations: a dossier may propose awards for a unit's results in a campaign

Revision ID: 0101_campaign_nomination
Revises: 0100_ballot_papers
Create Date: 2026-12-04

A closed campaign's participant that registered and reported opens a dossier "for this
campaign" (`nomination.campaign_id`); the block's year-end nominations keep it empty.
"""

import sqlalchemy as sa
from alembic import op

revision = '0101_campaign_nomination'
down_revision = '0100_ballot_papers'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('nomination') as batch:
        batch.add_column(sa.Column('campaign_id', sa.Integer(), nullable=True))
        batch.create_index('ix_nomination_campaign_id', ['campaign_id'])
        batch.create_foreign_key('fk_nomination_campaign_id_campaign', 'campaign',
                                 ['campaign_id'], ['id'], ondelete='RESTRICT')


def downgrade() -> None:
    with op.batch_alter_table('nomination') as batch:
        batch.drop_constraint('fk_nomination_campaign_id_campaign', type_='foreignkey')
        batch.drop_index('ix_nomination_campaign_id')
        batch.drop_column('campaign_id')

"""Ballot papers: a secret ballot's choice per name, and each dossier nominee's own verdict

Revision ID: 0100_ballot_papers
Revises: 0099_pending_signature
Create Date: 2026-12-04

A council votes on a dossier of many nominees with one ballot paper: a choice per name
(`wf_ballot.paper`, kept with the ballot, never with the voter). Each nominee keeps the
council's count on it (`dossier_nominee.council_tally`) and the prize the decision gives it.
"""

import sqlalchemy as sa
from alembic import op

revision = '0100_ballot_papers'
down_revision = '0099_pending_signature'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('wf_ballot', sa.Column('paper', sa.JSON(), nullable=True))
    op.add_column('dossier_nominee', sa.Column('council_tally', sa.JSON(), nullable=True))
    op.add_column('dossier_nominee', sa.Column('prize_amount', sa.Numeric(14, 0), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('dossier_nominee') as batch:
        batch.drop_column('prize_amount')
        batch.drop_column('council_tally')
    with op.batch_alter_table('wf_ballot') as batch:
        batch.drop_column('paper')

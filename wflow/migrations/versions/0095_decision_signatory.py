"""decision_signatory: the secretariat prepares a council decision, its chair or a vice-chair signs

Revision ID: 0095_decision_signatory
Revises: 0080_verification_codes
Create Date: 2026-12-04
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0095_decision_signatory'
down_revision = '0080_verification_codes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('decision') as batch:
        batch.add_column(sa.Column('instance_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('prepared_by_user_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('capacity', sqlmodel.sql.sqltypes.AutoString(length=20),
                                   nullable=True))
        batch.add_column(sa.Column('signed_at', sa.DateTime(), nullable=True))
        batch.create_index(op.f('ix_decision_instance_id'), ['instance_id'], unique=False)
        batch.create_foreign_key('fk_decision_prepared_by_user_id_user', 'user',
                                 ['prepared_by_user_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('decision') as batch:
        batch.drop_constraint('fk_decision_prepared_by_user_id_user', type_='foreignkey')
        batch.drop_index(op.f('ix_decision_instance_id'))
        batch.drop_column('signed_at')
        batch.drop_column('capacity')
        batch.drop_column('prepared_by_user_id')
        batch.drop_column('instance_id')

"""certificate_holder: certificates bound to the person who signs, with their title

Revision ID: 0097_certificate_holder
Revises: 0096_signing_delegation
Create Date: 2026-12-04
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0097_certificate_holder'
down_revision = '0096_signing_delegation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('unit_certificate') as batch:
        batch.add_column(sa.Column('holder_user_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200),
                                   nullable=True))
        batch.create_index(op.f('ix_unit_certificate_holder_user_id'), ['holder_user_id'],
                           unique=False)
        batch.create_foreign_key('fk_unit_certificate_holder_user_id_user', 'user',
                                 ['holder_user_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('unit_certificate') as batch:
        batch.drop_constraint('fk_unit_certificate_holder_user_id_user', type_='foreignkey')
        batch.drop_index(op.f('ix_unit_certificate_holder_user_id'))
        batch.drop_column('title')
        batch.drop_column('holder_user_id')

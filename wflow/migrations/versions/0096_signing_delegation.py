"""signing_delegation: a head delegates signing for their unit to a colleague for a period

Revision ID: 0096_signing_delegation
Revises: 0095_decision_signatory
Create Date: 2026-12-04
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0096_signing_delegation'
down_revision = '0095_decision_signatory'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'signing_delegation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('grantor_user_id', sa.Integer(), nullable=False),
        sa.Column('delegate_user_id', sa.Integer(), nullable=False),
        sa.Column('capacity', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_by_user_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['grantor_user_id'], ['user.id']),
        sa.ForeignKeyConstraint(['delegate_user_id'], ['user.id']),
        sa.ForeignKeyConstraint(['revoked_by_user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_signing_delegation_unit_id'), 'signing_delegation', ['unit_id'])
    op.create_index(op.f('ix_signing_delegation_delegate_user_id'), 'signing_delegation',
                    ['delegate_user_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_signing_delegation_delegate_user_id'), table_name='signing_delegation')
    op.drop_index(op.f('ix_signing_delegation_unit_id'), table_name='signing_delegation')
    op.drop_table('signing_delegation')

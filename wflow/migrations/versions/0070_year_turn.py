"""year_turn: each block's rotation rule and the leaders its year-end conference elected

Revision ID: 0070_year_turn
Revises: 0065_trust_roots
Create Date: 2026-12-03
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0070_year_turn'
down_revision = '0065_trust_roots'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('block_rotation',
    sa.Column('block_id', sa.Integer(), nullable=False),
    sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('updated_by_user_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['block_id'], ['block.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('block_id')
    )
    op.create_table('leadership_election',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('block_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('leader_unit_id', sa.Integer(), nullable=False),
    sa.Column('deputy_unit_id', sa.Integer(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('recorded_by_user_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['block_id'], ['block.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deputy_unit_id'], ['unit.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['leader_unit_id'], ['unit.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('block_id', 'year')
    )
    op.create_index(op.f('ix_leadership_election_block_id'), 'leadership_election', ['block_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_leadership_election_block_id'), table_name='leadership_election')
    op.drop_table('leadership_election')
    op.drop_table('block_rotation')

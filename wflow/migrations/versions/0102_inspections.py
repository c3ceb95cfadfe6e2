"""inspections: the council inspects a unit or a block and follows up its recommendations

Revision ID: 0102_inspections
Revises: 0101_campaign_nomination
Create Date: 2026-12-04
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0102_inspections'
down_revision = '0101_campaign_nomination'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'inspection',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('inspecting_body', sqlmodel.sql.sqltypes.AutoString(length=200),
                  nullable=False),
        sa.Column('lead_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('block_id', sa.Integer(), nullable=True),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('basis', sa.Text(), nullable=False),
        sa.Column('scope', sa.Text(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('findings', sa.Text(), nullable=False),
        sa.Column('findings_recorded_at', sa.DateTime(), nullable=True),
        sa.Column('instance_id', sa.Integer(), nullable=True),
        sa.Column('created_by_user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['block_id'], ['block.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['created_by_user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_inspection_unit_id'), 'inspection', ['unit_id'])
    op.create_index(op.f('ix_inspection_block_id'), 'inspection', ['block_id'])
    op.create_index(op.f('ix_inspection_year'), 'inspection', ['year'])
    op.create_index(op.f('ix_inspection_instance_id'), 'inspection', ['instance_id'])
    op.create_table(
        'inspection_recommendation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('inspection_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('owner_unit_id', sa.Integer(), nullable=False),
        sa.Column('owner_person', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.Column('answered_by_user_id', sa.Integer(), nullable=True),
        sa.Column('close_note', sa.Text(), nullable=False),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('closed_by_user_id', sa.Integer(), nullable=True),
        sa.Column('created_by_user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['owner_unit_id'], ['unit.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['answered_by_user_id'], ['user.id']),
        sa.ForeignKeyConstraint(['closed_by_user_id'], ['user.id']),
        sa.ForeignKeyConstraint(['created_by_user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_inspection_recommendation_inspection_id'),
                    'inspection_recommendation', ['inspection_id'])
    op.create_index('ix_inspection_recommendation_owner_state', 'inspection_recommendation',
                    ['owner_unit_id', 'state'])
    op.create_index('ix_inspection_recommendation_state_due', 'inspection_recommendation',
                    ['state', 'due_on'])


def downgrade() -> None:
    op.drop_table('inspection_recommendation')
    op.drop_table('inspection')

"""campaign, campaign_target, campaign_participant, campaign_checkpoint, campaign_figure

Revision ID: 0040_campaigns
Revises: 0030_people
Create Date: 2026-12-03
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0040_campaigns'
down_revision = '0030_people'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('theme', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('reports_due', sa.Date(), nullable=False),
    sa.Column('basis_number', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('basis_date', sa.Date(), nullable=True),
    sa.Column('basis_issuer', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('criteria', sa.Text(), nullable=False),
    sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('block_ids', sa.JSON(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_starts_on'), ['starts_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_unit_id'), ['unit_id'], unique=False)

    op.create_table('campaign_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign_id', 'day')
    )
    with op.batch_alter_table('campaign_checkpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_checkpoint_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('campaign_participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('block_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('registered_at', sa.DateTime(), nullable=True),
    sa.Column('reported_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['block_id'], ['block.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign_id', 'unit_id')
    )
    with op.batch_alter_table('campaign_participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_participant_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_participant_unit_id'), ['unit_id'], unique=False)

    op.create_table('campaign_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('measure', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('campaign_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_target_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('campaign_figure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('checkpoint_id', sa.Integer(), nullable=True),
    sa.Column('value', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['campaign_checkpoint.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_id'], ['campaign_target.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign_id', 'unit_id', 'target_id', 'kind', 'checkpoint_id')
    )
    with op.batch_alter_table('campaign_figure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_figure_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_figure_unit_id'), ['unit_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('campaign_figure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_figure_unit_id'))
        batch_op.drop_index(batch_op.f('ix_campaign_figure_campaign_id'))

    op.drop_table('campaign_figure')
    with op.batch_alter_table('campaign_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_target_campaign_id'))

    op.drop_table('campaign_target')
    with op.batch_alter_table('campaign_participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_participant_unit_id'))
        batch_op.drop_index(batch_op.f('ix_campaign_participant_campaign_id'))

    op.drop_table('campaign_participant')
    with op.batch_alter_table('campaign_checkpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_checkpoint_campaign_id'))

    op.drop_table('campaign_checkpoint')
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_unit_id'))
        batch_op.drop_index(batch_op.f('ix_campaign_starts_on'))
        batch_op.drop_index(batch_op.f('ix_campaign_instance_id'))

    op.drop_table('campaign')

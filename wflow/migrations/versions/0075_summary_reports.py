"""summary_reports: the issued (signed) summary reports of blocks, campaigns and the council

Revision ID: 0075_summary_reports
Revises: 0070_year_turn
Create Date: 2026-12-03
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0075_summary_reports'
down_revision = '0070_year_turn'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('summary_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('block_id', sa.Integer(), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('signed_for_unit_id', sa.Integer(), nullable=False),
    sa.Column('issued_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['block_id'], ['block.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['signed_for_unit_id'], ['unit.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['issued_by_user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_summary_report_block_id'), 'summary_report', ['block_id'], unique=False)
    op.create_index(op.f('ix_summary_report_campaign_id'), 'summary_report', ['campaign_id'], unique=False)
    op.create_index('ix_summary_report_scope', 'summary_report', ['scope', 'year'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_summary_report_scope', table_name='summary_report')
    op.drop_index(op.f('ix_summary_report_campaign_id'), table_name='summary_report')
    op.drop_index(op.f('ix_summary_report_block_id'), table_name='summary_report')
    op.drop_table('summary_report')

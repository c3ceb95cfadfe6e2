"""periodic reviews, their scores and evidence

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-22
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pact_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('block_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('reviewer_unit_id', sa.Integer(), nullable=True),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('penalty', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('self_total', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('score_total', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('bonus_total', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('final_total', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('locked_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['block_id'], ['block.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pact_id'], ['pact.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reviewer_unit_id'], ['unit.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pact_id', 'unit_id', 'year', 'period')
    )
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.create_index('ix_review_block_year', ['block_id', 'year'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_pact_id'), ['pact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_unit_id'), ['unit_id'], unique=False)

    op.create_table('review_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=True),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('path', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('uploaded_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['criterion_id'], ['criterion.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('review_evidence', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_review_evidence_review_id'), ['review_id'], unique=False
        )
        batch_op.create_index(batch_op.f('ix_review_evidence_sha256'), ['sha256'], unique=False)

    op.create_table('review_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('achieved', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('achieved_value', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('target_value', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('self_score', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('self_bonus', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('self_note', sa.Text(), nullable=False),
    sa.Column('score', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('bonus', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['criterion_id'], ['criterion.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('review_id', 'criterion_id')
    )
    with op.batch_alter_table('review_score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_score_review_id'), ['review_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('review_score', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_score_review_id'))

    op.drop_table('review_score')
    with op.batch_alter_table('review_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_evidence_sha256'))
        batch_op.drop_index(batch_op.f('ix_review_evidence_review_id'))

    op.drop_table('review_evidence')
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_unit_id'))
        batch_op.drop_index(batch_op.f('ix_review_pact_id'))
        batch_op.drop_index(batch_op.f('ix_review_instance_id'))
        batch_op.drop_index('ix_review_block_year')

    op.drop_table('review')

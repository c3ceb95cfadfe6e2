"""award: nominee, decided_by, prerequisites; title_decision, person_title

Revision ID: 0050_titles
Revises: 0045_second_factor
Create Date: 2026-12-03
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0050_titles'
down_revision = '0045_second_factor'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nominee', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False, server_default='unit'))
        batch_op.add_column(sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default='council'))
        batch_op.add_column(sa.Column('prerequisites', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))

    op.create_table('title_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('decided_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('unit_id', 'year', 'number')
    )
    with op.batch_alter_table('title_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_title_decision_unit_id'), ['unit_id'], unique=False)

    op.create_table('person_title',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['decision_id'], ['title_decision.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('person_id', 'award_id', 'year')
    )
    with op.batch_alter_table('person_title', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_title_award_id'), ['award_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_title_decision_id'), ['decision_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_title_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_person_title_unit_year', ['unit_id', 'year'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('person_title', schema=None) as batch_op:
        batch_op.drop_index('ix_person_title_unit_year')
        batch_op.drop_index(batch_op.f('ix_person_title_person_id'))
        batch_op.drop_index(batch_op.f('ix_person_title_decision_id'))
        batch_op.drop_index(batch_op.f('ix_person_title_award_id'))

    op.drop_table('person_title')
    with op.batch_alter_table('title_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_title_decision_unit_id'))

    op.drop_table('title_decision')
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.drop_column('prerequisites')
        batch_op.drop_column('decided_by')
        batch_op.drop_column('nominee')

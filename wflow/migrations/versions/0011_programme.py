"""programme, programme_party, programme_review; document.programme_id

Revision ID: 0011_programme
Revises: 0009
Create Date: 2026-12-03
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0011_programme'
down_revision = ('0009', '0010_session_epoch')  # merges the two heads
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('programme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('year_end', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('purposes', sa.Text(), nullable=False),
    sa.Column('tasks', sa.Text(), nullable=False),
    sa.Column('arrangements', sa.Text(), nullable=False),
    sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('in_force_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_programme_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_programme_year'), ['year'], unique=False)

    op.create_table('programme_party',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('programme_id', 'unit_id')
    )
    with op.batch_alter_table('programme_party', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_programme_party_programme_id'), ['programme_id'], unique=False
        )
        batch_op.create_index(batch_op.f('ix_programme_party_unit_id'), ['unit_id'], unique=False)

    op.create_table('programme_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('next_steps', sa.Text(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('programme_id', 'year')
    )
    with op.batch_alter_table('programme_review', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_programme_review_programme_id'), ['programme_id'], unique=False
        )

    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('programme_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_document_programme_id'), ['programme_id'], unique=False)
        batch_op.create_foreign_key(
            'fk_document_programme_id', 'programme', ['programme_id'], ['id'], ondelete='CASCADE'
        )


def downgrade() -> None:
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_constraint('fk_document_programme_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_document_programme_id'))
        batch_op.drop_column('programme_id')
    op.drop_table('programme_review')
    op.drop_table('programme_party')
    op.drop_table('programme')

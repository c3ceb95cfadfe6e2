"""person, person_posting, title_registration; initiative, initiative_author

Revision ID: 0030_people
Revises: 0020_audit_present
Create Date: 2026-12-03
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0030_people'
down_revision = '0020_audit_present'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('initiative',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('decision_number', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('decision_date', sa.Date(), nullable=True),
    sa.Column('decision_issuer', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.create_index('ix_initiative_unit_year', ['unit_id', 'year'], unique=False)
        batch_op.create_index(batch_op.f('ix_initiative_year'), ['year'], unique=False)

    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('full_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('position', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('sex', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('birth_year', sa.Integer(), nullable=False),
    sa.Column('staff_number', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('staff_number'),
    sa.UniqueConstraint('user_id')
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_full_name'), ['full_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_unit_id'), ['unit_id'], unique=False)

    op.create_table('initiative_author',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('(person_id IS NULL) <> (unit_id IS NULL)', name='ck_initiative_author_one'),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('initiative_id', 'person_id'),
    sa.UniqueConstraint('initiative_id', 'unit_id')
    )
    with op.batch_alter_table('initiative_author', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiative_author_initiative_id'), ['initiative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_initiative_author_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_initiative_author_unit_id'), ['unit_id'], unique=False)

    op.create_table('person_posting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('position', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('from_date', sa.Date(), nullable=False),
    sa.Column('to_date', sa.Date(), nullable=True),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('person_posting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_posting_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_posting_unit_id'), ['unit_id'], unique=False)

    op.create_table('title_registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('person_id', 'year', 'title')
    )
    with op.batch_alter_table('title_registration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_title_registration_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_title_registration_unit_year', ['unit_id', 'year'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('title_registration', schema=None) as batch_op:
        batch_op.drop_index('ix_title_registration_unit_year')
        batch_op.drop_index(batch_op.f('ix_title_registration_person_id'))

    op.drop_table('title_registration')
    with op.batch_alter_table('person_posting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_posting_unit_id'))
        batch_op.drop_index(batch_op.f('ix_person_posting_person_id'))

    op.drop_table('person_posting')
    with op.batch_alter_table('initiative_author', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiative_author_unit_id'))
        batch_op.drop_index(batch_op.f('ix_initiative_author_person_id'))
        batch_op.drop_index(batch_op.f('ix_initiative_author_initiative_id'))

    op.drop_table('initiative_author')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_unit_id'))
        batch_op.drop_index(batch_op.f('ix_person_full_name'))

    op.drop_table('person')
    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiative_year'))
        batch_op.drop_index('ix_initiative_unit_year')

    op.drop_table('initiative')

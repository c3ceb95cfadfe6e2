"""award: adhoc; adhoc_award; dossier_nominee

Revision ID: 0060_adhoc
Revises: 0055_ballots
Create Date: 2026-12-05
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0060_adhoc'
down_revision = '0055_ballots'
branch_labels = None
depends_on = None

# the seeded awards that may be granted ad hoc (Decree 98/2023 art. 37: certificates of merit
# and commendation certificates for an exceptional achievement)
ADHOC_CODES = ('certificate_of_merit', 'person_certificate_of_merit', 'commendation_certificate')


def upgrade() -> None:
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.add_column(sa.Column('adhoc', sa.Boolean(), nullable=False, server_default=sa.false()))
    award = sa.table('award', sa.column('code', sa.String), sa.column('adhoc', sa.Boolean))
    op.execute(award.update().where(award.c.code.in_(ADHOC_CODES)).values(adhoc=True))

    op.create_table('adhoc_award',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('nominee_unit_id', sa.Integer(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('achieved_on', sa.Date(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('achievement', sa.Text(), nullable=False),
    sa.Column('evidence_filename', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('evidence_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('evidence_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('evidence_path', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('proposed_by_user_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('decision_number', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('decision_year', sa.Integer(), nullable=True),
    sa.Column('decision_date', sa.Date(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('base_salary', sa.Numeric(precision=14, scale=0), nullable=True),
    sa.Column('prize_amount', sa.Numeric(precision=14, scale=0), nullable=True),
    sa.Column('decided_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['decided_by_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['nominee_unit_id'], ['unit.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['proposed_by_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('adhoc_award', schema=None) as batch_op:
        batch_op.create_index('ix_adhoc_award_decision', ['decision_year', 'decision_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_adhoc_award_award_id'), ['award_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_adhoc_award_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_adhoc_award_nominee_unit_id'), ['nominee_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_adhoc_award_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_adhoc_award_unit_id'), ['unit_id'], unique=False)

    op.create_table('dossier_nominee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('achievement', sa.Text(), nullable=False),
    sa.Column('approved', sa.Boolean(), nullable=True),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['nomination_id'], ['nomination.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dossier_nominee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_nominee_nomination_id'), ['nomination_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossier_nominee_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossier_nominee_unit_id'), ['unit_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('dossier_nominee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_nominee_unit_id'))
        batch_op.drop_index(batch_op.f('ix_dossier_nominee_person_id'))
        batch_op.drop_index(batch_op.f('ix_dossier_nominee_nomination_id'))
    op.drop_table('dossier_nominee')
    with op.batch_alter_table('adhoc_award', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adhoc_award_unit_id'))
        batch_op.drop_index(batch_op.f('ix_adhoc_award_person_id'))
        batch_op.drop_index(batch_op.f('ix_adhoc_award_nominee_unit_id'))
        batch_op.drop_index(batch_op.f('ix_adhoc_award_instance_id'))
        batch_op.drop_index(batch_op.f('ix_adhoc_award_award_id'))
        batch_op.drop_index('ix_adhoc_award_decision')
    op.drop_table('adhoc_award')
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.drop_column('adhoc')

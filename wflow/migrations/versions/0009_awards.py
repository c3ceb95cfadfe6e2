"""awards: catalogue, settings, nominations, council sessions, decisions; shared documents

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('award',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('proposers', sa.JSON(), nullable=False),
    sa.Column('max_rank', sa.Integer(), nullable=True),
    sa.Column('min_score_percent', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('block_threshold', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('block_of', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('block_quorum', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('block_secret', sa.Boolean(), nullable=False),
    sa.Column('council_threshold', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('council_of', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('council_quorum', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('council_secret', sa.Boolean(), nullable=False),
    sa.Column('prize_multiple', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_code'), ['code'], unique=True)

    op.create_table('council_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('council_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_council_session_year'), ['year'], unique=False)

    op.create_table('setting',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('updated_by_user_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('base_salary', sa.Numeric(precision=14, scale=0), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('signed_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['council_session.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['signed_by_user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year', 'number')
    )
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_session_id'), ['session_id'], unique=False)

    op.create_table('nomination',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('block_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('total', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('block_rule', sa.JSON(), nullable=False),
    sa.Column('council_rule', sa.JSON(), nullable=False),
    sa.Column('block_tally', sa.JSON(), nullable=True),
    sa.Column('council_tally', sa.JSON(), nullable=True),
    sa.Column('cover_letter', sa.Text(), nullable=False),
    sa.Column('achievements', sa.Text(), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('prize_amount', sa.Numeric(precision=14, scale=0), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoke_reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('proposed_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['award_id'], ['award.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['block_id'], ['block.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposed_by_user_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['council_session.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('nomination', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nomination_award_id'), ['award_id'], unique=False)
        batch_op.create_index('ix_nomination_block_year', ['block_id', 'year'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_nomination_decision_id'), ['decision_id'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_nomination_instance_id'), ['instance_id'], unique=False
        )
        batch_op.create_index(batch_op.f('ix_nomination_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nomination_unit_id'), ['unit_id'], unique=False)

    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nomination_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decision_id', sa.Integer(), nullable=True))
        batch_op.alter_column('pact_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_document_decision_id'), ['decision_id'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_document_nomination_id'), ['nomination_id'], unique=False
        )
        batch_op.create_foreign_key(
            'fk_document_decision_id', 'decision', ['decision_id'], ['id'], ondelete='CASCADE'
        )
        batch_op.create_foreign_key(
            'fk_document_nomination_id', 'nomination', ['nomination_id'], ['id'], ondelete='CASCADE'
        )



def downgrade() -> None:
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_constraint('fk_document_nomination_id', type_='foreignkey')
        batch_op.drop_constraint('fk_document_decision_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_document_nomination_id'))
        batch_op.drop_index(batch_op.f('ix_document_decision_id'))
        batch_op.alter_column('pact_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('decision_id')
        batch_op.drop_column('nomination_id')

    with op.batch_alter_table('nomination', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nomination_unit_id'))
        batch_op.drop_index(batch_op.f('ix_nomination_session_id'))
        batch_op.drop_index(batch_op.f('ix_nomination_instance_id'))
        batch_op.drop_index(batch_op.f('ix_nomination_decision_id'))
        batch_op.drop_index('ix_nomination_block_year')
        batch_op.drop_index(batch_op.f('ix_nomination_award_id'))

    op.drop_table('nomination')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_session_id'))

    op.drop_table('decision')
    op.drop_table('setting')
    with op.batch_alter_table('council_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_council_session_year'))

    op.drop_table('council_session')
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_code'))

    op.drop_table('award')

"""access_epoch: one number that changes with every change to what access is computed from

Revision ID: 0109_access_epoch
Revises: 0108_task_news
Create Date: 2026-12-06

A user's principals (`wflow.core.access.principals`) are read from the units (a unit's
council, the council tree), the blocks and their yearly memberships, and the signing
delegations. Triggers on those tables raise `access_epoch.value` (its one row, id 1) in the
transaction of every INSERT, UPDATE or DELETE (and PostgreSQL's TRUNCATE), so the number loaded with a user says whether a
per-process copy of their principals is still current. PostgreSQL bumps once per statement
(one function, statement-level triggers); SQLite once per row (it has no other kind).

An SQLite migration that copies one of these tables (`batch_alter_table` recreating it) drops
its triggers: it must create them again (tests/core/test_principals_cache.py checks that every
table bumps the number after all the migrations).
"""

import sqlalchemy as sa
from alembic import op

revision = '0109_access_epoch'
down_revision = '0108_task_news'
branch_labels = None
depends_on = None

TABLES = ('unit', 'block', 'blockmembership', 'signing_delegation')
EVENTS = ('insert', 'update', 'delete')
BUMP = 'UPDATE access_epoch SET value = value + 1 WHERE id = 1'


def upgrade() -> None:
    op.create_table(
        'access_epoch',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.execute('INSERT INTO access_epoch (id, value) VALUES (1, 0)')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            'CREATE FUNCTION access_epoch_bump() RETURNS trigger LANGUAGE plpgsql AS $$ '
            f'BEGIN {BUMP}; RETURN NULL; END $$'
        )
        for table in TABLES:
            op.execute(f'CREATE TRIGGER access_epoch_{table} AFTER INSERT OR UPDATE OR DELETE '
                       f'OR TRUNCATE ON "{table}" FOR EACH STATEMENT '
                       'EXECUTE FUNCTION access_epoch_bump()')
    else:
        for table in TABLES:
            for event in EVENTS:
                op.execute(f'CREATE TRIGGER access_epoch_{table}_{event} AFTER {event.upper()} '
                           f'ON "{table}" FOR EACH ROW BEGIN {BUMP}; END')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in TABLES:
            op.execute(f'DROP TRIGGER access_epoch_{table} ON "{table}"')
        op.execute('DROP FUNCTION access_epoch_bump()')
    else:
        for table in TABLES:
            for event in EVENTS:
                op.execute(f'DROP TRIGGER access_epoch_{table}_{event}')
    op.drop_table('access_epoch')

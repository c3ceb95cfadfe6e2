"""unit_kind_index: an index on unit.kind

Revision ID: 0110_unit_kind_index
Revises: 0109_access_epoch
Create Date: 2026-12-06

Every page reads the councils' tree (`SELECT unit.id, unit.parent_id FROM unit WHERE
unit.kind = ?`, `wflow.councils.service`); without an index PostgreSQL scans every unit for
the few councils. A plain CREATE INDEX: SQLite keeps the table, and with it the access_epoch
triggers on it (0109).
"""

from alembic import op

revision = '0110_unit_kind_index'
down_revision = '0109_access_epoch'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_unit_kind', 'unit', ['kind'])


def downgrade() -> None:
    op.drop_index('ix_unit_kind', table_name='unit')

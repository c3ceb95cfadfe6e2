"""councils: every unit, block and workflow instance belongs to one council

Revision ID: 0103_councils
Revises: 0102_inspections
Create Date: 2026-12-05

A council is a unit of kind `council` at a `level`; its superior council is its parent. Units,
blocks, workflow instances, campaigns, council sessions and decisions name their council. The
existing data all belongs to the installation's first council (created when units exist but
no council does), and the committee's principals in the inbox name it ("secretariat:1").
"""

import sqlalchemy as sa
from alembic import op

revision = '0103_councils'
down_revision = '0102_inspections'
branch_labels = None
depends_on = None

COMMITTEE = ('secretariat', 'council', 'admin')
# the tables that name their council, and whether a foreign key to the council's unit holds
TABLES = (('unit', True), ('block', True), ('wf_instance', False), ('campaign', True),
          ('council_session', True), ('decision', False))


def _first_council(bind: sa.Connection) -> int | None:
    found = bind.execute(sa.text(
        "SELECT id FROM unit WHERE kind = 'council' ORDER BY id LIMIT 1")).scalar()
    if found is not None:
        return int(found)
    if bind.execute(sa.text('SELECT count(*) FROM unit')).scalar() == 0:
        return None
    code = 'HDTDKT'
    while bind.execute(sa.text('SELECT 1 FROM unit WHERE upper(code) = :c'), {'c': code}).first():
        code += 'X'
    bind.execute(sa.text(
        "INSERT INTO unit (name, code, kind, level, created_at) "
        "VALUES ('Hội đồng Thi đua - Khen thưởng', :code, 'council', 'province', "
        "CURRENT_TIMESTAMP)"), {'code': code})
    return int(bind.execute(sa.text('SELECT id FROM unit WHERE code = :c'), {'c': code}).scalar())


def upgrade() -> None:
    for table, linked in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('council_id', sa.Integer(), nullable=True))
            if table == 'unit':
                batch.add_column(sa.Column('level', sa.String(length=20), nullable=False,
                                           server_default=''))
            batch.create_index(f'ix_{table}_council_id', ['council_id'])
            if linked:
                batch.create_foreign_key(f'fk_{table}_council_id_unit', 'unit', ['council_id'],
                                         ['id'], ondelete='RESTRICT')
    bind = op.get_bind()
    council = _first_council(bind)
    if council is None:
        return
    bind.execute(sa.text(
        "UPDATE unit SET council_id = id, level = 'province' WHERE kind = 'council'"))
    for table, _linked in TABLES:
        bind.execute(sa.text(f'UPDATE {table} SET council_id = :c WHERE council_id IS NULL'),
                     {'c': council})
    for role in COMMITTEE:
        bind.execute(sa.text('UPDATE wf_task SET principal = :new WHERE principal = :old'),
                     {'new': f'{role}:{council}', 'old': role})


def downgrade() -> None:
    bind = op.get_bind()
    for role in COMMITTEE:
        bind.execute(sa.text("UPDATE wf_task SET principal = :role "
                             "WHERE principal LIKE :pattern AND principal NOT LIKE 'council:user:%'"),
                     {'role': role, 'pattern': f'{role}:%'})
    for table, linked in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            if linked:
                batch.drop_constraint(f'fk_{table}_council_id_unit', type_='foreignkey')
            batch.drop_index(f'ix_{table}_council_id')
            if table == 'unit':
                batch.drop_column('level')
            batch.drop_column('council_id')

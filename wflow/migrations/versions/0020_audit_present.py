"""wf_event.hash_v and data_after: the audit covers the present; audit_alert, audit_run

Every event written from now on is hashed in format 2, which covers the state, lock version
and data the instance has after it (wflow.engine.audit). Events already written keep format 1
(`hash_v` 1) and still verify. So that the rows of instances that never move again (a
published plan) are covered too, every existing chain gets one "seal" event (system actor,
state and version unchanged) in format 2, holding the instance's data as it is now.

Downgrade drops the columns and tables; chains holding format-2 events then no longer verify
under the older code.

Revision ID: 0020_audit_present
Revises: 0012_login_throttle
Create Date: 2026-12-04
"""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0020_audit_present'
down_revision = '0012_login_throttle'
branch_labels = None
depends_on = None

SEAL = 'seal'


def upgrade() -> None:
    with op.batch_alter_table('wf_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hash_v', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('data_after', sa.JSON(none_as_null=True), nullable=True))

    op.create_table('audit_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('line', sa.Text(), nullable=False),
    sa.Column('found_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_table('audit_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checked_at', sa.DateTime(), nullable=False),
    sa.Column('problems', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    _seal_chains(op.get_bind())


def downgrade() -> None:
    op.drop_table('audit_run')
    op.drop_table('audit_alert')
    with op.batch_alter_table('wf_event', schema=None) as batch_op:
        batch_op.drop_column('data_after')
        batch_op.drop_column('hash_v')


# Frozen here (a migration must not change with the code): format 2 of wflow.engine.audit.
_INST = sa.table(
    'wf_instance', sa.column('id', sa.Integer), sa.column('state', sa.String),
    sa.column('lock_version', sa.Integer), sa.column('data', sa.JSON),
    sa.column('last_seq', sa.Integer), sa.column('last_hash', sa.String),
)
_EVT = sa.table(
    'wf_event', sa.column('instance_id', sa.Integer), sa.column('seq', sa.Integer),
    sa.column('version', sa.Integer), sa.column('at', sa.DateTime),
    sa.column('actor_user_id', sa.Integer), sa.column('actor_unit_id', sa.Integer),
    sa.column('actor_name', sa.String), sa.column('trigger', sa.String),
    sa.column('source', sa.String), sa.column('dest', sa.String), sa.column('data', sa.JSON),
    sa.column('prev_hash', sa.String), sa.column('hash', sa.String),
    sa.column('hash_v', sa.Integer), sa.column('data_after', sa.JSON(none_as_null=True)),
)


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(',', ':'), ensure_ascii=False, default=str)


def _seal_chains(conn: sa.Connection) -> None:
    """Append a format-2 seal event to every chain, covering the instance row as it is."""
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = conn.execute(sa.select(_INST).where(_INST.c.last_seq > 0).order_by(_INST.c.id))
    for row in rows.all():
        data = row.data if isinstance(row.data, dict) else {}
        seq = row.last_seq + 1
        event = {
            'instance_id': row.id, 'seq': seq, 'version': row.lock_version,
            'at': now.isoformat(), 'actor_user_id': None, 'actor_unit_id': None,
            'actor_name': 'system', 'trigger': SEAL, 'source': row.state, 'dest': row.state,
            'data': {}, 'hash_v': 2,
            'after': {'data': data, 'lock_version': row.lock_version, 'state': row.state},
        }
        digest = hashlib.sha256((row.last_hash + _canonical(event)).encode()).hexdigest()
        conn.execute(_EVT.insert().values(
            instance_id=row.id, seq=seq, version=row.lock_version, at=now, actor_user_id=None,
            actor_unit_id=None, actor_name='system', trigger=SEAL, source=row.state,
            dest=row.state, data={}, prev_hash=row.last_hash, hash=digest, hash_v=2,
            data_after=data,
        ))
        conn.execute(
            _INST.update()
            .where((_INST.c.id == row.id) & (_INST.c.last_seq == row.last_seq))
            .values(last_seq=seq, last_hash=digest)
        )

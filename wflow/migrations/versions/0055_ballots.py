"""wf_ballot: a secret vote's choices stored apart from who voted

Revision ID: 0055_ballots
Revises: 0050_titles
Create Date: 2026-12-03

Existing secret votes (the nomination workflow's block and council votes) move their choices
into ballots with random ids, written in id order, and their participant rows keep "cast":
the link between a voter and a choice is dropped. A downgrade puts the choices back on the
participant rows in an arbitrary order (the counts stay exact; who voted how is not restored).
"""

import secrets
from collections import defaultdict

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0055_ballots'
down_revision = '0050_titles'
branch_labels = None
depends_on = None

SECRET_WORKFLOWS = ('nomination',)  # the workflows whose votes were secret at this revision

part = sa.table(
    'wf_participant', sa.column('id', sa.Integer), sa.column('instance_id', sa.Integer),
    sa.column('round', sa.Integer), sa.column('key', sa.String), sa.column('choice', sa.String),
)
inst = sa.table('wf_instance', sa.column('id', sa.Integer), sa.column('workflow', sa.String))
ballot = sa.table(
    'wf_ballot', sa.column('id', sa.String), sa.column('instance_id', sa.Integer),
    sa.column('round', sa.Integer), sa.column('choice', sa.String),
)
nomination = sa.table(
    'nomination', sa.column('id', sa.Integer), sa.column('instance_id', sa.Integer),
    sa.column('block_tally', sa.JSON), sa.column('council_tally', sa.JSON),
)


def upgrade() -> None:
    op.create_table('wf_ballot',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('choice', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['wf_instance.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sqlite_with_rowid=False,
    )
    op.create_index('ix_wf_ballot_round', 'wf_ballot', ['instance_id', 'round'], unique=False)

    conn = op.get_bind()
    secret = sa.select(inst.c.id).where(inst.c.workflow.in_(SECRET_WORKFLOWS))
    rows = conn.execute(
        sa.select(part.c.instance_id, part.c.round, part.c.key, part.c.choice).where(
            part.c.instance_id.in_(secret), part.c.choice.is_not(None), part.c.choice != 'cast'
        )
    ).all()
    rounds: dict[tuple[int, int], list[str]] = defaultdict(list)
    kinds: dict[tuple[int, str], int] = {}
    for iid, rnd, key, choice in rows:
        rounds[(iid, rnd)].append(choice)
        kind = 'block' if key.startswith('unit:') else 'council'
        kinds[(iid, kind)] = max(kinds.get((iid, kind), 0), rnd)
    for (iid, rnd), choices in rounds.items():
        ballots = sorted((secrets.token_hex(10), c) for c in choices)
        conn.execute(ballot.insert(), [
            {'id': i, 'instance_id': iid, 'round': rnd, 'choice': c} for i, c in ballots
        ])
    conn.execute(
        part.update()
        .where(part.c.instance_id.in_(secret), part.c.choice.is_not(None))
        .values(choice='cast')
    )
    # a closed vote's stored count names its round, for the list of ballots by receipt
    for nid, iid, block, council in conn.execute(
        sa.select(nomination.c.id, nomination.c.instance_id, nomination.c.block_tally,
                  nomination.c.council_tally)
    ).all():
        values = {}
        for name, tally in (('block', block), ('council', council)):
            found = kinds.get((iid, name))
            if tally is not None and found and 'round' not in tally:
                values[f'{name}_tally'] = {**tally, 'round': found}
        if values:
            conn.execute(nomination.update().where(nomination.c.id == nid).values(**values))


def downgrade() -> None:
    conn = op.get_bind()
    left: dict[tuple[int, int], list[str]] = defaultdict(list)
    for iid, rnd, choice in conn.execute(
        sa.select(ballot.c.instance_id, ballot.c.round, ballot.c.choice)
    ).all():
        left[(iid, rnd)].append(choice)
    for (iid, rnd), choices in left.items():
        cast = conn.execute(
            sa.select(part.c.id).where(
                part.c.instance_id == iid, part.c.round == rnd, part.c.choice == 'cast'
            ).order_by(part.c.id)
        ).scalars().all()
        for pid, choice in zip(cast, choices):
            conn.execute(part.update().where(part.c.id == pid).values(choice=choice))
    op.drop_index('ix_wf_ballot_round', table_name='wf_ballot')
    op.drop_table('wf_ballot')

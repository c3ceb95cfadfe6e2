"""The engine's tables: stored definitions, instances, the audit log, participants, timers, tasks.

Naive UTC datetimes (`wflow.clock.utcnow`), `sa.JSON` for JSON; works on SQLite and PostgreSQL.
The hot firing path does not use these classes as ORM objects: it runs Core statements
built once over their `__table__` (see `wflow.engine.statements`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from wflow.clock import utcnow


class WfDefinition(SQLModel, table=True):
    """The source text of one version of one workflow, as it was first loaded."""

    __tablename__ = "wf_definition"
    __table_args__ = (sa.UniqueConstraint("name", "version", name="uq_wf_definition_name_version"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    version: int
    sha256: str = Field(max_length=64)
    source: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    path: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime)


class WfInstance(SQLModel, table=True):
    """One running (or finished) workflow about one subject row.

    `lock_version` is the optimistic lock (bumped by every successful fire), `entry` counts
    the state entries (participants and timers belong to one entry), `last_seq`/`last_hash`
    are the head of the audit chain.
    """

    __tablename__ = "wf_instance"
    __table_args__ = (
        sa.Index("ix_wf_instance_workflow_state", "workflow", "state"),
        sa.Index("ix_wf_instance_subject", "subject_type", "subject_id"),
        sa.Index("ix_wf_instance_council_id", "council_id"),
        sa.Index("ix_wf_instance_year_block", "year", "block_id"),  # the committee reads a year
        # a block's instances (of a year, of a workflow: the committee's newest pact per block)
        sa.Index("ix_wf_instance_block_year_workflow", "block_id", "year", "workflow"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workflow: str = Field(max_length=100)
    version: int
    state: str = Field(max_length=100)
    subject_type: str = Field(max_length=100)
    subject_id: int
    unit_id: int | None = None
    block_id: int | None = None
    year: int | None = None
    council_id: int | None = None  # whose committee acts on it (an id the domain gives)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
    lock_version: int = 1
    entry: int = 1
    last_seq: int = 0
    last_hash: str = Field(default="", max_length=64)
    due_at: datetime | None = Field(default=None, sa_type=sa.DateTime)  # current deadline
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime)


class WfEvent(SQLModel, table=True):
    """One audit event, append-only, chained per instance by `hash` (see wflow.engine.audit)."""

    __tablename__ = "wf_event"
    __table_args__ = (sa.UniqueConstraint("instance_id", "seq", name="uq_wf_event_instance_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    instance_id: int = Field(foreign_key="wf_instance.id")
    seq: int
    version: int  # the instance's lock_version after this event
    at: datetime = Field(sa_type=sa.DateTime)
    actor_user_id: int | None = None
    actor_unit_id: int | None = None
    actor_name: str = Field(default="", max_length=200)
    trigger: str = Field(max_length=100)
    source: str = Field(default="", max_length=100)
    dest: str = Field(max_length=100)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(max_length=64)
    # the format of `hash` (wflow.engine.audit): 1 for events written before migration 0020
    hash_v: int = Field(default=2, sa_column_kwargs={"server_default": "1"})
    # the instance's data after this event, when the event changed it (None: unchanged)
    data_after: dict[str, Any] | None = Field(
        default=None, sa_column=sa.Column(sa.JSON(none_as_null=True), nullable=True)
    )


class WfParticipant(SQLModel, table=True):
    """One party of a participation step (one state entry = one round)."""

    __tablename__ = "wf_participant"
    __table_args__ = (
        sa.UniqueConstraint("instance_id", "round", "key", name="uq_wf_participant_round_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    instance_id: int = Field(foreign_key="wf_instance.id")
    round: int  # the instance's entry number when the step was entered
    position: int
    stage: int = 0  # parallel steps open stage by stage (e.g. the leader signs last)
    key: str = Field(max_length=200)
    principal: str = Field(max_length=200)
    label: str = Field(default="", max_length=300)
    # None | act | refuse | abstain; "cast" in a secret step (the choice is a WfBallot)
    choice: str | None = Field(default=None, max_length=10)
    acted_at: datetime | None = Field(default=None, sa_type=sa.DateTime)
    actor_user_id: int | None = None
    data: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))


class WfBallot(SQLModel, table=True):
    """A secret step's ballot: the choice alone, stored apart from who cast it.

    Its id is random (the voter's receipt); it has no voter, time, position or data. The
    participant row of whoever cast it says only "cast". A round's ballots are rewritten in
    id order at each vote (`participation.cast_ballot`), so neither their physical order nor
    PostgreSQL's transaction ids pair a ballot with a participation; on SQLite the table has
    no rowid and is kept in id order.
    """

    __tablename__ = "wf_ballot"
    __table_args__ = (
        sa.Index("ix_wf_ballot_round", "instance_id", "round"),
        {"sqlite_with_rowid": False},
    )

    id: str = Field(primary_key=True, max_length=32)
    instance_id: int = Field(foreign_key="wf_instance.id")
    round: int
    choice: str = Field(max_length=10)  # act | refuse | abstain
    # a ballot paper's choice per name ({"12": "act", "13": "refuse"}), when one vote
    # decides on many (a dossier's nominees); None for a single choice
    paper: dict[str, str] | None = Field(default=None, sa_column=sa.Column(sa.JSON))


class WfTimer(SQLModel, table=True):
    """A deadline or reminder set when a state was entered; cancelled when the state is left."""

    __tablename__ = "wf_timer"
    __table_args__ = (
        sa.Index("ix_wf_timer_due", "fired_at", "due_at"),
        sa.Index("ix_wf_timer_instance", "instance_id", "entry"),
    )

    id: int | None = Field(default=None, primary_key=True)
    instance_id: int = Field(foreign_key="wf_instance.id")
    entry: int
    kind: str = Field(max_length=10)  # deadline | reminder
    trigger: str = Field(max_length=100)
    due_at: datetime = Field(sa_type=sa.DateTime)
    fired_at: datetime | None = Field(default=None, sa_type=sa.DateTime)
    cancelled: bool = False


class WfTask(SQLModel, table=True):
    """Who may fire what now: one row per (instance, trigger, principal), rewritten on change.

    Clustered by instance on SQLite (WITHOUT ROWID): a state change rewrites one page
    instead of three, which the firing path measurably feels. `work` tells whether the row
    is work to do (`Definition.is_work`), so a person's count is one query on the index of
    (principal, work, instance, due_at, block); NULL only for rows from before the column,
    classified when a server first syncs its versions (`Engine.sync_versions`). `block_id` is
    the instance's (which never changes), so a person's work grouped by block and deadline
    reads the index alone, no instance. `announced` is False on a row of work that just
    appeared and nobody has been told of yet: the task index is the outbox of the
    notifications (`Engine.claim_news`), kept small by a partial index.
    """

    __tablename__ = "wf_task"
    __table_args__ = (
        # due_at and block_id too: a person's work grouped by instance, earliest deadline and
        # block (home, the inbox) reads the index alone
        sa.Index(
            "ix_wf_task_principal_work_due_block",
            "principal",
            "work",
            "instance_id",
            "due_at",
            "block_id",
        ),
        sa.Index(
            "ix_wf_task_news",
            "instance_id",
            sqlite_where=sa.text("announced = 0"),
            postgresql_where=sa.text("announced = false"),
        ),
        {"sqlite_with_rowid": False},
    )

    instance_id: int = Field(foreign_key="wf_instance.id", primary_key=True)
    trigger: str = Field(max_length=100, primary_key=True)
    principal: str = Field(max_length=200, primary_key=True)
    due_at: datetime | None = Field(default=None, sa_type=sa.DateTime)
    work: bool | None = None
    announced: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    block_id: int | None = None


TABLES: tuple[sa.Table, ...] = tuple(
    getattr(m, "__table__")  # noqa: B009 (SQLModel classes are not typed with __table__)
    for m in (WfDefinition, WfInstance, WfEvent, WfParticipant, WfBallot, WfTimer, WfTask)
)

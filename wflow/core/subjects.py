"""Workflow subjects: the kinds of rows a workflow instance is about, and the verbs on any of them.

Each feature registers its kind once (model, workflow, scope, who may view, words for people,
page); `state`, `states`, `start`, `fire` and `may_view` then work for every kind, so a new
kind of workflow needs a model, a YAML file and one `SubjectKind`. What a state means to the
code is asked of its tags (`tagged`, `has_tag`), never of its name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import defer
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from wflow.core import installation
from wflow.core import workflow as wf
from wflow.core.access import Action, is_committee, may, oversees, unit_seats
from wflow.core.errors import NotFound
from wflow.core.uow import unit_of_work
from wflow.councils import service as councils
from wflow.engine import Engine, FireResult, Scope, WfInstance
from wflow.org.models import Unit, User
from wflow.org.service import clean_text


class Subject(Protocol):
    """A row a workflow instance is about (a plan, a pact, a review…)."""

    id: int | None
    instance_id: int | None


S = TypeVar("S", bound=Subject)
Viewer = Callable[[Session, User, Any], bool]


@dataclass(frozen=True)
class SubjectKind(Generic[S]):
    """One kind of workflow subject: everything generic code needs to know about it."""

    name: str  # the scope's subject_type, e.g. "plan"
    model: type[S]
    workflow: str  # the name of its definition in workflows/
    scope: Callable[[S], Scope]  # unit, block and year the instance is about
    may_view: Callable[[Session, User, S], bool]  # its pages, documents and instance
    title: Callable[[Session, S], str]  # the words people see for it
    endpoint: str  # its page, with `<name>_id` (or `id_arg`) as the only argument
    # who else sees its generic instance page (e.g. the block leader who publishes reviews)
    instance_viewers: Callable[[Session, User, S], bool] | None = None
    id_arg: str = ""  # the page's argument when it is not `<name>_id`
    # the other rows its title reads (besides units), loaded at once for many subjects
    related: Callable[[Session, Sequence[S]], list[Any]] | None = None
    # the ids of its subjects a unit's people may see besides their unit's and their blocks'
    # (a review's reviewer, a campaign's participants), as a query on the unit's id: a list
    # of instances asks SQL for these before `may_view` decides on each
    also_seen: Callable[[int], sa.Select[Any]] | None = None

    def link(self, subject: S) -> tuple[str, dict[str, int]]:
        """Return the endpoint and arguments of the subject's page (for `url_for`)."""
        return self.endpoint, {self.id_arg or f"{self.name}_id": subject.id or 0}


KINDS: dict[str, SubjectKind[Any]] = {}


def register(kind: SubjectKind[Any]) -> SubjectKind[Any]:
    """Make `kind` known to the generic verbs (once per name)."""
    existing = KINDS.get(kind.name)
    if existing is not None and existing is not kind:
        raise ValueError(f"subject kind {kind.name!r} is registered twice")
    KINDS[kind.name] = kind
    return kind


def kind_of(subject: Subject) -> SubjectKind[Any]:
    """Return the registered kind of a subject row."""
    for kind in KINDS.values():
        if isinstance(subject, kind.model):
            return kind
    raise LookupError(f"{type(subject).__name__} is not a registered workflow subject")


def _initial(session: Session, kind: SubjectKind[Any]) -> str:
    engine = installation.workflows_of(session)
    return engine.definitions[kind.workflow].initial


def state(session: Session, subject: Subject) -> str:
    """Return the workflow state of `subject` read fresh (its initial state before it starts)."""
    if subject.instance_id is None:
        return _initial(session, kind_of(subject))
    query = select(WfInstance.state).where(WfInstance.id == subject.instance_id)
    return session.exec(query).first() or _initial(session, kind_of(subject))


def tagged(session: Session, kind_or_workflow: SubjectKind[Any] | str, tag: str) -> frozenset[str]:
    """Return the states carrying `tag` in any loaded version of a kind's (or named) workflow.

    Every loaded version counts, so a query or a comparison also holds for the instances
    still driven by an older version of the definition.
    """
    workflow = kind_or_workflow if isinstance(kind_or_workflow, str) else kind_or_workflow.workflow
    return installation.workflows_of(session).tagged(workflow, tag)


def has_tag(session: Session, subject: Subject, tag: str) -> bool:
    """Tell whether the subject's current state (read fresh) carries `tag`."""
    return state(session, subject) in tagged(session, kind_of(subject), tag)


def states(session: Session, subjects: Iterable[Subject]) -> dict[int, str]:
    """Return the workflow state of each subject, by subject id (one query)."""
    by_instance = {x.instance_id: x.id or 0 for x in subjects if x.instance_id}
    if not by_instance:
        return {}
    rows = session.exec(
        select(WfInstance.id, WfInstance.state).where(col(WfInstance.id).in_(by_instance))
    ).all()
    return {by_instance[i or 0]: found for i, found in rows}


def start(
    session: Session,
    engine: Engine,
    subject: Subject,
    user: User | None,
    data: Mapping[str, Any] | None = None,
) -> int:
    """Start the subject's workflow (in the caller's unit of work); return the instance id."""
    kind = kind_of(subject)
    with unit_of_work(session):
        if subject.id is None:
            session.add(subject)
            session.flush()
        subject.instance_id = wf.start(session, engine, kind.workflow, kind.scope(subject), user,
                                       data)  # fmt: skip
        session.add(subject)
    return subject.instance_id


def fire(
    session: Session,
    engine: Engine,
    *,
    user: User | None,
    subject: Subject,
    trigger: str,
    data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
) -> FireResult:
    """Fire a trigger on the subject's workflow as `user` (roles and guards by the engine).

    `user` None is the system: a scheduled job firing a `system: true` trigger.
    """
    if subject.instance_id is None:
        raise NotFound(_l("This has no workflow."))
    return wf.fire(session, engine, user, subject.instance_id, trigger, data, expected_version)


def fire_with_reason(
    session: Session,
    engine: Engine,
    *,
    user: User,
    subject: Subject,
    trigger: str,
    reason: str = "",
    expected_version: int | None = None,
) -> FireResult:
    """Fire `trigger` with the person's reason when one is given (steps that ask for one)."""
    text = clean_text(reason, "reason", max_len=2000, required=False)
    data = {"reason": text} if text else {}
    return fire(session, engine, user=user, subject=subject, trigger=trigger, data=data,
                expected_version=expected_version)  # fmt: skip


def may_view(session: Session, user: User | None, subject: Subject) -> bool:
    """Tell whether `user` may see the subject, its documents and its pages."""
    return user is not None and user.is_active and kind_of(subject).may_view(session, user, subject)


def visible(session: Session, user: User, subjects: Iterable[S]) -> list[S]:
    """Return the subjects `user` may see, in their order."""
    return [s for s in subjects if may_view(session, user, s)]


def may_view_instance(session: Session, user: User | None, row: WfInstance) -> bool:
    """Tell whether `user` may see a workflow instance: by its subject's rule when it has one.

    An instance about no registered subject is seen by its unit, its block that year, and the
    committee.
    """
    if user is None or not user.is_active:
        return False
    kind = KINDS.get(row.subject_type or "")
    subject = session.get(kind.model, row.subject_id) if kind is not None else None
    if kind is not None and subject is not None:
        extra = kind.instance_viewers
        return kind.may_view(session, user, subject) or bool(
            extra and extra(session, user, subject)
        )
    if row.unit_id is not None and may(session, user, Action.VIEW, unit_id=row.unit_id):
        return True
    if row.block_id is not None:
        return may(session, user, Action.VIEW, block_id=row.block_id, year=row.year)
    return oversees(session, user, row.council_id)


def _ruled(session: Session, user: User, rows: Sequence[WfInstance]) -> list[WfInstance]:
    """Return the instances `user` may see by their subjects' rules, in their order."""
    # each rule reads the instance's subject: read them at once, not one per row, and keep them
    # alive while the rules run (the identity map holds them weakly)
    loaded = preload(session, rows)
    visible = [r for r in rows if may_view_instance(session, user, r)]
    del loaded
    return visible


def instances_seen(
    session: Session,
    user: User,
    query: SelectOfScalar[WfInstance],
    *,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[list[WfInstance], int]:
    """Return the instances of `query` that `user` may see, in its order, `limit` of them (all
    when None) from `offset`, and how many there are in all.

    The committee's are decided in SQL, counted and cut there (`_committee_sees`); anyone
    else's are narrowed in SQL to their unit's, their blocks' and what each kind lets a unit
    see besides (`SubjectKind.also_seen`), and the subjects' rules decide on those. The list
    needs no instance's data: it is left unread.
    """
    if not user.is_active:
        return [], 0
    unread = defer(WfInstance.data)  # type: ignore[arg-type]
    if is_committee(user):
        narrowed = query.where(_committee_sees(session, user)).options(unread)
        total = session.exec(select(func.count()).select_from(narrowed.subquery())).one()
        return list(session.exec(narrowed.offset(offset).limit(limit)).all()), total
    narrowed = query.where(_unit_may_see(session, user)).options(unread)
    rows = _ruled(session, user, session.exec(narrowed).all())
    return rows[offset : None if limit is None else offset + limit], len(rows)


def _committee_sees(session: Session, user: User) -> sa.ColumnElement[bool]:
    """Return the condition on the instances a committee member sees: those its councils (its
    own and those below) act on, or whose block (else unit) is theirs, as the subjects'
    rules have it (`councils.of_scope`), which counts a nomination carried up to a higher
    council among the proposing council's."""
    seen = councils.seen_by(session, user)
    return sa.or_(
        col(WfInstance.council_id).in_(seen),
        col(WfInstance.block_id).in_(councils.blocks_in(seen)),
        col(WfInstance.block_id).is_(None) & col(WfInstance.unit_id).in_(councils.units_in(seen)),
    )


def _unit_may_see(session: Session, user: User) -> sa.ColumnElement[bool]:
    """Return a condition every instance a unit's person may see meets (and a few more): their
    unit's, their blocks' in any year, and the ids each kind lets a unit see besides."""
    if user.unit_id is None:
        return sa.false()
    unit = user.unit_id
    blocks = sorted({block for block, _year, _position in unit_seats(session, user)})
    beyond = [(kind.name, kind.also_seen(unit)) for kind in KINDS.values() if kind.also_seen]
    return sa.or_(
        col(WfInstance.unit_id) == unit,
        col(WfInstance.block_id).in_(blocks),
        *(sa.and_(col(WfInstance.subject_type) == name, col(WfInstance.subject_id).in_(ids))
          for name, ids in beyond),
    )  # fmt: skip


def title(session: Session, subject: Subject) -> str:
    """Return the words people see for a subject (never a bare number)."""
    return kind_of(subject).title(session, subject)


def preload(session: Session, rows: Sequence[WfInstance]) -> list[Any]:
    """Load the subjects and units of many instances in a query per kind and PRELOAD_CHUNK
    ids (not one per row; a bound parameter per id).

    Describing them then finds these rows in the session's identity map; the caller keeps the
    returned list alive while it describes (the map holds its objects weakly).
    """
    wanted: dict[str, set[int]] = {}
    for row in rows:
        wanted.setdefault(row.subject_type or "", set()).add(row.subject_id)
    loaded: list[Any] = []
    for name, ids in wanted.items():
        kind = KINDS.get(name)
        if kind is not None:
            found = _by_ids(session, kind.model, ids)
            loaded += found + (kind.related(session, found) if kind.related and found else [])
    units = {r.unit_id for r in rows if r.unit_id} | {
        u for u in (getattr(s, "unit_id", None) for s in loaded) if isinstance(u, int)
    }
    return loaded + _by_ids(session, Unit, units)


PRELOAD_CHUNK = 500  # ids read in one query by `preload`


def _by_ids(session: Session, model: Any, ids: set[int]) -> list[Any]:
    """Return the rows of `model` with these ids, PRELOAD_CHUNK ids a query."""
    ordered = sorted(ids)
    return [row for i in range(0, len(ordered), PRELOAD_CHUNK)
            for row in session.exec(select(model).where(
                col(model.id).in_(ordered[i : i + PRELOAD_CHUNK]))).all()]  # fmt: skip


def subject_of(session: Session, row: WfInstance) -> Subject | None:
    """Return the row an instance is about, when its kind is registered."""
    kind = KINDS.get(row.subject_type or "")
    return session.get(kind.model, row.subject_id) if kind is not None else None

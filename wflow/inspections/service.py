"""Verbs on inspections: plan, begin, record findings and recommendations, answer, close.

The council's secretariat plans an inspection of a unit or a block, begins it, records its
findings and its recommendations (each with an owner unit, optionally a person's name, and a
due date) and closes each recommendation once its owner has answered; the owner's head or
staff answer. When no recommendation is left open the inspection moves on by itself
(`all_answered`); the secretariat closes it once every recommendation is closed. A
recommendation past its due date and not closed is overdue: `overdue` and `owner_work` list
those the committee's dashboard and the owner's inbox show.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from wflow.clock import utcnow
from wflow.core import subjects
from wflow.core.access import Action, may
from wflow.core.errors import Conflict, Forbidden, NotFound, ServiceError
from wflow.core.uow import transactional
from wflow.councils import service as councils
from wflow.engine import Engine, FireResult, WfInstance
from wflow.inspections.models import Inspection, Recommendation, RecommendationState
from wflow.inspections.subject import INSPECTION
from wflow.org.models import Block, BlockMembership, Role, Unit, User
from wflow.org.service import clean_text

WORKFLOW = "inspection"
TRIGGERS = ("begin", "close", "cancel")  # fired from the inspection's page as they are
REASON_TRIGGERS = ("cancel",)  # the step asks for a reason
OPEN = RecommendationState.OPEN.value
ANSWERED = RecommendationState.ANSWERED.value
CLOSED = RecommendationState.CLOSED.value
_NOT_CLOSED = tuple(s.value for s in RecommendationState if s.value != CLOSED)
ONLY_SECRETARIAT = _l("Only the council's secretariat plans inspections and records their "
                      "findings.")  # fmt: skip


@dataclass(frozen=True)
class InspectionInput:
    """What the secretariat plans: the target ("unit:<id>" or "block:<id>"), who, why, when."""

    title: str
    inspecting_body: str
    lead_name: str
    target: str
    basis: str
    scope: str
    starts_on: date | None
    ends_on: date | None


@dataclass(frozen=True)
class RecommendationInput:
    """A recommendation: what to do, which unit (and person) answers for it, by when."""

    text: str
    owner_unit_id: int | None
    owner_person: str
    due_on: date | None


# --- who may do what ---------------------------------------------------------------------


def is_secretariat(user: User | None) -> bool:
    """Tell whether `user` works for the council's secretariat (plans and follows up)."""
    return user is not None and user.is_active and user.has_role(Role.SECRETARIAT)


def may_answer(session: Session, user: User | None, rec: Recommendation) -> bool:
    """Tell whether `user` acts for the recommendation's owner unit (its head or staff)."""
    return may(session, user, Action.ACT, unit_id=rec.owner_unit_id)


def _secretariat(user: User) -> None:
    if not is_secretariat(user):
        raise Forbidden(ONLY_SECRETARIAT)


# --- planning ----------------------------------------------------------------------------


def targets(session: Session, council_id: int) -> tuple[list[Unit], list[Block]]:
    """Return what the council may inspect: its units and blocks, by name."""
    units = session.exec(select(Unit).where(Unit.council_id == council_id)
                         .order_by(col(Unit.name), col(Unit.id))).all()  # fmt: skip
    blocks = session.exec(select(Block).where(Block.council_id == council_id)
                          .order_by(col(Block.name), col(Block.id))).all()  # fmt: skip
    return list(units), list(blocks)


def _target(session: Session, raw: str, council_id: int) -> tuple[int | None, int | None]:
    """Return (unit id, block id) of the chosen target, refusing one outside the council."""
    kind, _sep, ident = str(raw or "").partition(":")
    if ident.isdigit() and kind == "unit" and councils.of_unit(session, int(ident)) == council_id:
        return int(ident), None
    if ident.isdigit() and kind == "block" and councils.of_block(session, int(ident)) == council_id:
        return None, int(ident)
    raise ServiceError(_l("Choose the unit or block to inspect."), "target")


def _clean(session: Session, given: InspectionInput, row: Inspection, council_id: int) -> None:
    """Check the plan and write it into `row` (ServiceError naming the first wrong field)."""
    row.title = clean_text(given.title, "title", max_len=300)
    row.inspecting_body = clean_text(given.inspecting_body, "inspecting_body", max_len=200)
    row.lead_name = clean_text(given.lead_name, "lead_name", max_len=120, required=False)
    row.unit_id, row.block_id = _target(session, given.target, council_id)
    row.basis = clean_text(given.basis, "basis", max_len=5000, required=False)
    row.scope = clean_text(given.scope, "scope", max_len=5000, required=False)
    if given.starts_on is None or not date(2000, 1, 1) <= given.starts_on <= date(2200, 12, 31):
        raise ServiceError(_l("Give the first day of the inspection."), "starts_on")
    if given.ends_on is None or given.ends_on < given.starts_on:
        raise ServiceError(_l("Give the last day of the inspection, on or after the first."),
                           "ends_on")  # fmt: skip
    if (given.ends_on - given.starts_on).days > 366:
        raise ServiceError(_l("An inspection lasts a year at most."), "ends_on")
    row.starts_on, row.ends_on, row.year = given.starts_on, given.ends_on, given.starts_on.year


@transactional
def plan(session: Session, engine: Engine, *, user: User, given: InspectionInput) -> Inspection:
    """Plan an inspection of a unit or a block (the secretariat); start its workflow."""
    _secretariat(user)
    row = Inspection(title="", inspecting_body="", year=0, starts_on=date.min, ends_on=date.min,
                     created_by_user_id=user.id)  # fmt: skip
    _clean(session, given, row, councils.of_user(session, user))
    session.add(row)
    session.flush()
    subjects.start(session, engine, row, user)
    return row


def act(
    session: Session, engine: Engine, *, user: User, row: Inspection, trigger: str,
    reason: str = "", expected_version: int | None = None,
) -> FireResult:  # fmt: skip
    """Begin, close or cancel the inspection (the engine checks the role and the guards)."""
    if trigger not in TRIGGERS:
        raise NotFound(_l("Unknown action."))
    with_reason = trigger in REASON_TRIGGERS
    return subjects.fire_with_reason(session, engine, user=user, subject=row, trigger=trigger,
                                     reason=reason if with_reason else "",
                                     expected_version=expected_version)  # fmt: skip


# --- findings and recommendations --------------------------------------------------------


@transactional
def record_findings(
    session: Session, engine: Engine, *, user: User, row: Inspection, findings: str,
    expected_version: int | None = None,
) -> Inspection:  # fmt: skip
    """Write the inspection's findings; the first time, issue them with its recommendations."""
    _secretariat(user)
    text = clean_text(findings, "findings", max_len=20_000)
    state = subjects.state(session, row)
    if state != "in_progress" and not subjects.has_tag(session, row, "following_up"):
        raise Conflict(_l("Findings are recorded once the inspection has begun."), "findings")
    if state not in subjects.tagged(session, INSPECTION, "recording"):
        raise Conflict(_l("Every recommendation is answered: the findings stay as issued."),
                       "findings")  # fmt: skip
    row.findings, row.updated_at = text, utcnow()
    session.add(row)
    session.flush()
    if state == "in_progress":
        row.findings_recorded_at = utcnow()
        subjects.fire(session, engine, user=user, subject=row, trigger="record_findings",
                      expected_version=expected_version)  # fmt: skip
        _settle(session, engine, row)
    return row


def owners(session: Session, row: Inspection) -> list[Unit]:
    """Return the units that may own a recommendation: the inspected unit and the units under
    it, or the block's member units in the inspection's year."""
    if row.unit_id is not None:
        query = select(Unit).where(
            sa.or_(col(Unit.id) == row.unit_id, col(Unit.parent_id) == row.unit_id)
        )
    else:
        members = select(BlockMembership.unit_id).where(
            BlockMembership.block_id == row.block_id, BlockMembership.year == row.year
        )
        query = select(Unit).where(col(Unit.id).in_(members))
    return list(session.exec(query.order_by(col(Unit.name), col(Unit.id))).all())


@transactional
def add_recommendation(
    session: Session, *, user: User, row: Inspection, given: RecommendationInput
) -> Recommendation:
    """Add a recommendation to the inspection (the secretariat, until the answers are in)."""
    _secretariat(user)
    if not subjects.has_tag(session, row, "recording"):
        raise Conflict(_l("Recommendations are added until their answers are in."), "text")
    text = clean_text(given.text, "text", max_len=5000)
    allowed = {u.id for u in owners(session, row)}
    if given.owner_unit_id is None or given.owner_unit_id not in allowed:
        raise ServiceError(_l("Choose the inspected unit, or a unit of the inspected block."),
                           "owner_unit_id")  # fmt: skip
    person = clean_text(given.owner_person, "owner_person", max_len=120, required=False)
    if given.due_on is None or given.due_on < row.starts_on or given.due_on.year > 2200:
        raise ServiceError(_l("Give a due date on or after the inspection's first day."),
                           "due_on")  # fmt: skip
    rec = Recommendation(
        inspection_id=row.id or 0, text=text, owner_unit_id=given.owner_unit_id,
        owner_person=person, due_on=given.due_on, created_by_user_id=user.id,
    )  # fmt: skip
    session.add(rec)
    session.flush()
    return rec


def _followed_up(session: Session, rec: Recommendation) -> Inspection:
    """Return the recommendation's inspection, refusing one whose findings are not issued."""
    row = session.get(Inspection, rec.inspection_id)
    if row is None:
        raise NotFound(_l("This inspection does not exist."))
    if not subjects.has_tag(session, row, "following_up"):
        raise Conflict(_l("The recommendation is answered once the findings are issued."))
    return row


@transactional
def answer(
    session: Session, engine: Engine, *, user: User, rec: Recommendation, text: str
) -> Recommendation:
    """Answer a recommendation (its owner unit's head or staff); an answer may be amended until
    the secretariat closes it."""
    if not may_answer(session, user, rec):
        raise Forbidden(_l("Only the head or staff of the unit in charge answer this "
                           "recommendation."))  # fmt: skip
    if rec.state == CLOSED:
        raise Conflict(_l("This recommendation is closed."), "answer")
    row = _followed_up(session, rec)
    rec.answer = clean_text(text, "answer", max_len=20_000)
    rec.state, rec.answered_at, rec.answered_by_user_id = ANSWERED, utcnow(), user.id
    session.add(rec)
    session.flush()
    _settle(session, engine, row)
    return rec


@transactional
def close_recommendation(
    session: Session, engine: Engine, *, user: User, rec: Recommendation, note: str = ""
) -> Recommendation:
    """Close a recommendation as carried out (the secretariat), with its assessment."""
    _secretariat(user)
    if rec.state == CLOSED:
        raise Conflict(_l("This recommendation is closed."), "note")
    row = _followed_up(session, rec)
    rec.close_note = clean_text(note, "note", max_len=5000, required=False)
    rec.state, rec.closed_at, rec.closed_by_user_id = CLOSED, utcnow(), user.id
    session.add(rec)
    session.flush()
    _settle(session, engine, row)
    return rec


def _settle(session: Session, engine: Engine, row: Inspection) -> None:
    """Move the inspection on when its findings are issued and no recommendation is open."""
    if subjects.state(session, row) != "findings_recorded":
        return
    still = select(Recommendation.id).where(
        Recommendation.inspection_id == row.id, Recommendation.state == OPEN
    )
    if session.exec(still).first() is None:
        subjects.fire(session, engine, user=None, subject=row, trigger="all_answered")


# --- lists -------------------------------------------------------------------------------


def recommendations(session: Session, row: Inspection) -> list[Recommendation]:
    """Return the inspection's recommendations, by due date."""
    query = select(Recommendation).where(Recommendation.inspection_id == row.id)
    return list(session.exec(query.order_by(col(Recommendation.due_on),
                                            col(Recommendation.id))).all())  # fmt: skip


def listed(
    session: Session,
    *,
    state: str | None = None,
    unit_id: int | None = None,
    year: int | None = None,
) -> list[Inspection]:
    """Return the inspections (in a state, of a unit or owning a recommendation, of a year),
    newest first."""
    query = select(Inspection)
    if state:
        query = query.join(WfInstance, col(WfInstance.id) == col(Inspection.instance_id)).where(
            WfInstance.state == state
        )
    if unit_id is not None:
        owned = select(Recommendation.inspection_id).where(Recommendation.owner_unit_id == unit_id)
        query = query.where(
            sa.or_(col(Inspection.unit_id) == unit_id, col(Inspection.id).in_(owned))
        )
    if year:
        query = query.where(Inspection.year == year)
    order = (col(Inspection.starts_on).desc(), col(Inspection.id).desc())
    return list(session.exec(query.order_by(*order)).all())


def _late(today: date | sa.BindParameter[date]) -> sa.ColumnElement[bool]:
    """Return the condition of a recommendation past due and not closed on `today`.

    "Not closed" is written as the states that are not (`state != closed` would be the same
    rows): a list of states the index on (state, due_on) can look up, where SQLite read every
    instance of the council to find the few recommendations past due.
    """
    return sa.and_(col(Recommendation.state).in_(_NOT_CLOSED), col(Recommendation.due_on) < today)


def _following_up(session: Session) -> frozenset[str]:
    return subjects.tagged(session, INSPECTION, "following_up")


@cache
def _overdue_query(by_unit: bool, by_council: bool) -> Select[Recommendation, Inspection]:
    """Return the statement of `overdue`, built once per kind (values bound per call)."""
    query = (
        select(Recommendation, Inspection)
        .join(Inspection, col(Inspection.id) == col(Recommendation.inspection_id))
        .join(WfInstance, col(WfInstance.id) == col(Inspection.instance_id))
        .where(_late(sa.bindparam("today", type_=sa.Date)),
               col(WfInstance.state).in_(sa.bindparam("states", expanding=True)))
    )  # fmt: skip
    if by_unit:
        query = query.where(col(Recommendation.owner_unit_id) == sa.bindparam("unit"))
    if by_council:
        query = query.where(
            col(WfInstance.council_id).in_(sa.bindparam("councils", expanding=True))
        )
    return query.order_by(col(Recommendation.due_on), col(Recommendation.id))


def overdue(
    session: Session,
    today: date,
    *,
    unit_id: int | None = None,
    councils: Collection[int] | None = None,
) -> list[tuple[Recommendation, Inspection]]:
    """Return the issued recommendations past due and not closed (of an owner unit; of the
    inspections of `councils`), oldest due first, with their inspections (one query)."""
    values: dict[str, Any] = {"today": today, "states": sorted(_following_up(session))}
    if unit_id is not None:
        values["unit"] = unit_id
    if councils is not None:
        values["councils"] = sorted(councils)
    query = _overdue_query(unit_id is not None, councils is not None)
    return [(r, i) for r, i in session.exec(query, params=values).all()]


def _owner_work(
    unit_id: int | sa.BindParameter[int | None],
    today: date | sa.BindParameter[date],
    states: frozenset[str] | sa.BindParameter[list[str]],
) -> sa.ColumnElement[bool]:
    """Return the condition of an owner's work: open, or past due and not closed."""
    return sa.and_(
        col(Recommendation.owner_unit_id) == unit_id,
        col(WfInstance.state).in_(states),
        sa.or_(
            col(Recommendation.state) == OPEN,
            _late(today),
        ),
    )


def owner_work(
    session: Session, unit_id: int, today: date
) -> list[tuple[Recommendation, Inspection]]:
    """Return what an owner unit should see in its inbox: its issued recommendations still to
    answer, and those past due until they are closed."""
    query = (
        select(Recommendation, Inspection)
        .join(Inspection, col(Inspection.id) == col(Recommendation.inspection_id))
        .join(WfInstance, col(WfInstance.id) == col(Inspection.instance_id))
        .where(_owner_work(unit_id, today, _following_up(session)))
        .order_by(col(Recommendation.due_on), col(Recommendation.id))
    )
    return [(r, i) for r, i in session.exec(query).all()]


def _to_assess(states: frozenset[str] | sa.BindParameter[list[str]]) -> sa.ColumnElement[bool]:
    """Return the condition of an answer the secretariat has yet to assess."""
    return sa.and_(col(Recommendation.state) == ANSWERED, col(WfInstance.state).in_(states))


def answers_to_assess(session: Session) -> list[tuple[Recommendation, Inspection]]:
    """Return the answered recommendations the secretariat has not closed yet, oldest due
    first, with their inspections (one query)."""
    query = (
        select(Recommendation, Inspection)
        .join(Inspection, col(Inspection.id) == col(Recommendation.inspection_id))
        .join(WfInstance, col(WfInstance.id) == col(Inspection.instance_id))
        .where(_to_assess(_following_up(session)))
        .order_by(col(Recommendation.due_on), col(Recommendation.id))
    )
    return [(r, i) for r, i in session.exec(query).all()]


def _ids(condition: sa.ColumnElement[bool]) -> sa.Select[Any]:
    """Return the ids of the recommendations meeting `condition`, with their inspection's
    instance joined (its state)."""
    return (
        sa.select(col(Recommendation.id))
        .join(Inspection, col(Inspection.id) == col(Recommendation.inspection_id))
        .join(WfInstance, col(WfInstance.id) == col(Inspection.instance_id))
        .where(condition)
    )


_FOLLOWING: sa.BindParameter[list[str]] = sa.bindparam("following_up", expanding=True)
# the rows of `owner_work` (of the unit bound as `owner`; none for NULL) and of
# `answers_to_assess` (when `assess` is bound true), each recommendation once even when both
# hold it (a secretariat's own unit's answer): the menu's badge counts them
WORK_IDS = _ids(
    sa.or_(
        _owner_work(sa.bindparam("owner", type_=sa.Integer), sa.bindparam("today", type_=sa.Date),
                    _FOLLOWING),
        sa.and_(sa.bindparam("assess", type_=sa.Boolean), _to_assess(_FOLLOWING)),
    )
)  # fmt: skip


def badge_binds(
    session: Session, owner: int | None, today: date, secretariat: bool
) -> dict[str, Any]:
    """Return the values `WORK_IDS` is read with."""
    return {"owner": owner, "today": today, "following_up": sorted(_following_up(session)),
            "assess": secretariat}  # fmt: skip


def counts(
    session: Session, rows: Sequence[Inspection], today: date
) -> dict[int, tuple[int, int, int]]:
    """Return (recommendations, not closed, overdue) of each inspection, by id (one query)."""
    ids = [r.id for r in rows if r.id]
    if not ids:
        return {}
    late = _late(today)
    query = (
        select(col(Recommendation.inspection_id), sa.func.count(),
               sa.func.sum(sa.case((col(Recommendation.state) != CLOSED, 1), else_=0)),
               sa.func.sum(sa.case((late, 1), else_=0)))
        .where(col(Recommendation.inspection_id).in_(ids))
        .group_by(col(Recommendation.inspection_id))
    )  # fmt: skip
    return {int(i): (int(n), int(o or 0), int(d or 0)) for i, n, o, d in session.exec(query).all()}

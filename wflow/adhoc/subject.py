"""The ad-hoc award as a workflow subject: its scope, who sees it, its words and page."""

from __future__ import annotations

from sqlmodel import Session, col, or_, select
from sqlmodel.sql.expression import SelectOfScalar

from wflow.adhoc.models import AdhocAward
from wflow.awards.models import Award
from wflow.core.access import Action, may
from wflow.core.subjects import SubjectKind, register
from wflow.engine import Scope
from wflow.org.models import Unit, User
from wflow.people.models import Person


def scope(row: AdhocAward) -> Scope:
    """Return the proposal's workflow scope: the proposing unit and the achievement's year."""
    return Scope("adhoc_award", row.id or 0, unit_id=row.unit_id, year=row.year)


def nominee_unit_id(session: Session, row: AdhocAward) -> int | None:
    """Return the unit of the nominee: the collective itself, or the person's unit now."""
    if row.nominee_unit_id is not None:
        return row.nominee_unit_id
    person = session.get(Person, row.person_id) if row.person_id else None
    return person.unit_id if person is not None else None


def nominated_from(unit_id: int) -> SelectOfScalar[int | None]:
    """Return the query of the proposals whose nominee is the unit or one of its people now."""
    people = select(Person.id).where(Person.unit_id == unit_id)
    return select(col(AdhocAward.id)).where(or_(AdhocAward.nominee_unit_id == unit_id,
                                           col(AdhocAward.person_id).in_(people)))  # fmt: skip


def may_view(session: Session, user: User, row: AdhocAward) -> bool:
    """Tell whether `user` sees the proposal: the committee, the proposing and nominee's units."""
    if may(session, user, Action.VIEW, unit_id=row.unit_id):
        return True
    other = nominee_unit_id(session, row)
    return other is not None and may(session, user, Action.VIEW, unit_id=other)


def nominee_name(session: Session, row: AdhocAward) -> str:
    """Return the nominee's name: the person's full name or the collective's name."""
    if row.person_id is not None:
        person = session.get(Person, row.person_id)
        return person.full_name if person is not None else ""
    unit = session.get(Unit, row.nominee_unit_id) if row.nominee_unit_id else None
    return unit.name if unit is not None else ""


def title(session: Session, row: AdhocAward) -> str:
    """Return e.g. "Bằng khen (cá nhân) — Nguyễn Văn Hùng: Cứu người đuối nước"."""
    award = session.get(Award, row.award_id)
    return f"{award.name if award else ''} — {nominee_name(session, row)}: {row.title}"


ADHOC = register(SubjectKind(
    name="adhoc_award", model=AdhocAward, workflow="adhoc_award", scope=scope, may_view=may_view,
    title=title, endpoint="adhoc.show", also_seen=nominated_from,
))  # fmt: skip

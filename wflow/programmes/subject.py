"""The programme as a workflow subject: its scope, who sees it, its words and page."""

from __future__ import annotations

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from wflow.core.access import Action, may
from wflow.core.subjects import SubjectKind, register
from wflow.engine import Scope
from wflow.org.models import User
from wflow.programmes.models import Programme, ProgrammeParty


def party_ids(session: Session, programme: Programme) -> list[int]:
    """Return the ids of the programme's parties, in the document's order."""
    query = select(ProgrammeParty.unit_id).where(ProgrammeParty.programme_id == programme.id)
    return list(session.exec(query.order_by(col(ProgrammeParty.position))).all())


def party_to(unit_id: int) -> SelectOfScalar[int]:
    """Return the query of the programmes the unit is party to."""
    return select(ProgrammeParty.programme_id).where(ProgrammeParty.unit_id == unit_id)


def scope(programme: Programme) -> Scope:
    """Return the programme's workflow scope: the drafting unit and the first year."""
    return Scope("programme", programme.id or 0, unit_id=programme.unit_id, year=programme.year)


def may_view(session: Session, user: User, programme: Programme) -> bool:
    """Tell whether `user` sees the programme: every party's people, and the committee."""
    return any(
        may(session, user, Action.VIEW, unit_id=uid)
        for uid in [programme.unit_id, *party_ids(session, programme)]
    )


PROGRAMME = register(SubjectKind(
    name="programme", model=Programme, workflow="programme", scope=scope, may_view=may_view,
    title=lambda _session, p: f"{p.title} ({p.number})", endpoint="programme.show",
    also_seen=party_to,
))  # fmt: skip

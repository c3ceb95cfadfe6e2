"""The nomination as a workflow subject: its scope, who sees it, its words and page."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from wflow.awards.models import Award, Nomination
from wflow.core.access import Action, may
from wflow.core.subjects import SubjectKind, register
from wflow.engine import Scope
from wflow.org.models import Unit, User


def scope(nomination: Nomination) -> Scope:
    """Return the nomination's workflow scope: its unit, block, year and (carried up) council."""
    return Scope("nomination", nomination.id or 0, unit_id=nomination.unit_id,
                 block_id=nomination.block_id, year=nomination.year,
                 council_id=nomination.council_id)  # fmt: skip


def may_view(session: Session, user: User, nomination: Nomination) -> bool:
    """Tell whether `user` sees a nomination: the block's members that year, the committee."""
    return may(session, user, Action.VIEW, block_id=nomination.block_id, year=nomination.year)


def title(session: Session, nomination: Nomination) -> str:
    """Return e.g. "Cờ thi đua — Tỉnh đoàn (2026)"."""
    award = session.get(Award, nomination.award_id)
    unit = session.get(Unit, nomination.unit_id)
    return f"{award.name if award else ''} — {unit.name if unit else ''} ({nomination.year})"


def awards(session: Session, nominations: Sequence[Nomination]) -> list[Award]:
    """Return the awards of many nominations in one query (their titles name them)."""
    ids = {n.award_id for n in nominations}
    return list(session.exec(select(Award).where(col(Award.id).in_(ids))).all())


NOMINATION = register(SubjectKind(
    name="nomination", model=Nomination, workflow="nomination", scope=scope, may_view=may_view,
    title=title, endpoint="nomination.show", related=awards,
))  # fmt: skip

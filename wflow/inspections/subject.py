"""The inspection as a workflow subject: its scope, who sees it, its words and page."""

from __future__ import annotations

from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

from wflow.core.access import Action, may, oversees_scope
from wflow.core.subjects import SubjectKind, register
from wflow.engine import Scope
from wflow.inspections.models import Inspection, Recommendation
from wflow.org.models import Block, Unit, User


def scope(row: Inspection) -> Scope:
    """Return the inspection's workflow scope: its target (a unit or a block) and year."""
    return Scope("inspection", row.id or 0, unit_id=row.unit_id, block_id=row.block_id,
                 year=row.year)  # fmt: skip


def owns_one(session: Session, user: User, row: Inspection) -> bool:
    """Tell whether the user acts for a unit that owns one of the inspection's recommendations."""
    if user.unit_id is None or not may(session, user, Action.ACT, unit_id=user.unit_id):
        return False
    query = select(Recommendation.id).where(
        Recommendation.inspection_id == row.id, Recommendation.owner_unit_id == user.unit_id
    )
    return session.exec(query).first() is not None


def owned_by(unit_id: int) -> SelectOfScalar[int]:
    """Return the query of the inspections with a recommendation the unit owns."""
    return select(Recommendation.inspection_id).where(Recommendation.owner_unit_id == unit_id)


def may_view(session: Session, user: User, row: Inspection) -> bool:
    """Tell whether `user` sees the inspection: the committee, the inspected unit's head and
    staff (a block's member units that year), the owners of its recommendations."""
    if oversees_scope(session, user, row.unit_id, row.block_id):
        return True
    if row.unit_id is not None and may(session, user, Action.ACT, unit_id=row.unit_id):
        return True
    if row.block_id is not None and may(session, user, Action.VIEW, block_id=row.block_id,
                                        year=row.year):  # fmt: skip
        return True
    return owns_one(session, user, row)


def target_name(session: Session, row: Inspection) -> str:
    """Return the name of the inspected unit or block."""
    if row.unit_id is not None:
        unit = session.get(Unit, row.unit_id)
        return unit.name if unit is not None else ""
    block = session.get(Block, row.block_id) if row.block_id else None
    return block.name if block is not None else ""


def title(session: Session, row: Inspection) -> str:
    """Return e.g. "Kiểm tra 6 tháng đầu năm — Thành đoàn Hà Nội"."""
    return f"{row.title} — {target_name(session, row)}"


INSPECTION = register(SubjectKind(
    name="inspection", model=Inspection, workflow="inspection", scope=scope, may_view=may_view,
    title=title, endpoint="inspections.show", also_seen=owned_by,
))  # fmt: skip

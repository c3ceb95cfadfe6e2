"""The consultation: member units comment on a section or a criterion, the leader answers."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.clock import utcnow
from wflow.core import subjects
from wflow.core.errors import Conflict, NotFound, ServiceError
from wflow.core.uow import transactional
from wflow.org.models import Unit, User
from wflow.org.service import clean_text
from wflow.plans.models import Criterion, Plan, PlanComment
from wflow.plans.service import (
    SECTION_LABELS,
    SECTIONS,
    _ensure_leader,
    _member_unit,
)


@transactional
def comment(
    session: Session,
    *,
    user: User,
    plan: Plan,
    section: str,
    body: str,
    criterion_id: int | None = None,
) -> PlanComment:
    """Comment, as a member unit, on a section or a criterion while the consultation is open."""
    unit_id = _member_unit(session, user, plan)
    if not subjects.has_tag(session, plan, "commentable"):
        raise Conflict(_l("Comments are taken only while the consultation is open."))
    if section not in SECTIONS:
        raise ServiceError(_l("Choose what the comment is about from the list."), "target")
    target = str(SECTION_LABELS[section])
    if section == "criterion":
        crit = session.get(Criterion, criterion_id) if criterion_id else None
        if crit is None or crit.plan_id != plan.id:
            raise ServiceError(_l("Choose a criterion of this plan."), "target")
        target = f"{crit.code} {crit.title}"[:1100]
    elif criterion_id is not None:
        raise ServiceError(_l("Choose what the comment is about from the list."), "target")
    row = PlanComment(
        plan_id=plan.id or 0,
        unit_id=unit_id,
        user_id=user.id or 0,
        section=section,
        criterion_id=criterion_id,
        target=target,
        body=clean_text(body, "body", max_len=5000),
    )
    session.add(row)
    return row


@transactional
def answer_comment(
    session: Session, *, user: User, plan: Plan, comment_id: int, answer: str
) -> PlanComment:
    """Answer a member's comment, as the leading unit (the answer is visible to the block)."""
    _ensure_leader(session, user, plan)
    row = session.get(PlanComment, comment_id)
    if row is None or row.plan_id != plan.id:
        raise NotFound(_l("Not found."))
    if not subjects.has_tag(session, plan, "answerable"):
        raise Conflict(_l("Comments are answered during the consultation and the revision."))
    row.answer = clean_text(answer, "answer", max_len=5000)
    row.answered_by_user_id, row.answered_at = user.id, utcnow()
    session.add(row)
    return row


@dataclass(frozen=True)
class CommentView:
    """A comment with the names people read: unit, author, who answered."""

    row: PlanComment
    unit: str
    author: str
    answered_by: str


def comments_of(session: Session, plan_id: int) -> list[CommentView]:
    """Return the plan's comments, oldest first, with unit and people's names."""
    rows = session.exec(
        select(PlanComment).where(PlanComment.plan_id == plan_id).order_by(col(PlanComment.id))
    ).all()
    unit_ids = {r.unit_id for r in rows}
    user_ids = {r.user_id for r in rows} | {
        r.answered_by_user_id for r in rows if r.answered_by_user_id
    }
    units = {u.id: u.name for u in session.exec(select(Unit).where(col(Unit.id).in_(unit_ids)))}
    users = {
        u.id: u.display_name for u in session.exec(select(User).where(col(User.id).in_(user_ids)))
    }
    return [
        CommentView(
            r,
            units.get(r.unit_id, ""),
            users.get(r.user_id, ""),
            users.get(r.answered_by_user_id, "") if r.answered_by_user_id else "",
        )
        for r in rows
    ]

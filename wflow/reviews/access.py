"""Who may write a review, and when: its unit while open or returned, its reviewer while under
review, the block's leader or the secretariat to publish; refusals name the reason."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from wflow.core import subjects
from wflow.core.access import Action, acts_in, may
from wflow.core.errors import Conflict, Forbidden, NotFound
from wflow.councils import service as councils
from wflow.engine import WfInstance
from wflow.org.models import Role, User
from wflow.reviews.models import Review
from wflow.reviews.subject import REVIEW, acts_for

UNIT_TRIGGERS = ("submit", "resubmit")
REVIEWER_TRIGGERS = ("start_review", "return_review", "accept")


def locked_state(session: Session, review: Review) -> str:
    """Return the state with the instance row locked until commit (PostgreSQL)."""
    query = select(WfInstance.state).where(WfInstance.id == review.instance_id).with_for_update()
    got = session.exec(query).first()
    if got is None:
        raise NotFound(_l("This review has no workflow."))
    return got


def is_reviewer(session: Session, user: User, review: Review) -> bool:
    """Tell whether `user` acts for the review's grading unit (never the unit itself)."""
    return review.reviewer_unit_id != review.unit_id and acts_for(
        session, user, review.reviewer_unit_id
    )


def may_publish(session: Session, user: User, block_id: int, year: int) -> bool:
    """Tell whether `user` may publish the block's results: its leader, the secretariat."""
    return user.is_active and (
        (user.has_role(Role.SECRETARIAT) and acts_in(session, user,
                                                     councils.of_block(session, block_id)))
        or may(session, user, Action.ACT, block_id=block_id, year=year)
    )  # fmt: skip


def refuse_done(session: Session, state: str) -> None:
    """Refuse (409) any change once the review is accepted or its results are locked."""
    if state in subjects.tagged(session, REVIEW, "published"):
        raise Conflict(
            _l("The results of this review are published and locked: nothing can change.")
        )
    if state in subjects.tagged(session, REVIEW, "done"):
        raise Conflict(_l("This review is accepted: nothing can change."))


def check_unit_state(session: Session, state: str) -> None:
    """Refuse (409) unless the unit may change its self-assessment in `state`."""
    refuse_done(session, state)
    if state not in subjects.tagged(session, REVIEW, "editable"):
        raise Conflict(
            _l("The self-assessment can be changed only while the review is open or returned.")
        )


def check_grading_state(session: Session, state: str) -> None:
    """Refuse (409) unless the reviewer may change the grading in `state`."""
    refuse_done(session, state)
    if state not in subjects.tagged(session, REVIEW, "grading"):
        raise Conflict(
            _l("Start grading first: scores are given while the review is under review.")
        )


def ensure_unit_edits(session: Session, user: User, review: Review) -> str:
    """Refuse unless `user` acts for the reviewed unit and it may edit now; return the state."""
    if not acts_for(session, user, review.unit_id):
        raise Forbidden(_l("Only the reviewed unit writes its self-assessment."))
    state = locked_state(session, review)
    check_unit_state(session, state)
    return state


def ensure_reviewer_grades(session: Session, user: User, review: Review) -> str:
    """Refuse unless `user` acts for the grading unit and it may grade now; return the state."""
    if user.unit_id is not None and user.unit_id == review.unit_id:
        raise Forbidden(_l("A unit never grades its own review."))
    if not is_reviewer(session, user, review):
        raise Forbidden(_l("Only the unit assigned to grade this review may do this."))
    state = locked_state(session, review)
    check_grading_state(session, state)
    return state

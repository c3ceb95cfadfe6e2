"""The council's award decision as a workflow subject: its scope, who sees it, its words."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from wflow.awards.models import CouncilSession, Decision
from wflow.core.access import oversees
from wflow.core.subjects import SubjectKind, register
from wflow.engine import Scope
from wflow.org.models import User


def scope(decision: Decision) -> Scope:
    """Return the decision's workflow scope: the council's, in the decision's year."""
    return Scope(
        "award_decision", decision.id or 0, year=decision.year, council_id=decision.council_id
    )


def may_view(session: Session, user: User, decision: Decision) -> bool:
    """Tell whether `user` sees the decision before it is issued: its council's committee and
    those above it."""
    return oversees(session, user, decision.council_id)


def title(session: Session, decision: Decision) -> str:
    """Return e.g. "Quyết định số 03/QĐ-HĐTĐKT — Phiên họp tháng 12" (in the reader's language)."""
    held = session.get(CouncilSession, decision.session_id)
    return str(_l("Decision no. %(number)s — %(session)s", number=decision.number,
                  session=held.title if held else ""))  # fmt: skip


AWARD_DECISION = register(SubjectKind(
    name="award_decision", model=Decision, workflow="award_decision", scope=scope,
    may_view=may_view, title=title, endpoint="nomination.decision", id_arg="decision_id",
))  # fmt: skip

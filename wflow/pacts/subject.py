"""The pact as a workflow subject: its scope, who sees it, its words and page."""

from __future__ import annotations

from sqlmodel import Session

from wflow.core.access import Action, may
from wflow.core.subjects import SubjectKind, register
from wflow.engine import Scope
from wflow.org.models import User
from wflow.pacts.models import Pact


def scope(pact: Pact) -> Scope:
    """Return the pact's workflow scope: its block and first year."""
    return Scope("pact", pact.id or 0, block_id=pact.block_id, year=pact.year)


def may_view(session: Session, user: User, pact: Pact) -> bool:
    """Tell whether `user` sees the pact: its block's members that year, the committee."""
    return may(session, user, Action.VIEW, block_id=pact.block_id, year=pact.year)


PACT = register(SubjectKind(
    name="pact", model=Pact, workflow="pact", scope=scope, may_view=may_view,
    title=lambda _session, pact: f"{pact.title} ({pact.number})", endpoint="pact.show",
))  # fmt: skip

"""Who may read a stored document: the one rule pages and the API share."""

from __future__ import annotations

from sqlmodel import Session

from wflow.models import Document, Pact, User
from wflow.services.access import Action, may


def may_read(session: Session, user: User, doc: Document) -> bool:
    """Tell whether `user` may read `doc`: a pact's documents go to its block and the committee."""
    if doc.pact_id is not None:
        pact = session.get(Pact, doc.pact_id)
        return pact is not None and may(
            session, user, Action.VIEW, block_id=pact.block_id, year=pact.year
        )
    return False

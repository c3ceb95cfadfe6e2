"""Who may read a stored document: the one rule pages and the API share."""

from __future__ import annotations

from sqlmodel import Session

from wflow.awards.models import Nomination
from wflow.core.access import Action, may
from wflow.org.models import User
from wflow.pacts.models import Document, Pact


def may_read(session: Session, user: User, doc: Document) -> bool:
    """Tell whether `user` may read `doc`.

    A pact's documents and a nomination's dossier go to the block's members that year and
    the committee; a council decision is a public act.
    """
    if doc.decision_id is not None:
        return True
    owner: Pact | Nomination | None = None
    if doc.pact_id is not None:
        owner = session.get(Pact, doc.pact_id)
    elif doc.nomination_id is not None:
        owner = session.get(Nomination, doc.nomination_id)
    return owner is not None and may(
        session, user, Action.VIEW, block_id=owner.block_id, year=owner.year
    )

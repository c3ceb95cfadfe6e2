"""Who may read a stored document: the one rule pages and the API share."""

from __future__ import annotations

from sqlmodel import Session

from wflow.awards.models import Nomination
from wflow.core import subjects
from wflow.org.models import User
from wflow.pacts.models import Document, Pact
from wflow.programmes.models import Programme


def may_read(session: Session, user: User, doc: Document) -> bool:
    """Tell whether `user` may read `doc`: whoever sees the subject it belongs to.

    A pact's, a nomination's or a programme's documents follow that subject's rule
    (`core.subjects`); a council decision is a public act.
    """
    if doc.decision_id is not None:
        return True
    owner: Pact | Nomination | Programme | None = None
    if doc.pact_id is not None:
        owner = session.get(Pact, doc.pact_id)
    elif doc.nomination_id is not None:
        owner = session.get(Nomination, doc.nomination_id)
    elif doc.programme_id is not None:
        owner = session.get(Programme, doc.programme_id)
    return owner is not None and subjects.may_view(session, user, owner)

"""Who signs the council's decisions, and in which capacity (Decree 30/2020/NĐ-CP, art. 8).

The council is a collective body: its decisions are signed "TM. HỘI ĐỒNG" by its chair, or by
a vice-chair for the chair ("KT. CHỦ TỊCH" over "PHÓ CHỦ TỊCH"); the award settings name them.
The secretariat prepares and submits, and never signs as the chair.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from wflow.awards import catalogue as awards
from wflow.org.models import User

CHAIR = "chair"
VICE_CHAIR = "vice_chair"
CAPACITY_WORDS = {CHAIR: _l("Chair"), VICE_CHAIR: _l("Vice-chair, for the chair")}


@dataclass(frozen=True)
class Signatory:
    """A council signatory: the person (None in a draft nobody signed yet) and their capacity."""

    user: User | None
    capacity: str  # CHAIR or VICE_CHAIR

    def lines(self, body: str) -> list[str]:
        """Return the capacity lines above the signature, e.g. ["TM. <body>", "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH"] (printed upper-case)."""
        if self.capacity == VICE_CHAIR:
            return [f"TM. {body}", "KT. Chủ tịch", "Phó Chủ tịch"]
        return [f"TM. {body}", "Chủ tịch"]

    def reason(self, body: str, what: str) -> str:
        """Return the signature's reason: the document and the capacity it is signed in."""
        return f"{what} — {', '.join(self.lines(body))}"


def signatories(session: Session, council_id: int | None = None) -> list[Signatory]:
    """Return who may sign the council's decisions now: the chair first, then vice-chairs."""
    chair = awards.council_chair(session, council_id)
    found = [Signatory(chair, CHAIR)] if chair is not None else []
    vice = awards.council_vice_chairs(session, council_id)
    return found + [Signatory(u, VICE_CHAIR) for u in vice]


def signatory_of(session: Session, user: User, council_id: int | None = None) -> Signatory | None:
    """Return the user as a signatory of the council, None if they may not sign for it."""
    return next((s for s in signatories(session, council_id)
                 if s.user is not None and s.user.id == user.id), None)  # fmt: skip


NO_CHAIR = _l("The council has no chair: an administrator names one in the award settings.")

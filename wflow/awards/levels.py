"""Which council decides an award: each council decides the awards of its level.

`Award.level` is commune, provincial or national; a council's `Unit.level` maps to the award
level it decides; an award above it is proposed to the council above (wflow.awards.proposals).
A nomination belongs to its block's council unless it was carried up (`council_id`).
"""

from __future__ import annotations

from sqlmodel import Session

from wflow.awards.models import Award, Nomination
from wflow.councils import service as councils
from wflow.org.models import CouncilLevel, Unit

# the award level each level of council decides, and the order of award levels
DECIDES = {
    CouncilLevel.CENTRAL.value: "national",
    CouncilLevel.ORGANISATION.value: "national",
    CouncilLevel.PROVINCE.value: "provincial",
    CouncilLevel.COMMUNE.value: "commune",
}
RANK = {"commune": 0, "provincial": 1, "national": 2}


def council_of(session: Session, nomination: Nomination) -> int | None:
    """Return the council that examines and decides a nomination."""
    if nomination.council_id is not None:
        return nomination.council_id
    return councils.of_block(session, nomination.block_id)


def decides_here(session: Session, nomination: Nomination) -> bool:
    """Tell whether the nomination's council decides its award (else it proposes it up)."""
    rank = council_rank(session, council_of(session, nomination))
    award = session.get(Award, nomination.award_id)
    if rank is None or award is None:
        return True  # a council of no known level decides what it votes on
    return RANK.get(award.level, 0) <= rank


def council_above(session: Session, council_id: int | None) -> Unit | None:
    """Return the council above `council_id`, None at the top."""
    council = session.get(Unit, council_id or 0)
    if council is None or council.parent_id is None:
        return None
    return session.get(Unit, council.parent_id)


def council_rank(session: Session, council_id: int | None) -> int | None:
    """Return the rank of the award level a council decides (None: a council of no level)."""
    council = session.get(Unit, council_id or 0)
    level = DECIDES.get(council.level or "") if council is not None else None
    return RANK[level] if level is not None else None


def below_council(session: Session, award: Award, council_id: int | None) -> bool:
    """Tell whether the award is of a level below the council's (a lower council grants it)."""
    return below_rank(award, council_rank(session, council_id))


def below_rank(award: Award, rank: int | None) -> bool:
    """Tell whether the award is of a level below a council of `rank` (None: of no level)."""
    return rank is not None and RANK.get(award.level, 0) < rank


def deciding_council(session: Session, award: Award, council_id: int | None) -> Unit | None:
    """Return the council that decides the award for a block of `council_id`: itself, or the
    first council above it of the award's level (None: no such council)."""
    council = session.get(Unit, council_id or 0)
    while council is not None:
        rank = council_rank(session, council.id)
        if rank is None or RANK.get(award.level, 0) <= rank:
            return council
        council = session.get(Unit, council.parent_id or 0) if council.parent_id else None
    return None

"""Display names, in the user's language, of the codes stored in the database."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from wflow.org.models import Position
from wflow.plans.text import REVIEW_PERIOD_LABELS

UNIT_KINDS = {
    "front": _l("Fatherland Front"),
    "socio_political": _l("Socio-political organisation"),
    "mass_organisation": _l("Mass organisation"),
    "agency": _l("State agency"),
    "enterprise": _l("Enterprise"),
    "council": _l("Emulation and commendation council"),
}

ROLES = {
    "unit_head": _l("Unit head"),
    "unit_staff": _l("Unit staff"),
    "secretariat": _l("Secretariat"),
    "council_member": _l("Council member"),
    "admin": _l("Administrator"),
}

POSITIONS = {
    Position.LEADER.value: _l("Leader"),
    Position.DEPUTY.value: _l("Deputy"),
    Position.MEMBER.value: _l("Member"),
}


def position_label(position: str) -> str:
    """Return a stored block position ("leader") in the user's language; other text as it is."""
    label = POSITIONS.get(position)
    return str(label) if label is not None else position


# The review periods of a year, in order (named once, in services.plan_text).
PERIODS = REVIEW_PERIOD_LABELS

BLOCK_KINDS = {
    "block": _l("Emulation block (khối)"),
    "cluster": _l("Emulation cluster (cụm)"),
}
COUNCIL_LEVELS = {
    "central": _l("Central"),
    "organisation": _l("Ministry, branch or central organisation"),
    "province": _l("Province or city"),
    "commune": _l("Commune or ward"),
}

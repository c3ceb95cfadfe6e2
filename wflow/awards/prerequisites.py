"""Prerequisites of an award kept as data, and their one-line text form for administrators.

Four rules (Law 06/2022/QH15 art. 23-24, Decree 98/2023 art. 4-6), one per line:

- ``same_year advanced_worker``: the nominee holds that award in the same year;
- ``initiative unit``: the nominee authored an initiative or model recognised in the year at
  that level or higher (unit, province, national);
- ``consecutive grassroots_fighter 3``: the nominee held that award in each of the N
  consecutive years ending with the year;
- ``quota advanced_worker 15%``: at most that share of the unit's holders of that award in
  the year (rounded down, at least one when the unit has any).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from wflow.core.errors import ServiceError

RULES = ("same_year", "initiative", "consecutive", "quota")
INITIATIVE_LEVELS = ("unit", "province", "national")  # as wflow.initiatives.models.Level
FIELD = "prerequisites"


def _refuse(line: str) -> ServiceError:
    return ServiceError(
        _l('Cannot read the prerequisite "%(line)s": write one rule per line, e.g. '
           '"same_year advanced_worker", "initiative unit", "consecutive grassroots_fighter 3" '
           'or "quota advanced_worker 15%%".', line=line),
        FIELD,
    )  # fmt: skip


def parse_line(line: str, codes: frozenset[str]) -> dict[str, Any]:
    """Return one prerequisite read from its text form (ServiceError when malformed)."""
    words = line.split()
    rule = words[0] if words else ""
    if rule == "same_year" and len(words) == 2 and words[1] in codes:
        return {"rule": rule, "award": words[1]}
    if rule == "initiative" and len(words) == 2 and words[1] in INITIATIVE_LEVELS:
        return {"rule": rule, "level": words[1]}
    if rule == "consecutive" and len(words) == 3 and words[1] in codes and words[2].isdigit():
        years = int(words[2])
        if 1 <= years <= 10:
            return {"rule": rule, "award": words[1], "years": years}
    if rule == "quota" and len(words) == 3 and words[1] in codes:
        try:
            percent = Decimal(words[2].rstrip("%").replace(",", "."))
        except InvalidOperation:
            raise _refuse(line) from None
        if 0 < percent <= 100:
            return {"rule": rule, "of": words[1], "percent": format(percent.normalize(), "f")}
    raise _refuse(line)


def parse(text: Any, codes: frozenset[str]) -> list[dict[str, Any]]:
    """Return the prerequisites written one per line (award codes must be in `codes`)."""
    lines = [" ".join(line.split()) for line in str(text or "").splitlines()]
    return [parse_line(line, codes) for line in lines if line]


def as_text(prerequisites: list[dict[str, Any]]) -> str:
    """Return the prerequisites in their text form, one per line (what `parse` reads)."""
    out = []
    for p in prerequisites:
        rule = p.get("rule")
        if rule == "same_year":
            out.append(f"same_year {p['award']}")
        elif rule == "initiative":
            out.append(f"initiative {p['level']}")
        elif rule == "consecutive":
            out.append(f"consecutive {p['award']} {p['years']}")
        elif rule == "quota":
            out.append(f"quota {p['of']} {p['percent']}%")
    return "\n".join(out)

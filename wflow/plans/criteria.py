"""The criteria table: read rows (form or spreadsheet), check the sums, store, snapshot.

A criteria table is written as rows, the way committees keep it in spreadsheets: a row with
a group code, title and maximum but no criterion starts a group; the rows after it (or rows
naming that group) are its criteria.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.core.errors import ServiceError
from wflow.plans.models import Criterion, CriterionGroup, Plan
from wflow.plans.text import clean_points

# The columns of the table, in order (also the export's and the import's keys).
COLUMNS = (
    "group",
    "group_title",
    "group_max",
    "code",
    "criterion",
    "max_points",
    "max_bonus",
    "evidence",
)
COLUMN_LABELS = {
    "group": _l("Group"),
    "group_title": _l("Group title"),
    "group_max": _l("Group max points"),
    "code": _l("Code"),
    "criterion": _l("Criterion"),
    "max_points": _l("Max points"),
    "max_bonus": _l("Max bonus"),
    "evidence": _l("Evidence required"),
}
MAX_ROWS = 500


@dataclass
class CriterionInput:
    """One criterion as given, before it is stored."""

    code: str
    title: str
    max_points: Decimal
    max_bonus: Decimal = Decimal(0)
    evidence: str = ""


@dataclass
class GroupInput:
    """One group of criteria as given, with its criteria."""

    code: str
    title: str
    max_points: Decimal
    criteria: list[CriterionInput] = field(default_factory=list)


class CriteriaErrors(ServiceError):
    """Problems found in a criteria table, one message per row or group."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems), "criteria")
        self.rows = list(problems)

    @property
    def problems(self) -> list[str]:
        """Return one message per bad row or group."""
        return self.rows


def _text(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    text = "" if value is None else str(value).strip()
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@"):
        text = text[1:]  # our own export's guard against formula injection
    if isinstance(value, float) and value.is_integer() and key in ("group", "code"):
        text = str(int(value))
    return text


def parse_rows(rows: Sequence[tuple[int, Mapping[str, Any]]]) -> list[GroupInput]:
    """Return the groups read from numbered rows; raise CriteriaErrors naming each bad row."""
    problems: list[str] = []
    groups: dict[str, GroupInput] = {}
    codes: set[str] = set()
    current: GroupInput | None = None
    if len(rows) > MAX_ROWS:
        raise CriteriaErrors([str(_l("At most %(n)d rows.", n=MAX_ROWS))])

    def bad(number: int, message: Any) -> None:
        problems.append(str(_l("row %(n)d: %(message)s", n=number, message=message)))

    def points(number: int, value: Any, what: Any, allow_zero: bool) -> Decimal | None:
        try:
            return clean_points(value, "criteria", allow_zero=allow_zero)
        except ServiceError:
            bad(
                number,
                _l("%(what)s must be a number more than zero", what=what)
                if not allow_zero
                else _l("%(what)s must be a number", what=what),
            )
            return None

    for number, row in rows:
        if not any(_text(row, k) for k in COLUMNS):
            continue
        gcode, gtitle, gmax = (
            _text(row, "group"),
            _text(row, "group_title"),
            _text(row, "group_max"),
        )
        title = _text(row, "criterion")
        if gtitle or gmax:  # the row (also) defines a group
            if not gcode:
                bad(number, _l("the group needs a code"))
                continue
            if not gtitle or not gmax:
                bad(number, _l("group %(g)s needs a title and max points", g=gcode))
                continue
            most = points(number, gmax, _l("group max points"), allow_zero=False)
            if most is None:
                continue
            known = groups.get(gcode)
            if known is not None and (known.title != gtitle or known.max_points != most):
                bad(number, _l("group %(g)s is defined twice", g=gcode))
                continue
            if known is None:
                groups[gcode] = known = GroupInput(gcode[:20], gtitle[:500], most)
            current = known
            if not title:
                continue
        elif gcode:
            if gcode not in groups:
                bad(number, _l("group %(g)s is not defined above", g=gcode))
                continue
            current = groups[gcode]
        if not title:
            bad(number, _l("the criterion needs a title"))
            continue
        if current is None:
            bad(number, _l("a criterion needs a group above it"))
            continue
        most = points(number, _text(row, "max_points"), _l("max points"), allow_zero=False)
        bonus_text = _text(row, "max_bonus")
        bonus = (
            points(number, bonus_text, _l("max bonus"), allow_zero=True)
            if bonus_text
            else Decimal(0)
        )
        if most is None or bonus is None:
            continue
        code = _text(row, "code") or f"{current.code}.{len(current.criteria) + 1}"
        if code in codes:
            bad(number, _l("criterion code %(c)s is used twice", c=code))
            continue
        if len(code) > 20 or len(title) > 1000 or len(_text(row, "evidence")) > 2000:
            bad(number, _l("a code, title or evidence is too long"))
            continue
        codes.add(code)
        current.criteria.append(CriterionInput(code, title, most, bonus, _text(row, "evidence")))
    if problems:
        raise CriteriaErrors(problems)
    return list(groups.values())


def balance_problems(groups: Sequence[GroupInput], scale: int) -> list[str]:
    """Return why the maxima do not add up (each group to its max, groups to the scale)."""
    problems: list[str] = []
    if not groups:
        return [str(_l("The criteria table is empty."))]
    for g in groups:
        if not g.criteria:
            problems.append(
                str(_l('Group %(code)s "%(title)s" has no criteria.', code=g.code, title=g.title))
            )
            continue
        total = sum((c.max_points for c in g.criteria), Decimal(0))
        if total != g.max_points:
            problems.append(
                str(
                    _l(
                        'Group %(code)s "%(title)s": its criteria add up to %(total)s points,'
                        " not its %(max)s.",
                        code=g.code,
                        title=g.title,
                        total=_num(total),
                        max=_num(g.max_points),
                    )
                )
            )
    total = sum((g.max_points for g in groups), Decimal(0))
    if total != scale:
        problems.append(
            str(
                _l(
                    "The groups add up to %(total)s points, not the scale of %(scale)d.",
                    total=_num(total),
                    scale=scale,
                )
            )
        )
    return problems


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}"


def load_groups(session: Session, plan_id: int) -> list[tuple[CriterionGroup, list[Criterion]]]:
    """Return the plan's groups with their criteria, in order."""
    groups = session.exec(
        select(CriterionGroup)
        .where(CriterionGroup.plan_id == plan_id)
        .order_by(col(CriterionGroup.position))
    ).all()
    criteria = session.exec(
        select(Criterion).where(Criterion.plan_id == plan_id).order_by(col(Criterion.position))
    ).all()
    by_group: dict[int, list[Criterion]] = {g.id or 0: [] for g in groups}
    for c in criteria:
        by_group.setdefault(c.group_id, []).append(c)
    return [(g, by_group[g.id or 0]) for g in groups]


def as_inputs(session: Session, plan_id: int) -> list[GroupInput]:
    """Return the stored criteria table as inputs (to check its balance)."""
    return [
        GroupInput(
            g.code,
            g.title,
            Decimal(g.max_points),
            [
                CriterionInput(
                    c.code, c.title, Decimal(c.max_points), Decimal(c.max_bonus), c.evidence
                )
                for c in cs
            ],
        )
        for g, cs in load_groups(session, plan_id)
    ]


def store(session: Session, plan: Plan, groups: Sequence[GroupInput]) -> None:
    """Replace the plan's table, keeping the ids of criteria whose code stays (no commit)."""
    old_groups = {
        g.code: g
        for g in session.exec(select(CriterionGroup).where(CriterionGroup.plan_id == plan.id)).all()
    }
    old_criteria = {
        c.code: c for c in session.exec(select(Criterion).where(Criterion.plan_id == plan.id)).all()
    }
    kept_groups: dict[str, CriterionGroup] = {}
    for pos, gi in enumerate(groups):
        row = old_groups.get(gi.code) or CriterionGroup(
            plan_id=plan.id or 0, code=gi.code, title="", max_points=Decimal(0)
        )
        row.position, row.title, row.max_points = pos, gi.title, gi.max_points
        session.add(row)
        kept_groups[gi.code] = row
    session.flush()
    seen: set[str] = set()
    pos = 0
    for gi in groups:
        for ci in gi.criteria:
            crit = old_criteria.get(ci.code) or Criterion(
                plan_id=plan.id or 0, group_id=0, code=ci.code, title="", max_points=Decimal(0)
            )
            crit.group_id = kept_groups[gi.code].id or 0
            crit.position, crit.title, crit.max_points = pos, ci.title, ci.max_points
            crit.max_bonus, crit.evidence = ci.max_bonus, ci.evidence
            session.add(crit)
            seen.add(ci.code)
            pos += 1
    session.flush()
    for code, crit in old_criteria.items():
        if code not in seen:
            session.delete(crit)
    session.flush()
    for code, grp in old_groups.items():
        if code not in kept_groups:
            session.delete(grp)
    session.flush()


def table_rows(session: Session, plan_id: int) -> list[dict[str, Any]]:
    """Return the table as rows of COLUMNS (a group row, then its criteria), for export."""
    out: list[dict[str, Any]] = []
    for g, criteria in load_groups(session, plan_id):
        out.append({"group": g.code, "group_title": g.title, "group_max": _cell(g.max_points)})
        out.extend(
            {
                "group": g.code,
                "code": c.code,
                "criterion": c.title,
                "max_points": _cell(c.max_points),
                "max_bonus": _cell(c.max_bonus),
                "evidence": c.evidence,
            }
            for c in criteria
        )
    return out


def _cell(value: Any) -> int | float:
    number = Decimal(value)
    return int(number) if number == number.to_integral_value() else float(number)


def snapshot_criteria(session: Session, plan_id: int) -> list[dict[str, Any]]:
    """Return the table as plain JSON (points as text, exact)."""
    return [
        {
            "code": g.code,
            "title": g.title,
            "max_points": _num(Decimal(g.max_points)),
            "criteria": [
                {
                    "code": c.code,
                    "title": c.title,
                    "max_points": _num(Decimal(c.max_points)),
                    "max_bonus": _num(Decimal(c.max_bonus)),
                    "evidence": c.evidence,
                }
                for c in cs
            ],
        }
        for g, cs in load_groups(session, plan_id)
    ]

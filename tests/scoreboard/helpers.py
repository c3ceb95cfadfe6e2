"""Helpers for scoreboard tests: a plan, a pact and review rows written directly (no workflow).

The scoreboard reads results; these rows are what the review workflow leaves behind (a
`wf_instance` in a state, a `review` with its totals, a `review_score` per criterion), so the
scoreboard can be tested apart from the review services.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Flask
from sqlmodel import Session

from wflow.clock import utcnow
from wflow.engine.tables import WfInstance
from wflow.org.models import Block, Unit
from wflow.pacts.models import Pact
from wflow.plans.models import Criterion, CriterionGroup, Plan
from wflow.reviews.models import Review, ReviewScore

PERIODS = {"q1": "03-31", "mid_year": "06-15", "q3": "09-30", "year_end": "11-30"}
# (group code, title, max, [(criterion code, title, max, max bonus)])
TABLE = [
    ("I", "Công tác tuyên truyền", 60, [("1.1", "Quán triệt nghị quyết", 30, 2),
                                         ("1.2", "Tuyên truyền trên mạng", 30, 0)]),
    ("II", "Phát triển hội viên", 40, [("2.1", "Kết nạp hội viên mới", 40, 3)]),
]  # fmt: skip


def review_version(app: Flask) -> int:
    """Return the version of the review workflow the app loaded."""
    return int(app.extensions["wflow.engine"].definitions["review"].version)


def plan_and_pact(
    session: Session, block: Block, year: int, periods: list[str] | None = None
) -> tuple[Plan, Pact, list[Criterion]]:
    """Write a published plan of `block` for `year` holding `periods`, its criteria and a pact."""
    held = {p: PERIODS[p] for p in (periods if periods is not None else list(PERIODS))}
    plan = Plan(block_id=block.id or 0, year=year, year_end=year, title="Kế hoạch thi đua",
                rules={"reviews": held, "late_report_penalty": "1"},
                published_at=utcnow())  # fmt: skip
    session.add(plan)
    session.flush()
    criteria: list[Criterion] = []
    for gpos, (gcode, gtitle, gmax, rows) in enumerate(TABLE):
        group = CriterionGroup(plan_id=plan.id or 0, position=gpos, code=gcode, title=gtitle,
                               max_points=Decimal(gmax))  # fmt: skip
        session.add(group)
        session.flush()
        for pos, (code, title, cmax, bonus) in enumerate(rows):
            c = Criterion(plan_id=plan.id or 0, group_id=group.id or 0, position=pos, code=code,
                          title=title, max_points=Decimal(cmax),
                          max_bonus=Decimal(bonus))  # fmt: skip
            session.add(c)
            criteria.append(c)
    pact = Pact(block_id=block.id or 0, plan_id=plan.id or 0, year=year, year_end=year,
                number=f"01/GƯTĐ-{block.code}", title=f"GIAO ƯỚC THI ĐUA NĂM {year}",
                in_force_at=utcnow())  # fmt: skip
    session.add(pact)
    session.commit()
    return plan, pact, criteria


def review_row(
    session: Session,
    pact: Pact,
    unit: Unit,
    period: str,
    *,
    state: str = "accepted",
    final: Decimal | int | str | None = None,
    scores: Sequence[Decimal | int | str] | None = None,
    criteria: list[Criterion] | None = None,
    late: bool = False,
    penalty: Decimal | int | str = 0,
    reviewer: Unit | None = None,
    version: int = 1,
) -> Review:
    """Write one review of `unit` for `period` in workflow `state`, with per-criterion scores.

    Pass the loaded review workflow's `version` (`review_version(app)`) when the app serves
    requests: an instance of a version whose text is not stored stops the engine.
    """
    inst = WfInstance(workflow="review", version=version, state=state, subject_type="review",
                      subject_id=0, unit_id=unit.id, block_id=pact.block_id,
                      year=pact.year)  # fmt: skip
    session.add(inst)
    session.flush()
    month, day = (int(x) for x in PERIODS[period].split("-"))
    base = sum((Decimal(s) for s in scores or []), Decimal(0))
    final_total = Decimal(final) if final is not None else base - Decimal(penalty)
    review = Review(pact_id=pact.id or 0, plan_id=pact.plan_id, block_id=pact.block_id,
                    unit_id=unit.id or 0, year=pact.year, period=period,
                    due_date=date(pact.year, month, day), instance_id=inst.id,
                    reviewer_unit_id=reviewer.id if reviewer else None, late=late,
                    penalty=Decimal(penalty), self_total=base, score_total=base,
                    bonus_total=Decimal(0), final_total=final_total,
                    submitted_at=utcnow(), accepted_at=utcnow())  # fmt: skip
    session.add(review)
    session.flush()
    inst.subject_id = review.id or 0
    session.add(inst)
    for c, s in zip(criteria or [], scores or [], strict=False):
        session.add(ReviewScore(review_id=review.id or 0, criterion_id=c.id or 0,
                                achieved=f"{s} of {c.max_points}", achieved_value=Decimal(s),
                                target_value=c.max_points, self_score=Decimal(s),
                                score=Decimal(s), bonus=Decimal(0)))  # fmt: skip
    session.commit()
    return review


def reviews_for(session: Session, pact: Pact, units: list[Unit], periods: list[str],
                criteria: list[Criterion], **kw: Any) -> None:  # fmt: skip
    """Write accepted reviews of every unit for every period with varied scores."""
    for i, unit in enumerate(units):
        for j, period in enumerate(periods):
            scores = [max(0, int(c.max_points) - (i + j + k) % 7) for k, c in enumerate(criteria)]
            review_row(session, pact, unit, period, scores=scores, criteria=criteria, **kw)

"""Helpers for tests that need periodic reviews, built through the real services and workflow.

Call them inside an application context (`with app.app_context():`, or a test request
context): the workflow engine, notifications and translations need one. Signatures are kept
stable for the scoreboard and nomination tests.

- `review_team(app, session, make_unit, make_user, make_block, *, n=4, code="KRV",
  rules=None, secretariat=None) -> dict`: `n` units (heads `<code>.head`, the first unit
  also has staff) in a block led by the first unit, the last one deputy; a published plan
  of this year with `rules` (merged over the defaults, e.g. `{"grading": "cross"}`), every
  unit's targets registered (`TARGETS`), and the pact signed by every head (in force).
  Keys: units, heads, staff, block, secretariat, plan, pact, year.
- `pact_in_force(app, session, team, secretariat, *, rules=None, targets=TARGETS) -> Pact`:
  the plan, registrations and signed pact for a team from `tests.pacts.make_block_of`.
- `open_year(app_or_session, session_or_block, block_or_year, year=None, *, on=None)
  -> list[Review]`: run the tick job that opens reviews as of `on` (a date or datetime;
  default 31 December of `year`) and return the block's reviews of that year. Deadlines are
  not fired (run `wflow tick` or `engine.tick` for that). Accepts `(app, session, block,
  year)` or `(session, block, year)` when an app context is already pushed.
- `accept_review(session, engine, review, self_scores, scores, *, self_bonus=None,
  bonus=None, late=False, at=None, lock=False) -> Review`: the unit's head self-assesses
  and submits, the reviewing unit starts grading, grades and accepts (and with `lock` the
  block leader publishes… only this review's period once all its reviews are accepted).
  Scores are a mapping criterion code -> points, or one total spread over the criteria in
  order (each filled up to its max); `self_scores=None` repeats `scores`. The submission is
  dated on the due date (on time) unless `late=True` (the day after) or `at` is given.
- `accept_year(session, engine, block, year, totals, *, bonus=None, period=None,
  late=(), lock=False, default=None) -> list[Review]`: every review of the block's year
  (or one period) accepted with `totals[unit_id]` points (units missing from `totals` use
  `default`, or are left as they are when it is None); units in `late` submit late; with
  `lock=True` each fully accepted period is published (locked) by the block leader's head.
- `spread(total, criteria, attr="max_points") -> dict[code, Decimal]`: split a total over
  criteria in order, each up to its maximum.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from flask import Flask
from sqlmodel import Session, col, select

from tests.conftest import PASSWORD
from tests.pacts.helpers import GROUPS, NAMES, make_block_of
from wflow import clock
from wflow.clock import set_clock, utcnow
from wflow.core import subjects
from wflow.core.access import current_year
from wflow.engine import Engine
from wflow.org.models import Block, BlockMembership, Position, Role, Unit, User
from wflow.pacts import service as pacts
from wflow.pacts.models import Pact
from wflow.plans import service as plans
from wflow.plans.models import Criterion, Plan
from wflow.plans.registration import TargetInput, register_targets
from wflow.plans.text import default_rules
from wflow.reviews import service as reviews
from wflow.reviews.models import Review
from wflow.reviews.queries import lines_of, reviews_of_block
from wflow.reviews.rules import open_due_reviews
from wflow.reviews.sheets import GradeInput, SelfInput
from wflow.reviews.subject import REVIEW
from wflow.workflow_setup import engine as app_engine

# A target per criterion code of tests.pacts.GROUPS (the review pre-fills the first number).
TARGETS = {"1.1": "100 % cán bộ được quán triệt", "1.2": "Đăng 120 tin bài",
           "2.1": "Kết nạp 1.200 hội viên mới"}  # fmt: skip
Number = Decimal | int | str


def published_plan_with(
    session: Session, leader: User, secretariat: User, block: Block,
    rules: Mapping[str, Any] | None = None, year: int | None = None,
) -> Plan:  # fmt: skip
    """Draft, consult, approve and publish a plan of `block` with `rules` over the defaults."""
    eng = app_engine()
    merged = {**default_rules(), **dict(rules or {})}
    plan = plans.create_plan(
        session, eng, user=leader, block_id=block.id or 0, year=year or current_year(),
        title="Kế hoạch thi đua của khối", purposes="Phát huy tinh thần đoàn kết.",
        contents=[{"area": "Tuyên truyền", "text": "Quán triệt nghị quyết."}], rules=merged,
    )  # fmt: skip
    plans.set_criteria(session, user=leader, plan=plan, groups=GROUPS)
    plans.open_consultation(
        session, eng, user=leader, plan=plan, until=utcnow().date() + timedelta(days=3)
    )
    for who, trigger in ((leader, "end_consultation"), (leader, "submit"),
                         (secretariat, "approve"), (leader, "publish")):  # fmt: skip
        subjects.fire(session, eng, user=who, subject=plan, trigger=trigger)
    return plan


def pact_in_force(
    app: Flask, session: Session, team: dict[str, Any], secretariat: User, *,
    rules: Mapping[str, Any] | None = None, targets: Mapping[str, str] | None = TARGETS,
) -> Pact:  # fmt: skip
    """Publish a plan, register every unit's targets, prepare and sign the pact (in force)."""
    leader = team["heads"][0]
    with app.test_request_context():
        eng = app_engine()
        plan = published_plan_with(session, leader, secretariat, team["block"], rules)
        if targets:
            crits = session.exec(select(Criterion).where(Criterion.plan_id == plan.id)).all()
            for head in team["heads"]:
                register_targets(session, user=head, plan=plan, year=plan.year, targets=[
                    TargetInput(c.id or 0, targets.get(c.code, "Hoàn thành")) for c in crits
                ])  # fmt: skip
        pact = pacts.prepare_pact(session, eng, user=leader, plan=plan)
        pacts.open_signing(session, eng, user=leader, pact=pact)
        for head in team["heads"]:
            pacts.sign_pact(session, eng, user=head, pact=pact, password=PASSWORD)
        session.refresh(pact)
    assert subjects.state(session, pact) == "in_force"
    return pact


def review_team(
    app: Flask, session: Session, make_unit: Callable[..., Unit], make_user: Callable[..., User],
    make_block: Callable[..., Block], *, n: int = 4, code: str = "KRV",
    rules: Mapping[str, Any] | None = None, secretariat: User | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Build a block of `n` units with heads, its published plan and its pact in force."""
    with app.app_context():
        team = make_block_of(session, make_unit, make_user, make_block, NAMES[:n], code)
    if secretariat is None:
        secretariat = make_user("secretariat", None, roles=(Role.SECRETARIAT.value,))
    team["secretariat"] = secretariat
    team["pact"] = pact_in_force(app, session, team, secretariat, rules=rules)
    team["plan"] = session.get(Plan, team["pact"].plan_id)
    team["year"] = team["pact"].year
    return team


def open_year(
    app_or_session: Flask | Session, session_or_block: Session | Block,
    block_or_year: Block | int, year: int | None = None, *, on: date | datetime | None = None,
) -> list[Review]:  # fmt: skip
    """Open the block's reviews due by `on` (default 31 December of `year`); return the year's."""
    if isinstance(app_or_session, Flask):
        assert isinstance(session_or_block, Session) and isinstance(block_or_year, Block)
        assert year is not None
        with app_or_session.app_context():
            return _open(session_or_block, block_or_year, year, on)
    assert isinstance(session_or_block, Block) and isinstance(block_or_year, int)
    return _open(app_or_session, session_or_block, block_or_year, on)


def _open(session: Session, block: Block, year: int, on: date | datetime | None) -> list[Review]:
    when = on or date(year, 12, 31)
    now = when if isinstance(when, datetime) else datetime.combine(when, time(7, 0))
    open_due_reviews(session, now, app_engine())
    session.expire_all()
    return reviews_of_block(session, block.id or 0, year=year)


def spread(
    total: Number, criteria: Iterable[Criterion], attr: str = "max_points"
) -> dict[str, Decimal]:
    """Split `total` over `criteria` in order, each up to its maximum (`attr`)."""
    left = Decimal(str(total))
    out: dict[str, Decimal] = {}
    for c in criteria:
        part = min(left, Decimal(getattr(c, attr)))
        out[c.code] = part
        left -= part
    if left > 0:
        raise ValueError(f"{total} is more than the criteria's {attr} allow")
    return out


def _criteria(session: Session, review: Review) -> list[Criterion]:
    return [line.criterion for line in lines_of(session, review)]


def _as_map(value: Mapping[str, Number] | Number | None, crits: list[Criterion],
            attr: str) -> dict[str, Decimal]:  # fmt: skip
    if value is None:
        return {c.code: Decimal(0) for c in crits} if attr == "max_bonus" else {}
    if isinstance(value, Mapping):
        return {k: Decimal(str(v)) for k, v in value.items()}
    return spread(value, crits, attr)


def _user_of(session: Session, unit_id: int, head: bool = True) -> User:
    users = session.exec(
        select(User).where(User.unit_id == unit_id, User.active == True).order_by(col(User.id))  # noqa: E712
    ).all()
    for u in users:
        if u.has_role(Role.UNIT_HEAD) or (not head and u.has_role(Role.UNIT_STAFF)):
            return u
    raise LookupError(f"unit {unit_id} has no {'head' if head else 'head or staff'}")


def _leader_head(session: Session, block_id: int, year: int) -> User:
    unit_id = session.exec(
        select(BlockMembership.unit_id).where(
            BlockMembership.block_id == block_id, BlockMembership.year == year,
            BlockMembership.position == Position.LEADER.value,
        )
    ).one()  # fmt: skip
    return _user_of(session, unit_id)


def accept_review(
    session: Session, engine: Engine, review: Review,
    self_scores: Mapping[str, Number] | Number | None, scores: Mapping[str, Number] | Number, *,
    self_bonus: Mapping[str, Number] | Number | None = None,
    bonus: Mapping[str, Number] | Number | None = None,
    late: bool = False, at: datetime | None = None, lock: bool = False,
) -> Review:  # fmt: skip
    """Self-assess, submit, grade and accept one review through the services (see module doc)."""
    crits = _criteria(session, review)
    mine = _as_map(self_scores if self_scores is not None else scores, crits, "max_points")
    theirs = _as_map(scores, crits, "max_points")
    my_bonus = _as_map(self_bonus, crits, "max_bonus")
    their_bonus = _as_map(bonus if bonus is not None else self_bonus, crits, "max_bonus")
    head = _user_of(session, review.unit_id)
    grader = _user_of(session, review.reviewer_unit_id or 0, head=False)
    when = at or datetime.combine(
        review.due_date + timedelta(days=1) if late else review.due_date, time(8, 0)
    )
    reviews.assess(session, user=head, review=review, rows=[
        SelfInput(c.id or 0, achieved="Hoàn thành", self_score=mine.get(c.code),
                          self_bonus=my_bonus.get(c.code), self_note="")
        for c in crits
    ])  # fmt: skip
    previous = clock._now  # keep a test's own frozen clock
    set_clock(lambda: when)
    try:
        trigger = "resubmit" if subjects.state(session, review) == "returned" else "submit"
        reviews.fire_review(session, engine, user=head, review=review, trigger=trigger)
    finally:
        set_clock(previous)
    if subjects.state(session, review) != "under_review":
        reviews.fire_review(session, engine, user=grader, review=review, trigger="start_review")
    reviews.grade(session, user=grader, review=review, rows=[
        GradeInput(c.id or 0, score=theirs.get(c.code), bonus=their_bonus.get(c.code))
        for c in crits
    ])  # fmt: skip
    reviews.fire_review(session, engine, user=grader, review=review, trigger="accept")
    session.refresh(review)
    if lock:
        _publish(session, engine, review.block_id, review.year, review.period)
        session.refresh(review)
    return review


def _publish(session: Session, engine: Engine, block_id: int, year: int, period: str) -> bool:
    found = reviews_of_block(session, block_id, year=year, period=period)
    states = subjects.states(session, found)
    if not found or any(states.get(r.id or 0) != "accepted" for r in found):
        return False
    reviews.publish_period(session, engine, user=_leader_head(session, block_id, year),
                           block_id=block_id, year=year, period=period)  # fmt: skip
    return True


def accept_year(
    session: Session, engine: Engine, block: Block, year: int,
    totals: Mapping[int, Number], *, bonus: Mapping[int, Number] | None = None,
    period: str | None = None, late: Iterable[int] = (), lock: bool = False,
    default: Number | None = None,
) -> list[Review]:  # fmt: skip
    """Accept every review of the block's year (or period) with the given totals per unit."""
    late_units = set(late)
    found = reviews_of_block(session, block.id or 0, year=year, period=period)
    states = subjects.states(session, found)
    done = subjects.tagged(session, REVIEW, "done")
    for review in found:
        total = totals.get(review.unit_id, default)
        if total is None or states.get(review.id or 0) in done:
            continue
        extra = (bonus or {}).get(review.unit_id)
        accept_review(session, engine, review, None, total, self_bonus=extra,
                      late=review.unit_id in late_units)  # fmt: skip
    if lock:
        for p in sorted({r.period for r in found}):
            _publish(session, engine, block.id or 0, year, p)
    session.expire_all()
    return reviews_of_block(session, block.id or 0, year=year, period=period)

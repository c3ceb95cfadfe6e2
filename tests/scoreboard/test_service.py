"""The year ranking that feeds nominations: totals, ties, units without a year-end result."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from flask import Flask
from sqlmodel import Session

from tests.scoreboard.helpers import plan_and_pact, review_row
from tests.sql import statements_sent
from wflow.org.models import Block, BlockMembership, Unit
from wflow.plans.models import Plan
from wflow.scoreboard.service import (
    RankRow,
    build,
    plan_of_year,
    year_ranking,
    year_rankings,
)

YEAR = 2025


def test_year_ranking__year_end_totals_ties_share_a_rank_and_missing_units_rank_last(
    session: Session, make_unit: Callable[..., Unit], make_block: Callable[..., Block]
) -> None:
    a, b, c, d, e = (make_unit(f"U{x}", f"Unit {x}") for x in "ABCDE")
    block = make_block("KR", [a, b, c, d, e], YEAR, leader=a)
    _plan, pact, _criteria = plan_and_pact(session, block, YEAR)
    for unit, q1, ye in ((a, 80, "91.50"), (b, 95, "88"), (c, 70, "91.5")):
        review_row(session, pact, unit, "q1", final=q1)
        review_row(session, pact, unit, "year_end", final=ye)
    review_row(session, pact, d, "q1", final=99)  # no year-end review at all
    review_row(session, pact, e, "year_end", final=97, state="under_review")  # not accepted
    review_row(session, pact, d, "mid_year", final=98, state="locked")  # locked counts

    rows = year_ranking(session, block.id or 0, YEAR)

    assert [(r.unit_name, r.total, r.rank, r.scored) for r in rows] == [
        ("Unit A", Decimal("91.50"), 1, True),
        ("Unit C", Decimal("91.50"), 1, True),  # a tie shares the rank…
        ("Unit B", Decimal("88.00"), 3, True),  # …and the next rank skips (1, 1, 3)
        ("Unit D", Decimal("0.00"), 4, False),  # no accepted year-end review: last, 0
        ("Unit E", Decimal("0.00"), 4, False),
    ]
    assert rows[0].periods == {"q1": Decimal("80.00"), "year_end": Decimal("91.50")}
    assert list(rows[3].periods) == ["q1", "mid_year"]  # in the order of the year
    assert rows[4].periods == {}
    assert isinstance(rows[0], RankRow)


def test_year_ranking__without_a_year_end_review_the_mean_of_the_periods(
    session: Session, make_unit: Callable[..., Unit], make_block: Callable[..., Block]
) -> None:
    a, b, c = make_unit("UA", "Unit A"), make_unit("UB", "Unit B"), make_unit("UC", "Unit C")
    block = make_block("KM", [a, b, c], YEAR, leader=a)
    _plan, pact, _criteria = plan_and_pact(session, block, YEAR, periods=["q1", "mid_year", "q3"])
    for period, fa, fb in (("q1", 90, 70), ("mid_year", 80, 95), ("q3", "85.01", 80)):
        review_row(session, pact, a, period, final=fa)
        review_row(session, pact, b, period, final=fb)
    rows = year_ranking(session, block.id or 0, YEAR)
    assert [(r.unit_name, r.total, r.rank) for r in rows] == [
        ("Unit A", Decimal("85.00"), 1),  # (90 + 80 + 85.01) / 3 = 85.003…
        ("Unit B", Decimal("81.67"), 2),
        ("Unit C", Decimal("0.00"), 3),
    ]


def test_year_ranking__only_the_block_members_of_that_year(
    session: Session, make_unit: Callable[..., Unit], make_block: Callable[..., Block]
) -> None:
    a, b, other = make_unit("UA"), make_unit("UB"), make_unit("UX")
    block = make_block("KY", [a, b], YEAR, leader=a)
    make_block("KZ", [other], YEAR, leader=other)
    _plan, pact, _criteria = plan_and_pact(session, block, YEAR)
    review_row(session, pact, a, "year_end", final=90)
    assert [r.unit_id for r in year_ranking(session, block.id or 0, YEAR)] == [a.id, b.id]
    assert year_ranking(session, block.id or 0, YEAR + 1) == []


def test_year_ranking__a_constant_number_of_queries(
    app: Flask, session: Session, make_unit: Callable[..., Unit], make_block: Callable[..., Block]
) -> None:
    def count(block: Block) -> int:
        bind = app.extensions["wflow.db"]
        with statements_sent(bind) as seen, Session(bind) as fresh:
            year_ranking(fresh, block.id or 0, YEAR)
        return len(seen)

    small = [make_unit(f"S{i}") for i in range(2)]
    big = [make_unit(f"B{i}") for i in range(6)]
    one, six = make_block("K1", small, YEAR, leader=small[0]), make_block("K6", big, YEAR)
    for block, units in ((one, small), (six, big)):
        _plan, pact, _c = plan_and_pact(session, block, YEAR)
        for unit in units:
            for period in ("q1", "mid_year", "q3", "year_end")[: 1 if block is one else 4]:
                review_row(session, pact, unit, period, final=80)
    assert count(one) == count(six) == 3


def test_year_rankings__blocks_and_years_at_once_each_by_its_own_plan_and_members(
    app: Flask, session: Session, make_unit: Callable[..., Unit], make_block: Callable[..., Block]
) -> None:
    a, b, c, d = (make_unit(f"M{x}", f"Unit {x}") for x in "ABCD")
    ka = make_block("KA", [a, b], YEAR, leader=a)  # ranked by the year-end review
    kb = make_block("KB", [c, d], YEAR, leader=c)  # no year-end in its plan: by the mean
    _p, pact_a, _c = plan_and_pact(session, ka, YEAR)
    _p, pact_b, _c = plan_and_pact(session, kb, YEAR, periods=["q1", "mid_year"])
    review_row(session, pact_a, a, "q1", final=99)
    review_row(session, pact_a, a, "year_end", final=90)
    review_row(session, pact_a, b, "year_end", final=95)
    review_row(session, pact_b, c, "q1", final=70)
    review_row(session, pact_b, c, "mid_year", final=80)
    review_row(session, pact_b, d, "q1", final=60)
    session.add(BlockMembership(block_id=ka.id or 0, year=YEAR + 1, unit_id=d.id or 0))
    session.commit()  # next year block KA holds unit D alone, with no result yet
    blocks, years = [ka.id or 0, kb.id or 0], [YEAR, YEAR + 1]
    bind = app.extensions["wflow.db"]
    with statements_sent(bind) as seen, Session(bind) as fresh:
        every = year_rankings(fresh, blocks, years)

    def seen_as(block: Block, year: int) -> list[tuple[str, Decimal, int, bool]]:
        return [(r.unit_name, r.total, r.rank, r.scored) for r in every[(block.id or 0, year)]]

    assert len(seen) == 3
    assert seen_as(ka, YEAR) == [("Unit B", Decimal("95.00"), 1, True),
                                 ("Unit A", Decimal("90.00"), 2, True)]  # fmt: skip
    assert seen_as(kb, YEAR) == [("Unit C", Decimal("75.00"), 1, True),
                                 ("Unit D", Decimal("60.00"), 2, True)]  # fmt: skip
    assert seen_as(ka, YEAR + 1) == [("Unit D", Decimal("0.00"), 1, False)]
    assert seen_as(kb, YEAR + 1) == []
    assert every == {(k, y): year_ranking(session, k, y) for k in blocks for y in years}
    assert year_rankings(session, [], years) == {}


def test_build__the_board_holds_the_plan_plan_of_year_picks(
    session: Session, make_unit: Callable[..., Unit], make_block: Callable[..., Block]
) -> None:
    a = make_unit("PA", "Unit A")
    block = make_block("KP", [a], YEAR, leader=a)
    plan, _pact, _criteria = plan_and_pact(session, block, YEAR)
    draft = Plan(
        block_id=block.id or 0,
        year=YEAR - 1,
        year_end=YEAR + 1,
        title="Dự thảo",
        rules={"reviews": {"q1": "03-31"}},
        scale=1000,
    )  # newer, not published
    session.add(draft)
    session.commit()

    def picked() -> int | None:
        found = plan_of_year(session, block.id or 0, YEAR)
        return found.id if found is not None else None

    board = build(session, block.id or 0, YEAR)

    assert board.plan is not None and board.plan.id == picked() == plan.id  # the published
    assert (board.plan.title, board.plan.scale) == (plan.title, 100)
    assert board.periods == ["q1", "mid_year", "q3", "year_end"]  # the published plan's
    plan.published_at = None  # neither published: the newest
    session.commit()
    board = build(session, block.id or 0, YEAR)
    assert board.plan is not None and board.plan.id == picked() == draft.id
    assert board.scale == 1000
    assert build(session, block.id or 0, YEAR + 2).plan is None

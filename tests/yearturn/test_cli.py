"""`wflow year open`: the turn of the year from the command line."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskCliRunner
from sqlmodel import Session, select

from tests.yearturn.conftest import CLOSED, closed_year_rows
from wflow.org.models import BlockMembership
from wflow.plans.models import Plan

NEW = CLOSED + 1


def test_cli__opens_the_year_then_has_nothing_to_do(
    runner: FlaskCliRunner, session: Session, council: dict[str, Any]
) -> None:
    before = closed_year_rows(session)
    done = runner.invoke(args=["year", "open", str(NEW)])
    assert done.exit_code == 0, done.output
    assert f"{NEW} opened" in done.output
    assert "membership, leader and deputy copied: Khối KA, Khối KB, Khối KC" in done.output
    assert f"plans cloned as drafts: Kế hoạch thi đua năm {NEW} của Khối KA" in done.output
    assert closed_year_rows(session) == before
    session.expire_all()
    assert len(session.exec(select(BlockMembership).where(BlockMembership.year == NEW)).all()) == 9
    again = runner.invoke(args=["year", "open", str(NEW)])
    assert again.exit_code == 0, again.output
    assert "nothing to do" in again.output
    assert len(session.exec(select(Plan).where(Plan.year == NEW)).all()) == 1


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("2027", "No block has member units in 2026"),
        ("2024", "No block has member units in 2023"),
        ("next", "Give a year between 2001 and 2100."),
        ("99999", "Give a year between 2001 and 2100."),
    ],
)
def test_cli__bad_year_is_one_line_and_changes_nothing(
    runner: FlaskCliRunner, session: Session, council: dict[str, Any], year: str, message: str
) -> None:
    before = closed_year_rows(session)
    answer = runner.invoke(args=["year", "open", year])
    assert answer.exit_code == 1
    assert answer.output.strip().count("\n") == 0 and message in answer.output
    assert closed_year_rows(session) == before
    assert not session.exec(select(BlockMembership).where(BlockMembership.year != CLOSED)).all()

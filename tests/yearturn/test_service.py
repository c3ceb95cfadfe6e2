"""Opening 2026 from 2025: memberships, leaders by rule or election, plans cloned as drafts."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session, col, select

from tests.conftest import present
from tests.yearturn.conftest import CLOSED, closed_year_rows
from wflow.core import subjects
from wflow.core.errors import ServiceError
from wflow.engine.tables import WfInstance
from wflow.org import service as org
from wflow.org.models import BlockMembership, Unit
from wflow.plans.criteria import snapshot_criteria
from wflow.plans.models import Plan
from wflow.workflow_setup import engine
from wflow.yearturn import service
from wflow.yearturn.leadership import rotate

NEW = CLOSED + 1


def positions(session: Session, block_id: int, year: int) -> dict[str, str]:
    """Return {unit name: position} of the block in `year`."""
    query = (
        select(Unit.name, BlockMembership.position)
        .join(BlockMembership, col(BlockMembership.unit_id) == Unit.id)
        .where(BlockMembership.block_id == block_id, BlockMembership.year == year)
    )
    return dict(session.exec(query).all())


def pair(order: list[int], leader: int | None, deputy: int | None) -> tuple[int | None, ...]:
    """Return the (leader, deputy) the rotation gives."""
    turned = rotate(order, leader, deputy)
    return (turned.leader_id, turned.deputy_id)


def open_new(app: Flask, session: Session, user: Any = None) -> service.YearReport:
    with app.test_request_context():
        return service.open_year(session, engine(), year=NEW, user=user)


def test_rotation__the_deputy_leads_and_the_next_unit_deputises() -> None:
    assert pair([1, 2, 3, 4], 1, 2) == (2, 3)
    assert pair([1, 2, 3, 4], 3, 4) == (4, 1)  # round the end of the list
    assert pair([1, 2, 3], 2, 1) == (1, 3)  # the outgoing leader is skipped
    assert pair([1, 2], 1, 2) == (2, 1)  # a block of two swaps
    assert pair([1, 2, 3], 1, None) == (2, 3)  # no deputy: the next unit leads
    assert pair([1, 2, 3], None, None) == (1, 2)
    assert pair([5], 5, None) == (5, None)


def test_open_year__copies_members_with_leaders_by_rule_and_by_election(
    app: Flask, session: Session, council: dict[str, Any]
) -> None:
    blocks = council["blocks"]
    report = open_new(app, session, council["users"]["secretariat"])
    assert sorted(report.copied) == ["Khối KA", "Khối KB", "Khối KC"]
    assert positions(session, blocks["KA"].id, NEW) == {  # rotate, in the order of names
        "Hội An": "member", "Hội Bình": "leader", "Hội Cường": "deputy", "Hội Dũng": "member",
    }  # fmt: skip
    assert positions(session, blocks["KB"].id, NEW) == {"Hội Em": "leader", "Hội Giang": "deputy"}
    assert positions(session, blocks["KC"].id, NEW) == {  # the conference's election wins
        "Hội Hà": "deputy", "Hội Khánh": "member", "Hội Lan": "leader",
    }  # fmt: skip


def test_open_year__clones_last_years_plan_as_a_draft_of_the_new_year(
    app: Flask, session: Session, council: dict[str, Any]
) -> None:
    old: Plan = council["plan"]
    report = open_new(app, session, council["users"]["secretariat"])
    assert report.cloned == [f"Kế hoạch thi đua năm {NEW} của Khối KA"]
    new = session.exec(select(Plan).where(Plan.block_id == old.block_id, Plan.year == NEW)).one()
    assert (new.year_end, new.title) == (NEW, f"Kế hoạch thi đua năm {NEW} của Khối KA")
    assert (new.purposes, new.contents, new.scale) == (old.purposes, old.contents, old.scale)
    assert new.rules == old.rules and new.rules["vote_threshold"] == "3/4"
    assert new.registration_deadline == date(NEW, 3, 31)
    assert snapshot_criteria(session, new.id or 0) == snapshot_criteria(session, old.id or 0)
    assert len(snapshot_criteria(session, new.id or 0)) == 2
    instance = session.get(WfInstance, new.instance_id)
    assert instance is not None and instance.id != old.instance_id
    assert (instance.workflow, instance.state, instance.year) == ("plan", "draft", NEW)
    assert subjects.has_tag(session, new, "editable")
    # No plan last year (KB, KC): membership only.
    others = [council["blocks"]["KB"].id, council["blocks"]["KC"].id]
    assert not session.exec(select(Plan).where(col(Plan.block_id).in_(others))).all()


def test_open_year__changes_nothing_of_the_closed_year(
    app: Flask, session: Session, council: dict[str, Any]
) -> None:
    before = closed_year_rows(session)
    assert len(before) > 10
    open_new(app, session, council["users"]["admin"])
    assert closed_year_rows(session) == before


def test_open_year__twice_changes_nothing_the_second_time(
    app: Flask, session: Session, council: dict[str, Any]
) -> None:
    open_new(app, session)
    after_first = closed_year_rows(session, NEW)
    again = open_new(app, session)
    assert again.nothing_to_do and not again.copied and not again.cloned
    assert sorted(again.kept) == ["Khối KA", "Khối KB", "Khối KC"]
    assert closed_year_rows(session, NEW) == after_first


def test_open_year__keeps_members_set_by_hand_and_still_clones_the_plan(
    app: Flask, session: Session, council: dict[str, Any]
) -> None:
    ka, u = council["blocks"]["KA"], council["units"]
    org.set_block_year(session, ka, year=NEW, member_ids=[u["An"].id, u["Dũng"].id],
                       leader_id=u["Dũng"].id, deputy_id=None)  # fmt: skip
    turn = next(t for t in service.preview(session, NEW) if t.block.id == ka.id)
    assert turn.opened and turn.plan_action == service.PLAN_CLONE and not turn.nothing_to_do
    report = open_new(app, session)
    assert "Khối KA" in report.kept and len(report.cloned) == 1
    assert positions(session, ka.id, NEW) == {"Hội An": "member", "Hội Dũng": "leader"}


def test_preview__tells_what_would_happen_and_writes_nothing(
    app: Flask, session: Session, council: dict[str, Any]
) -> None:
    with app.test_request_context():
        turns = {t.block.code: t for t in service.preview(session, NEW)}
    assert present(turns["KA"].leader, "KA's leader").name == "Hội Bình"
    assert turns["KA"].leadership.source == "rotate"
    assert turns["KA"].plan_action == "clone"
    assert turns["KB"].leadership.source == "keep" and turns["KB"].plan_action == "none"
    assert present(turns["KC"].leader, "KC's leader").name == "Hội Lan"
    assert turns["KC"].leadership.source == "conference"
    assert not session.exec(select(BlockMembership).where(BlockMembership.year == NEW)).all()


@pytest.mark.parametrize("year", [CLOSED, NEW + 1, CLOSED - 1, 1999, 3000, None])
def test_open_year__refuses_a_year_not_next_to_an_existing_one(
    app: Flask, session: Session, council: dict[str, Any], year: int | None
) -> None:
    before = closed_year_rows(session)
    with app.test_request_context(), pytest.raises(ServiceError):
        service.open_year(session, engine(), year=year, user=None)  # type: ignore[arg-type]
    assert closed_year_rows(session) == before
    assert not session.exec(select(BlockMembership).where(BlockMembership.year != CLOSED)).all()

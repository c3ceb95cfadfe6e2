"""The committee's dashboard: blocks, states, signatures, filters, exports, constant queries."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlmodel import Session, col

from tests.conftest import sign_in
from tests.pacts.helpers import make_block_of, pact_in_signing
from tests.sql import sqlite_plan, statements_sent, statements_with_params
from wflow.clock import utcnow
from wflow.core import workflow as wf
from wflow.core.access import current_year
from wflow.engine import Scope
from wflow.engine.tables import WfInstance, WfParticipant
from wflow.org.models import Block, BlockMembership, Unit, User
from wflow.pacts.models import Pact
from wflow.plans.models import Plan
from wflow.reviews.models import Review
from wflow.workflow_setup import engine


def _start(app: Flask, session: Session, workflow: str, block: Block, subject: int) -> int:
    scope = Scope(workflow, subject, block_id=block.id, year=current_year())
    with app.test_request_context():
        return wf.start(session, engine(), workflow, scope, None)


def _row(name: str) -> str:
    return f'<th scope="row">{name} '


def test_committee__shows_blocks_states_and_who_has_not_signed(
    app: Flask, client: FlaskClient, session: Session, make_unit: Callable[..., Unit],
    make_user: Callable[..., User], make_block: Callable[..., Block],
) -> None:  # fmt: skip
    with app.app_context():
        team = make_block_of(session, make_unit, make_user, make_block)
    other = make_block("KB", [make_unit("B1"), make_unit("B2")], current_year())
    secretariat = make_user("secretariat", None, roles=("secretariat",))
    pact = pact_in_signing(app, session, team, secretariat)
    sign_in(client, "secretariat")
    page = client.get("/committee").get_data(as_text=True)
    assert _row("Khối KCT") in page and _row("Khối KB") in page
    assert "0 of 6 signed" in page
    assert "Tỉnh Đoàn Hà Tĩnh" in page  # a unit that has not signed yet is named
    assert f"/instances/{pact.instance_id}" in page  # drill down to the timeline
    assert "<svg" in page and "<title" in page  # charts with a text alternative
    filtered = client.get("/committee?state=signing").get_data(as_text=True)
    assert _row("Khối KCT") in filtered and _row("Khối KB") not in filtered
    other_flow = client.get("/committee?state=plan:signing").get_data(as_text=True)
    assert _row("Khối KCT") not in other_flow  # the pact signs, not a plan
    assert _row("Khối KCT") in client.get("/committee?state=pact:signing").get_data(as_text=True)
    only_kb = client.get(f"/committee?block={other.id}").get_data(as_text=True)
    assert _row("Khối KB") in only_kb and _row("Khối KCT") not in only_kb
    assert _row("Khối KCT") not in client.get("/committee?overdue=1").get_data(as_text=True)
    row = session.get(WfInstance, pact.instance_id)
    assert row is not None
    row.due_at = utcnow() - timedelta(days=1)
    session.add(row)
    session.commit()
    assert _row("Khối KCT") in client.get("/committee?overdue=1").get_data(as_text=True)
    assert client.get("/committee?year=abc").status_code == 422  # not a year: named, refused
    assert client.get("/committee?year=99999").status_code == 422  # names the year
    assert client.get("/committee?format=pdf").status_code == 400


def test_committee__names_the_unit_of_each_instance_past_due(
    app: Flask, client: FlaskClient, session: Session, make_unit: Callable[..., Unit],
    make_user: Callable[..., User], make_block: Callable[..., Block],
) -> None:  # fmt: skip
    """An instance past due about a unit is named by its unit; one about no unit by its
    workflow alone (the unit's name read with the listed instances)."""
    units = [make_unit("N1"), make_unit("N2")]
    block = make_block("KN", units, current_year(), leader=units[0])
    make_user("secretariat", None, roles=("secretariat",))
    scope = Scope("nomination", 1, unit_id=units[1].id, block_id=block.id, year=current_year())
    with app.test_request_context():
        mine = wf.start(session, engine(), "nomination", scope, None)
    pact = _start(app, session, "pact", block, 1)
    for iid in (mine, pact):
        row = session.get(WfInstance, iid)
        assert row is not None
        row.due_at = utcnow() - timedelta(days=2)
        session.add(row)
    session.commit()
    sign_in(client, "secretariat")
    page = client.get("/committee?overdue=1").get_data(as_text=True)
    cell = page.split("<strong>2</strong>: ", 1)[1].split("</td>", 1)[0]
    assert f'href="/instances/{mine}">' in cell and f'href="/instances/{pact}">' in cell
    assert (
        f"{units[1].name}</a>" in cell.split(f"/instances/{mine}", 1)[1].split("</a>")[0] + "</a>"
    )
    assert units[0].name not in cell


def test_committee__exports_csv_and_xlsx(
    app: Flask, client: FlaskClient, session: Session, world: dict[str, Any]
) -> None:
    _start(app, session, "pact", world["blocks"]["a"], 1)
    sign_in(client, "council")
    csv = client.get("/committee?format=csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    text = csv.get_data(as_text=True)
    assert "Khối KA" in text and "Khối KB" in text
    xlsx = client.get("/committee?format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet is not None
    names = [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["Khối KA", "Khối KB"]


def _review(session: Session, pact: Any, unit: Unit, period: str, due_days: int,
            submitted: bool = False, late: bool = False) -> None:  # fmt: skip
    now = utcnow()
    session.add(Review(pact_id=pact.id, plan_id=pact.plan_id, block_id=pact.block_id,
                       unit_id=unit.id or 0, year=pact.year, period=period,
                       due_date=(now + timedelta(days=due_days)).date(),
                       submitted_at=now if submitted else None, late=late))  # fmt: skip


def test_committee__counts_reviews_per_period_on_time_late_missing(
    app: Flask, client: FlaskClient, session: Session, make_unit: Callable[..., Unit],
    make_user: Callable[..., User], make_block: Callable[..., Block],
) -> None:  # fmt: skip
    with app.app_context():
        team = make_block_of(session, make_unit, make_user, make_block)
    secretariat = make_user("secretariat", None, roles=("secretariat",))
    pact = pact_in_signing(app, session, team, secretariat)
    u = team["units"]
    _review(session, pact, u[0], "q1", -10, submitted=True)
    _review(session, pact, u[1], "q1", -10, submitted=True, late=True)
    _review(session, pact, u[2], "q1", -10)  # due ten days ago, never submitted
    _review(session, pact, u[3], "q1", -10, submitted=True)
    _review(session, pact, u[0], "mid_year", 20)  # not yet due
    session.commit()
    sign_in(client, "secretariat")
    page = client.get("/committee").get_data(as_text=True)
    assert "First quarter: 2 on time, 1 late, 1 missing" in page
    assert "Mid-year (6 months): 1 not yet due" in page
    assert page.index("First quarter") < page.index("Mid-year")
    csv = client.get("/committee?format=csv").get_data(as_text=True)
    assert "First quarter: 2 on time, 1 late, 1 missing; Mid-year (6 months): 1 not yet due" in csv


def test_committee__is_for_the_committee_only(client: FlaskClient, world: dict[str, Any]) -> None:
    sign_in(client, "a1.head")
    assert client.get("/committee").status_code == 403


def _add_blocks(
    app: Flask, session: Session, make_unit: Callable[..., Unit],
    make_block: Callable[..., Block], count: int, start: int,
) -> None:  # fmt: skip
    for n in range(start, start + count):
        units = [make_unit(f"Q{n}A"), make_unit(f"Q{n}B")]
        block = make_block(f"Q{n}", units, current_year(), leader=units[0])
        _start(app, session, "plan", block, n)
        iid = _start(app, session, "pact", block, n)
        for pos, unit in enumerate(units):  # a signing round, as the engine would write it
            session.add(WfParticipant(instance_id=iid, round=1, position=pos, key=f"unit:{unit.id}",
                                      principal=f"unit:{unit.id}:head", label=unit.name,
                                      choice="act" if pos == 0 else None))  # fmt: skip
        # the block's reviews of every period, as rows (the review tests drive the workflow)
        year = current_year()
        plan = Plan(block_id=block.id or 0, year=year, year_end=year, title="Kế hoạch")
        session.add(plan)
        session.flush()
        pact = Pact(block_id=block.id or 0, plan_id=plan.id or 0, year=year, year_end=year,
                    number=f"{n}/GƯ", title="Giao ước")  # fmt: skip
        session.add(pact)
        session.flush()
        for period, days in (("q1", -60), ("mid_year", -5), ("q3", 20), ("year_end", 90)):
            for pos, unit in enumerate(units):
                _review(session, pact, unit, period, days, submitted=pos == 0, late=days == -5)
        session.commit()


# The statements of the dashboard seen again: the layout's (the user, the menu's badges), the
# blocks' instances listed and counted with the reviews per period and the pacts' signatures
# (one statement), the overdue recommendations; the councils seen and the list of blocks are
# kept per process while the organisation does not change (`wflow.org.epoch`). A regression
# past it fails.
PAGE_STATEMENTS = 4


def _statements(app: Flask, client: FlaskClient) -> tuple[int, str]:
    """Return the statements of the dashboard seen again, and the page."""
    client.get("/committee")  # seen once since the organisation changed: the councils read
    with statements_sent(app.extensions["wflow.db"]) as seen:
        page = client.get("/committee")
    assert page.status_code == 200
    return len(seen), page.get_data(as_text=True)


def test_committee__a_constant_number_of_queries_whatever_the_blocks(
    app: Flask, client: FlaskClient, session: Session, make_unit: Callable[..., Unit],
    make_user: Callable[..., User], make_block: Callable[..., Block],
) -> None:  # fmt: skip
    make_user("secretariat", None, roles=("secretariat",))
    _add_blocks(app, session, make_unit, make_block, 2, 0)
    sign_in(client, "secretariat")
    two, page = _statements(app, client)
    assert page.count("1 of 2 signed") == 6  # chart title, caption and table, per block
    assert page.count("Mid-year (6 months): 1 late, 1 missing") == 6  # chart, text, table
    _add_blocks(app, session, make_unit, make_block, 10, 2)
    twelve, page = _statements(app, client)
    assert page.count("1 of 2 signed") == 36
    assert page.count("Mid-year (6 months): 1 late, 1 missing") == 36
    assert two == twelve <= PAGE_STATEMENTS, (two, twelve)


def test_committee__reads_its_blocks_and_overdue_recommendations_by_index(
    app: Flask, client: FlaskClient, session: Session, backend: str,
    make_unit: Callable[..., Unit], make_user: Callable[..., User],
    make_block: Callable[..., Block],
) -> None:  # fmt: skip
    """SQLite looks the page's blocks up in the instances' index one by one (not a range over
    every block's instances of the year), and finds the recommendations past due by their
    (state, due date) index (not by reading every instance of the council)."""
    if backend != "sqlite":
        pytest.skip("the plans checked are SQLite's (PostgreSQL's follow its statistics)")
    make_user("secretariat", None, roles=("secretariat",))
    _add_blocks(app, session, make_unit, make_block, 2, 0)
    sign_in(client, "secretariat")
    bind = app.extensions["wflow.db"]
    with statements_with_params(bind) as sent:
        assert client.get("/committee").status_code == 200
    plans = [line for statement, params in sent
             if statement.lstrip().upper().startswith(("SELECT", "WITH"))
             for line in sqlite_plan(bind, statement, params)]  # fmt: skip
    on_instances = [p for p in plans if "wf_instance USING" in p and "block_id" in p]
    assert on_instances, plans
    assert not [p for p in on_instances if "block_id>" in p], on_instances
    assert any("ix_inspection_recommendation_state_due" in p for p in plans), plans
    assert not [p for p in plans if "ix_wf_instance_council_id" in p], plans


def test_committee__shows_twelve_blocks_a_page_with_links_to_the_others(
    app: Flask, client: FlaskClient, session: Session, make_unit: Callable[..., Unit],
    make_user: Callable[..., User], make_block: Callable[..., Block],
) -> None:  # fmt: skip
    make_user("secretariat", None, roles=("secretariat",))
    _add_blocks(app, session, make_unit, make_block, 14, 10)  # Khối Q10 … Khối Q23, by name
    sign_in(client, "secretariat")
    first = client.get("/committee").get_data(as_text=True)
    assert _row("Khối Q10") in first and _row("Khối Q21") in first
    assert _row("Khối Q22") not in first and _row("Khối Q23") not in first
    assert first.count("1 of 2 signed") == 36  # twelve blocks, three times each
    assert "Page 1 of 2: blocks 1 to 12 of 14." in first
    assert '<nav class="pagination" aria-label="Pages of blocks">' in first
    assert 'href="/committee?page=2"' in first and 'aria-current="page">1</a>' in first
    second = client.get("/committee?page=2").get_data(as_text=True)
    assert _row("Khối Q22") in second and _row("Khối Q23") in second
    assert _row("Khối Q10") not in second and second.count("1 of 2 signed") == 6
    assert "Page 2 of 2: blocks 13 to 14 of 14." in second
    assert 'href="/committee?page=1"' in second and 'aria-current="page">2</a>' in second
    # the filters stay when paging; the export holds every block, whatever the page
    filtered = client.get("/committee?state=pact:prepared&page=2").get_data(as_text=True)
    assert "state=pact:prepared&amp;page=1" in filtered and _row("Khối Q23") in filtered
    for path in ("/committee?format=csv", "/committee?page=2&format=xlsx"):
        got = client.get(path)
        assert got.status_code == 200
        if path.endswith("csv"):
            names = [line.split(",")[0] for line in got.get_data(as_text=True).splitlines()[1:]]
        else:
            sheet = load_workbook(io.BytesIO(got.data)).active
            assert sheet is not None
            names = [str(r[0]) for r in sheet.iter_rows(min_row=2, values_only=True)]
        assert names == [f"Khối Q{n}" for n in range(10, 24)]


def test_committee__refuses_a_page_that_is_not_there_with_the_reason(
    app: Flask, client: FlaskClient, session: Session, make_unit: Callable[..., Unit],
    make_user: Callable[..., User], make_block: Callable[..., Block],
) -> None:  # fmt: skip
    make_user("secretariat", None, roles=("secretariat",))
    _add_blocks(app, session, make_unit, make_block, 2, 0)
    sign_in(client, "secretariat")
    here = {"Referer": "http://localhost/committee?page=1"}
    past = client.get("/committee?page=3", headers=here)
    assert past.status_code == 404
    text = past.get_data(as_text=True)
    assert "There is no page 3: the last page is 1." in text
    assert 'href="/committee?page=1"' in text  # back to where the person was
    for bad in ("0", "abc", "-1"):
        refused = client.get(f"/committee?page={bad}", headers=here)
        assert refused.status_code == 422 and "page" in refused.get_data(as_text=True)
    assert client.get("/committee?page=1").status_code == 200


def test_committee__a_blocks_states_follow_the_workflows_lifecycle(
    app: Flask, client: FlaskClient, session: Session, make_unit: Callable[..., Unit],
    make_user: Callable[..., User], make_block: Callable[..., Block],
) -> None:  # fmt: skip
    """The chart's segments and their text come in the order the workflow writes its states
    (draft, consultation, submitted), not in the order the database counted them."""
    block = make_block("KL", [make_unit("L1"), make_unit("L2")], current_year())
    make_user("secretariat", None, roles=("secretariat",))
    ids = [_start(app, session, "plan", block, subject) for subject in (1, 2, 3)]
    for iid, state in zip(ids, ("submitted", "consultation", "draft"), strict=True):
        session.execute(sa.update(WfInstance).where(col(WfInstance.id) == iid).values(state=state))
    session.commit()
    sign_in(client, "secretariat")
    page = client.get("/committee").get_data(as_text=True)
    plan = "Emulation plan"
    text = f"Instances by state: {plan}: Draft: 1, {plan}: Consultation: 1, {plan}: Submitted: 1"
    assert text in page


def test_committee__the_blocks_table_lists_states_in_the_workflows_order(
    app: Flask, client: FlaskClient, session: Session, make_unit: Callable[..., Unit],
    make_user: Callable[..., User], make_block: Callable[..., Block],
) -> None:  # fmt: skip
    """A block's nominations are counted by state in the order the workflow writes its states
    (proposed, block vote, submitted), as its chart shows them, not alphabetically."""
    block = make_block("KN", [make_unit("N1"), make_unit("N2")], current_year())
    make_user("secretariat", None, roles=("secretariat",))
    ids = [_start(app, session, "nomination", block, subject) for subject in (1, 2, 3)]
    for iid, state in zip(ids, ("submitted", "block_vote", "proposed"), strict=True):
        session.execute(sa.update(WfInstance).where(col(WfInstance.id) == iid).values(state=state))
    session.commit()
    sign_in(client, "secretariat")
    page = client.get("/committee").get_data(as_text=True)
    with app.app_context():
        states = engine().definitions["nomination"].states
    words = [f"{states[s].label.get('en')}: 1" for s in ("proposed", "block_vote", "submitted")]
    assert "<br>".join(words) in page


def test_committee__names_each_blocks_leader_and_counts_its_members_of_the_year(
    app: Flask, client: FlaskClient, session: Session, make_unit: Callable[..., Unit],
    make_user: Callable[..., User], make_block: Callable[..., Block],
) -> None:  # fmt: skip
    """A block's leader and member count are those of the year shown; a block without
    members that year is offered by the block filter but has no row."""
    year = current_year()
    units = [make_unit(f"Y{n}", f"Y{n}") for n in range(4)]
    block = make_block("KY", units[:3], year, leader=units[1])
    before = make_block("KZ", units[2:], year - 1, leader=units[3])
    # the same block the year before: another leader, four members
    for unit in units:
        position = "leader" if unit is units[0] else "member"
        session.add(BlockMembership(block_id=block.id or 0, year=year - 1, unit_id=unit.id or 0,
                                    position=position))  # fmt: skip
    session.commit()
    make_user("secretariat", None, roles=("secretariat",))
    sign_in(client, "secretariat")
    assert _leaders(client, year) == [("Khối KY", "Y1", "3")]
    page = client.get("/committee").get_data(as_text=True)
    assert f'<option value="{before.id}">Khối KZ</option>' in page and _row("Khối KZ") not in page
    assert _leaders(client, year - 1) == [("Khối KY", "Y0", "4"), ("Khối KZ", "Y3", "2")]


def _leaders(client: FlaskClient, year: int) -> list[tuple[str, str, str]]:
    """Return the (block, leader, members) columns of the dashboard's CSV export of `year`."""
    text = client.get(f"/committee?year={year}&format=csv").get_data(as_text=True)
    rows = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    return [(r["Block"], r["Leader"], r["Members"]) for r in rows]


def test_committee__a_block_renamed_or_reseated_shows_at_once_on_the_next_view(
    app: Flask, client: FlaskClient, session: Session, world: dict[str, Any]
) -> None:  # fmt: skip
    """The blocks' list is kept per process under the access epoch: any change to a block, its
    members or a unit is on the next view, in this process as in another."""
    from wflow.org import service as org

    year, a1, a2, b1, b2 = world["year"], *(world["units"][u] for u in ("a1", "a2", "b1", "b2"))
    sign_in(client, "council")
    first = [("Khối KA", a1.name, "2"), ("Khối KB", b1.name, "2")]
    assert _leaders(client, year) == first
    assert _leaders(client, year) == first  # seen again: kept
    org.update_block(session, world["blocks"]["a"], name="Khối Alpha", code="KA",
                     description="")  # fmt: skip
    session.commit()
    assert _leaders(client, year)[0] == ("Khối Alpha", a1.name, "2")
    org.set_block_year(session, world["blocks"]["a"], year=year, member_ids=[a1.id, a2.id, b2.id],
                       leader_id=a2.id, deputy_id=None)  # fmt: skip
    assert _leaders(client, year)[0] == ("Khối Alpha", a2.name, "3")
    org.update_unit(session, a2, name="Unit Two", code=a2.code, kind=a2.kind, parent_id=None)
    session.commit()
    assert _leaders(client, year)[0] == ("Khối Alpha", "Unit Two", "3")

"""The block's scoreboard: ranking, late flags, breakdown, targets, charts, exports, sheets."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlmodel import Session, col, select

from tests.conftest import present, sign_in
from tests.dbs import DemoBuild
from tests.scoreboard.helpers import plan_and_pact, review_row, review_version, reviews_for
from tests.sql import statements_sent
from wflow.org.models import Block, Role, Unit, User
from wflow.reviews.models import ReviewScore

PERIODS = ["q1", "mid_year", "q3", "year_end"]


@pytest.fixture
def board(app: Flask, session: Session, world: dict[str, Any],
          make_unit: Callable[..., Unit]) -> dict[str, Any]:  # fmt: skip
    """Block KA of the world with a third unit, its plan and pact, and this year's reviews."""
    version = review_version(app)
    a1, a2 = world["units"]["a1"], world["units"]["a2"]
    a3 = make_unit("A3", "Hội Nông dân thử")
    block = world["blocks"]["a"]
    from wflow.org import service as org

    year = world["year"]
    org.set_block_year(session, block, year=year,
                       member_ids=[a1.id, a2.id, present(a3.id, "A3's id")],
                       leader_id=a1.id, deputy_id=a2.id)  # fmt: skip
    plan, pact, criteria = plan_and_pact(session, block, year)
    # a1: 95 then 92 at year end; a2: 80, late at mid-year with a 1-point penalty, 96 at year end
    for period, f1, f2 in (("q1", 95, 80), ("mid_year", 90, "84.5")):
        review_row(session, pact, a1, period, final=f1, version=version)
        review_row(session, pact, a2, period, final=f2, late=period == "mid_year",
                   penalty=1 if period == "mid_year" else 0, version=version)  # fmt: skip
    for unit, scores in ((a1, [29, 28, 35]), (a2, [30, 28, 38])):  # year end: 92 and 96
        review_row(session, pact, unit, "year_end", scores=scores, criteria=criteria,
                   version=version)  # fmt: skip
    review_row(session, pact, a3, "q1", state="submitted", final=99,
               version=version)  # not accepted: not shown  # fmt: skip
    review_row(session, pact, a2, "q3", scores=[28, 20, 36], criteria=criteria,
               version=version)  # 84  # fmt: skip
    return {**world, "a3": a3, "plan": plan, "pact": pact, "criteria": criteria,
            "version": version}  # fmt: skip


def _page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _rows(page: str, table_id: str) -> list[str]:
    found = re.search(rf'<table class="scoreboard" id="{table_id}">(.*?)</table>', page, re.S)
    assert found, table_id
    body = found.group(1).split("<tbody>")[1]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip() for r in body.split("<tr>")[1:]]


def test_scoreboard__ranks_units_with_totals_late_flags_and_charts(
    client: FlaskClient, board: dict[str, Any]
) -> None:
    sign_in(client, "a2.head")
    page = _page(client, f"/blocks/{board['blocks']['a'].id}/scoreboard")
    rows = _rows(page, "results")
    q1, mid = ("PDF (Scoring sheet of Đơn vị thử 2, First quarter)",
               "PDF (Scoring sheet of Đơn vị thử 2, Mid-year (6 months))")  # fmt: skip
    assert rows[0].startswith(f"1 Đơn vị thử 2 (A2) 80 {q1} 84.5 late −1 {mid}")  # links say whose
    assert rows[0].endswith("96")  # the year-end total ranks a2 first
    assert rows[1].startswith("2 Đơn vị thử 1 (A1) 95")
    assert rows[2].startswith("— (ranks last) Hội Nông dân thử (A3)")  # no result: last
    assert "Submitted" in rows[2] and "99" not in rows[2]  # a result not accepted is not shown
    assert rows[2].endswith("0 (no result)")
    # two charts, each an image with a title, a description and its data table
    assert page.count('role="img"') == 2
    labelled = 'aria-labelledby="chart-periods-title chart-periods-desc"'
    assert f'{labelled} aria-describedby="results"' in page
    assert 'aria-describedby="breakdown"' in page
    assert "<title>Đơn vị thử 2, Year-end summary: 96</title>" in page  # each column says its value
    assert "Đơn vị thử 1: First quarter 95, Mid-year (6 months) 90" in page  # text alternative
    assert ' style="' not in page  # strict CSP: colours come from classes
    assert 'class="s0"' in page and "css/charts.css" in page


def test_scoreboard__breakdown_and_targets_of_the_latest_accepted_period(
    client: FlaskClient, board: dict[str, Any]
) -> None:
    sign_in(client, "secretariat")
    block_id = board["blocks"]["a"].id
    page = _page(client, f"/blocks/{block_id}/scoreboard?period=q3")
    assert _rows(page, "results")[0].startswith("1 Đơn vị thử 2 (A2) 84")
    breakdown = _rows(page, "breakdown")
    assert breakdown == ["Đơn vị thử 2 48 36 84 0"]  # group I: 28 + 20, group II: 36
    assert "Targets met" in page
    # targets are the criteria maxima (30, 30, 40): 28/30, 20/30, 36/40 -> 0 of 3 met, 83 %
    assert "0 of 3" in page and "83%" in page  # English writes no space before %
    # the whole year: the breakdown shows the latest period with an accepted result
    assert "Criteria breakdown: Year-end summary" in _page(client, f"/blocks/{block_id}/scoreboard")


def test_scoreboard__filters_and_bad_input(client: FlaskClient, board: dict[str, Any]) -> None:
    sign_in(client, "a1.head")
    base = f"/blocks/{board['blocks']['a'].id}/scoreboard"
    q1 = _page(client, f"{base}?period=q1")
    assert _rows(q1, "results")[0].startswith("1 Đơn vị thử 1 (A1) 95")  # ranked by Q1
    assert "Period total" in q1
    assert client.get(f"{base}?year={board['year'] - 1}").status_code == 403  # not a member then
    assert client.get(f"{base}?period=q5").status_code == 400
    assert client.get(f"{base}?year=99999").status_code == 422  # names the year
    assert client.get(f"{base}?format=pdf").status_code == 400
    assert client.get(f"/blocks/{board['blocks']['b'].id}/scoreboard").status_code == 403
    assert client.get("/blocks/99999/scoreboard").status_code == 404


def test_scoreboard__exports_csv_and_xlsx(client: FlaskClient, board: dict[str, Any]) -> None:
    sign_in(client, "council")
    base = f"/blocks/{board['blocks']['a'].id}/scoreboard"
    response = client.get(f"{base}?format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, first = table[0], table[1]
    assert header[:3] == ["Rank", "Unit", "Code"]
    record = dict(zip(header, first, strict=True))
    assert record["Code"] == "A2" and record["Year total"] == "96"
    assert record["Mid-year (6 months): final total"] == "84.5"
    assert record["Mid-year (6 months): late"] == "yes"
    assert record["Mid-year (6 months): penalty"] == "1"
    xlsx = client.get(f"{base}?format=xlsx&period=q3")
    assert xlsx.headers["Content-Disposition"].endswith('-q3.xlsx"')
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    head = list(values[0])
    row = dict(zip(head, values[1], strict=True))
    assert row["Code"] == "A2" and row["Period total"] == 84
    assert row["Third quarter: I. Công tác tuyên truyền (/60)"] == 48
    assert row["Third quarter: targets met"] == 0
    assert row["Third quarter: share of the target (percent)"] == 83


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Capture the HTML of every PDF rendered (the PDF itself is tested once, for real)."""
    from wflow.documents import render

    seen: list[tuple[str, str]] = []

    def fake(template: str, context: dict[str, Any], *, title: str, **_kw: Any) -> bytes:
        seen.append((title, render.render_html(template, {**context, "doc_title_text": title})))
        return b"%PDF-1.7 spy"

    monkeypatch.setattr(render, "render_pdf", fake)
    return seen


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_scoring_sheet__a_real_pdf_download(client: FlaskClient, board: dict[str, Any]) -> None:
    sign_in(client, "a1.head")
    page = _page(client, f"/blocks/{board['blocks']['a'].id}/scoreboard")
    assert "Download the scoring sheet (PDF)" in page
    link = re.search(r'href="(/blocks/\d+/scoreboard/sheet\.pdf\?[^"]+)"', page)
    assert link
    response = client.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert "attachment" in response.headers["Content-Disposition"]


def test_scoring_sheet__filled_with_self_and_reviewer_scores_or_blank(
    client: FlaskClient, board: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _spy(monkeypatch)
    sign_in(client, "a1.head")
    block_id, a2 = board["blocks"]["a"].id, board["units"]["a2"]
    url = f"/blocks/{block_id}/scoreboard/sheet.pdf?unit={a2.id}&period=q3"
    assert client.get(url).status_code == 200
    title, html = seen[-1]
    assert title.startswith("Phiếu chấm điểm thi đua quý III")
    text = _text(html)
    assert "Đơn vị được chấm: Đơn vị thử 2" in text
    assert "1.1 Quán triệt nghị quyết 30 2 28 of 30" in text
    assert "28 of 30 28 0 28 0" in text  # figures, self scores, reviewer's scores
    assert "I Công tác tuyên truyền 60 48 0 48 0" in text  # the group's sums
    assert "Tổng điểm" in text and "84" in text
    blank = f"/blocks/{block_id}/scoreboard/sheet.pdf?unit={board['a3'].id}&period=q3"
    assert client.get(blank).status_code == 200
    text = _text(seen[-1][1])
    assert "Đơn vị được chấm: Hội Nông dân thử" in text
    assert "1.1 Quán triệt nghị quyết 30 2" in text and "of 30" not in text
    for bad, status in ((f"unit={a2.id}", 400), (f"unit={a2.id}&period=q9", 400),
                        ("period=q1", 400), ("unit=99999&period=q1", 404),
                        (f"unit={board['units']['b1'].id}&period=q1", 404)):  # fmt: skip
        assert client.get(f"/blocks/{block_id}/scoreboard/sheet.pdf?{bad}").status_code == status


def test_scoring_sheet__scores_in_progress_stay_with_the_unit_and_its_reviewer(
    app: Flask, session: Session, board: dict[str, Any], make_user: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    seen = _spy(monkeypatch)
    a3 = board["a3"]
    make_user("a3.head", a3)
    review_row(session, board["pact"], a3, "q3", state="under_review", scores=[27, 25, 33],
               criteria=board["criteria"], version=board["version"],
               reviewer=board["units"]["a2"])  # fmt: skip
    url = f"/blocks/{board['blocks']['a'].id}/scoreboard/sheet.pdf?unit={a3.id}&period=q3"
    for login, shown in (("a3.head", True), ("a2.head", True), ("secretariat", True),
                         ("a1.head", False)):  # fmt: skip
        client = app.test_client()
        sign_in(client, login)
        assert client.get(url).status_code == 200, login
        text = _text(seen[-1][1])
        assert ("27 of 30" in text) is shown, login
        assert ("Kết quả chấm điểm chưa được công bố" in text) is not shown, login


# The statements of a scoreboard seen again: the layout's (the user, the menu's badges), the
# plans with the reviews and the members, the criteria with the score sums; the block's name
# and the councils (who may view it) are kept per process while the organisation does not
# change (`wflow.org.epoch`). A regression past it fails.
PAGE_STATEMENTS = 4


def _count(app: Flask, client: FlaskClient, url: str) -> tuple[int, str]:
    with statements_sent(app.extensions["wflow.db"]) as seen:
        page = client.get(url)
    assert page.status_code == 200
    return len(seen), page.get_data(as_text=True)


def test_scoreboard__a_constant_number_of_queries_whatever_the_units_and_periods(
    app: Flask, client: FlaskClient, session: Session, make_unit: Callable[..., Unit],
    make_user: Callable[..., User], make_block: Callable[..., Block],
) -> None:  # fmt: skip
    from wflow.core.access import current_year

    year = current_year()
    make_user("secretariat", None, roles=(Role.SECRETARIAT.value,))
    sign_in(client, "secretariat")
    counts = {}
    for n_units, n_periods in ((2, 1), (6, 4)):
        units = [make_unit(f"C{n_units}U{i}") for i in range(n_units)]
        block = make_block(f"C{n_units}", units, year, leader=units[0])
        _plan, pact, criteria = plan_and_pact(session, block, year)
        reviews_for(session, pact, units, PERIODS[:n_periods], criteria,
                    version=review_version(app))  # fmt: skip
        url = f"/blocks/{block.id}/scoreboard?year={year}"
        client.get(url)  # warm up: definitions, caches
        counts[n_units, n_periods], page = _count(app, client, url)
        assert len(_rows(page, "results")) == n_units
        assert len(_rows(page, "breakdown")) == n_units
        assert page.count("<title>") >= n_units * n_periods  # one column per result
    assert counts[2, 1] == counts[6, 4] <= PAGE_STATEMENTS, counts


def test_review_demo__last_year_accepted_and_this_years_first_quarter_in_progress(
    app: Flask, client: FlaskClient, session: Session, demo: DemoBuild
) -> None:
    from wflow.core.access import current_year
    from wflow.engine.tables import WfEvent, WfInstance
    from wflow.reviews.models import Review
    from wflow.scoreboard.service import year_ranking

    result = demo  # `wflow init --demo`, run once per session: `app` holds a copy of it
    assert result.exit_code == 0, result.output
    year = current_year()
    blocks = {b.code: b for b in session.exec(select(Block)).all()}
    political, agencies = blocks["KCTXH"], blocks["KSBN"]
    rows = session.exec(
        select(Review, WfInstance.state).join(WfInstance, col(WfInstance.id) == Review.instance_id)
    ).all()
    last = [(r, s) for r, s in rows if r.block_id == political.id and r.year == year - 1]
    assert len(last) == 6 * 4 and {s for _r, s in last} == {"locked"}
    late = [r for r, _s in last if r.late]
    assert len(late) == 1 and late[0].penalty == 1 and late[0].period == "q3"
    ranking = year_ranking(session, political.id or 0, year - 1)
    assert [r.rank for r in ranking] == [1, 2, 3, 4, 5, 6] and all(r.scored for r in ranking)
    assert all(len(r.periods) == 4 for r in ranking)
    now = sorted(s for r, s in rows if r.block_id == agencies.id)
    assert now == ["open", "open", "returned", "submitted", "submitted", "under_review"]
    assert {r.period for r, _s in rows if r.block_id == agencies.id} == {"q1"}
    returned = next(r for r, s in rows if s == "returned")
    reason = session.exec(
        select(WfEvent.data).where(WfEvent.instance_id == returned.instance_id,
                                   WfEvent.trigger == "return_review")
    ).one()  # fmt: skip
    assert "bổ sung" in reason["reason"]
    sign_in(client, "tdoan.head", "demo-2026!")
    page = _page(client, f"/blocks/{political.id}/scoreboard?year={year - 1}")
    assert len(_rows(page, "results")) == 6
    assert "205% chỉ tiêu" in "".join(
        s.achieved for s in session.exec(select(ReviewScore)).all()
    )  # the seed's "205 % of the target", as the Youth Union reported it


def test_scoreboard__names_its_block_as_it_is_now(
    client: FlaskClient, session: Session, world: dict[str, Any]
) -> None:  # fmt: skip
    """The block's name is kept per process under the access epoch: a rename shows on the next
    view, and a block that does not exist answers 404 each time."""
    from wflow.org import service as org

    block, year = world["blocks"]["a"], world["year"]
    sign_in(client, "council")
    url = f"/blocks/{block.id}/scoreboard?year={year}"
    assert "Khối KA" in client.get(url).get_data(as_text=True)
    org.update_block(session, block, name="Khối Alpha", code="KA", description="")
    session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "Khối Alpha" in page and "Khối KA" not in page
    for _ in range(2):
        assert client.get(f"/blocks/99999/scoreboard?year={year}").status_code == 404

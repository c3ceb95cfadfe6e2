"""Quarterly reviews through HTTP: opened by `wflow tick`, self-assessed with evidence,
submitted, cross-graded, returned, resubmitted, accepted, late, ranked, published and locked;
and every refusal, each changing nothing."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlmodel import Session, col, select

from tests import samples
from tests.conftest import sign_in, submit
from tests.reviews.helpers import accept_review, review_team
from wflow.clock import set_clock
from wflow.engine.tables import WfInstance
from wflow.org.models import Block, Role, Unit, User
from wflow.plans.models import Criterion
from wflow.reviews.models import Review, ReviewEvidence, ReviewScore
from wflow.workflow_setup import engine

PDF = samples.pdf()
PNG = samples.image("PNG")
EXE = b"MZ\x90\x00" + b"\x00" * 60 + b"This program cannot be run in DOS mode."
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 60


class Clock:
    """The frozen test time, moved forward by the test."""

    def __init__(self) -> None:
        self.now = datetime(2000, 1, 1)

    def at(self, text: str) -> datetime:
        """Move the clock to an ISO date-time."""
        self.now = datetime.fromisoformat(text)
        return self.now


@pytest.fixture
def clock() -> Iterator[Clock]:
    """Freeze wflow's clock at a time the test chooses (restored afterwards)."""
    c = Clock()
    yield c
    set_clock(None)


def _freeze(c: Clock) -> None:
    set_clock(lambda: c.now)


def _team(
    app: Flask, session: Session, make_unit: Callable[..., Unit], make_user: Callable[..., User],
    make_block: Callable[..., Block], rules: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    team = review_team(app, session, make_unit, make_user, make_block, rules=rules)
    outsider = make_unit("NGOAI", "Đơn vị ngoài khối")
    make_user("ngoai.head", outsider)
    make_user("council", None, roles=(Role.COUNCIL_MEMBER.value,))
    return team


@pytest.fixture
def cross(
    app: Flask, session: Session, make_unit: Callable[..., Unit], make_user: Callable[..., User],
    make_block: Callable[..., Block],
) -> dict[str, Any]:  # fmt: skip
    """Four units cross-grading, a pact in force, an outsider and a council member."""
    return _team(app, session, make_unit, make_user, make_block, {"grading": "cross"})


@pytest.fixture
def led(
    app: Flask, session: Session, make_unit: Callable[..., Unit], make_user: Callable[..., User],
    make_block: Callable[..., Block],
) -> dict[str, Any]:  # fmt: skip
    """Four units graded by their block leader, a pact in force, an outsider, the council."""
    return _team(app, session, make_unit, make_user, make_block)


def _as(app: Flask, login: str) -> FlaskClient:
    """Return a browser signed in as `login` (one per user and app: sign-ins are rate-limited)."""
    clients: dict[str, FlaskClient] = app.extensions.setdefault("test.clients", {})
    if login not in clients:
        client = app.test_client()
        assert sign_in(client, login).status_code in (302, 303), login
        clients[login] = client
    return clients[login]


def _tick(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    return str(result.output)


def _reviews(session: Session, team: dict[str, Any], period: str) -> dict[int, Review]:
    session.expire_all()
    rows = session.exec(
        select(Review).where(Review.block_id == team["block"].id, Review.period == period)
    ).all()
    return {r.unit_id: r for r in rows}


def _state(session: Session, review: Review) -> str:
    session.expire_all()
    row = session.get(WfInstance, review.instance_id)
    assert row is not None
    return row.state


def _criteria(session: Session, team: dict[str, Any]) -> dict[str, Criterion]:
    rows = session.exec(select(Criterion).where(Criterion.plan_id == team["plan"].id)).all()
    return {c.code: c for c in rows}


def _sheet(crit: dict[str, Criterion], **by_code: tuple[Any, ...]) -> dict[str, str]:
    """Form data of the unit's sheet: code -> (achieved, figure, score, bonus, note)."""
    out: dict[str, str] = {}
    for code, (achieved, figure, score, bonus, note) in by_code.items():
        cid = crit[code].id
        out |= {f"achieved-{cid}": achieved, f"achieved_value-{cid}": str(figure),
                f"self_score-{cid}": str(score), f"self_bonus-{cid}": str(bonus),
                f"self_note-{cid}": note}  # fmt: skip
    return out


def _grades(crit: dict[str, Criterion], **by_code: tuple[Any, ...]) -> dict[str, str]:
    """Form data of the reviewer's sheet: code -> (score, bonus, note)."""
    out: dict[str, str] = {}
    for code, (score, bonus, note) in by_code.items():
        cid = crit[code].id
        out |= {f"score-{cid}": str(score), f"bonus-{cid}": str(bonus), f"note-{cid}": note}
    return out


def _scores(session: Session, review: Review) -> dict[int, ReviewScore]:
    session.expire_all()
    rows = session.exec(select(ReviewScore).where(ReviewScore.review_id == review.id)).all()
    return {s.criterion_id: s for s in rows}


def _step(client: FlaskClient, review: Review, trigger: str, **data: str) -> Any:
    url = f"/reviews/{review.id}"
    return submit(client, f"{url}/fire", {"trigger": trigger, **data}, page=url)


def _upload(client: FlaskClient, review: Review, name: str, data: bytes, crit: str = "") -> Any:
    url = f"/reviews/{review.id}"
    return submit(client, f"{url}/evidence",
                  {"file": (io.BytesIO(data), name), "criterion_id": crit}, page=url)  # fmt: skip


def test_review__opened_by_tick_self_assessed_cross_graded_returned_and_accepted(
    app: Flask, session: Session, cross: dict[str, Any], clock: Clock
) -> None:
    units, year = cross["units"], cross["year"]
    _freeze(clock)
    clock.at(f"{year}-05-10T08:00:00")  # mid-year review due 06-15 opens 30 days before
    assert "0 item(s) opened" in _tick(app)
    clock.at(f"{year}-05-20T08:00:00")
    assert "4 item(s) opened" in _tick(app)
    assert "0 item(s) opened" in _tick(app)  # idempotent
    mid = _reviews(session, cross, "mid_year")
    ids = sorted(u.id for u in units)
    # cross-grading: the mid-year review is period 2, so unit i is graded by unit i + 2 of 4
    assert {u: r.reviewer_unit_id for u, r in mid.items()} == {
        ids[0]: ids[2], ids[1]: ids[3], ids[2]: ids[0], ids[3]: ids[1]}  # fmt: skip
    assert all(_state(session, r) == "open" for r in mid.values())
    assert str(mid[ids[0]].due_date) == f"{year}-06-15"
    crit = _criteria(session, cross)
    targets = {s.criterion_id: s.target_value for s in _scores(session, mid[ids[0]]).values()}
    assert targets == {crit["1.1"].id: 100, crit["1.2"].id: 120, crit["2.1"].id: 1200}

    mttq, review = _as(app, "mttq.head"), mid[ids[0]]
    url = f"/reviews/{review.id}"
    page = mttq.get(url).get_data(as_text=True)
    assert "Self-assessment" in page and "Fill in the self-assessment" in page
    # a first draft, one criterion not scored yet: saved, but cannot be submitted
    draft = _sheet(crit, **{"1.1": ("Quán triệt 95 % cán bộ", 95, 28, 1, "Hội nghị 12/3"),
                            "1.2": ("Đăng 150 tin bài", 150, 30, 0, ""),
                            "2.1": ("Kết nạp 900 hội viên", 900, "", "", "")})  # fmt: skip
    assert submit(mttq, f"{url}/assess", draft).status_code == 303
    refused = _step(mttq, review, "submit")
    assert refused.status_code == 422 and "not scored: 2.1" in refused.get_data(as_text=True)
    assert _state(session, review) == "open"
    page = mttq.get(url).get_data(as_text=True)
    # 150 of 120, 900 of 1200, as English writes a share
    assert '<td class="num">125%</td>' in page and '<td class="num">75%</td>' in page

    # evidence: a PDF for 1.1 and a picture; visible to the unit, its reviewer, the committee
    assert _upload(mttq, review, "bao-cao.pdf", PDF, str(crit["1.1"].id)).status_code == 303
    assert _upload(mttq, review, "anh hoi nghi.png", PNG).status_code == 303
    files = session.exec(select(ReviewEvidence).where(ReviewEvidence.review_id == review.id)).all()
    pdf = next(f for f in files if f.content_type == "application/pdf")
    assert pdf.path == f"evidence/{pdf.sha256[:2]}/{pdf.sha256}"
    for login in ("mttq.head", "mttq.staff", "hlhpn.head", "secretariat", "council"):
        got = _as(app, login).get(f"{url}/evidence/{pdf.id}")
        assert got.status_code == 200, login
        assert got.data == PDF
        assert got.headers["Content-Disposition"].startswith("attachment")
        assert got.headers["X-Content-Type-Options"] == "nosniff"
        assert got.headers["Content-Security-Policy"] == "sandbox"
        assert got.mimetype == "application/pdf"
    for login in ("tdoan.head", "ldld.head", "ngoai.head"):  # other members, an outsider
        assert _as(app, login).get(f"{url}/evidence/{pdf.id}").status_code == 403, login
        assert _as(app, login).get(url).status_code == 403, login

    full = _sheet(crit, **{"1.1": ("Quán triệt 95 % cán bộ", 95, 28, 1, "Hội nghị 12/3"),
                           "1.2": ("Đăng 150 tin bài", 150, 30, 0, ""),
                           "2.1": ("Kết nạp 900 hội viên", 900, 35, 2, "Thiếu 300")})  # fmt: skip
    assert submit(mttq, f"{url}/assess", full).status_code == 303
    clock.at(f"{year}-06-10T09:00:00")
    assert _step(mttq, review, "submit").status_code == 303
    assert _state(session, review) == "submitted"
    session.refresh(review)
    assert review.late is False and review.self_total == Decimal("96.00")  # 93 + 3 bonus
    assert submit(mttq, f"{url}/assess", full).status_code == 409  # submitted: no more edits

    # the reviewer (HLHPN, by rotation) grades: one score and one bonus differ
    hlhpn = _as(app, "hlhpn.head")
    assert hlhpn.get(f"{url}/grade").status_code == 409  # start grading first
    assert _step(hlhpn, review, "start_review").status_code == 303
    sheet = hlhpn.get(f"{url}/grade").get_data(as_text=True)
    assert f'name="score-{crit["1.1"].id}"' in sheet and 'value="28"' in sheet  # from self
    grades = _grades(crit, **{"1.1": (28, 1, ""), "1.2": (25, 0, "Thiếu đường dẫn"),
                              "2.1": (35, 1, "")})  # fmt: skip
    assert submit(hlhpn, f"{url}/grade", grades).status_code == 303
    page = hlhpn.get(url).get_data(as_text=True)
    assert page.count('class="differs"') == 2 and "differs</strong>: score −5" in page
    no_reason = _step(hlhpn, review, "return_review", reason="  ")
    assert no_reason.status_code == 422 and "reason" in no_reason.get_data(as_text=True)
    assert _step(hlhpn, review, "return_review", reason="Bổ sung đường dẫn 1.2").status_code == 303
    assert _state(session, review) == "returned"

    # the unit answers and resubmits; the reviewer accepts
    assert (
        _upload(mttq, review, "duong-dan.pdf", PDF + b"%links\n", str(crit["1.2"].id)).status_code
        == 303
    )
    assert _step(mttq, review, "resubmit").status_code == 303
    assert _state(session, review) == "resubmitted"
    assert _step(hlhpn, review, "start_review").status_code == 303
    grades[f"score-{crit['1.2'].id}"] = "29"
    assert submit(hlhpn, f"{url}/grade", grades).status_code == 303
    assert _step(hlhpn, review, "accept").status_code == 303
    assert _state(session, review) == "accepted"
    session.refresh(review)
    assert (review.score_total, review.bonus_total, review.penalty, review.final_total) == (
        Decimal("92.00"), Decimal("2.00"), Decimal("0.00"), Decimal("94.00"))  # fmt: skip
    assert review.accepted_at is not None and review.late is False

    # the review's exports and the timeline
    csv = mttq.get(f"/reviews/{review.id}.csv")
    assert csv.status_code == 200 and "Bổ sung" not in csv.get_data(as_text=True)
    assert "Thiếu đường dẫn" in csv.get_data(as_text=True)
    book = load_workbook(io.BytesIO(mttq.get(f"/reviews/{review.id}.xlsx").data))
    sheet_rows = list(book.active.iter_rows(values_only=True))
    assert sheet_rows[0][1] == "Code" and sheet_rows[1][1] == "1.1" and sheet_rows[1][9] == 28
    history = mttq.get(f"/instances/{review.instance_id}").get_data(as_text=True)
    assert "Bổ sung đường dẫn 1.2" in history


def test_review__late_penalty_ranking_publication_and_locked_refusals(
    app: Flask, session: Session, cross: dict[str, Any], clock: Clock
) -> None:
    units, year = cross["units"], cross["year"]
    ids = sorted(u.id for u in units)
    _freeze(clock)
    clock.at(f"{year}-05-20T08:00:00")
    assert "4 item(s) opened" in _tick(app)
    mid = _reviews(session, cross, "mid_year")
    clock.at(f"{year}-06-13T08:00:00")
    assert "4 reminder(s) sent" in _tick(app)  # 3 days before, for each of the four units
    with app.app_context():  # HLHPN submits on time (services, as in the story)
        accept_review(session, engine(), mid[ids[2]], 80, 78, at=clock.now)
    clock.at(f"{year}-06-16T09:00:00")
    assert "3 deadline(s) fired" in _tick(app)
    assert _state(session, mid[ids[1]]) == "late"
    # TDOAN submits late: the plan's penalty (1 point) comes off its final total
    tdoan, late = _as(app, "tdoan.head"), mid[ids[1]]
    crit = _criteria(session, cross)
    sheet = _sheet(crit, **{"1.1": ("Đạt", 100, 30, 2, ""), "1.2": ("Đạt", 120, 30, 0, ""),
                            "2.1": ("Đạt", 1200, 40, 3, "")})  # fmt: skip
    assert submit(tdoan, f"/reviews/{late.id}/assess", sheet).status_code == 303
    assert _step(tdoan, late, "submit").status_code == 303
    session.refresh(late)
    assert late.late is True and late.penalty == Decimal("1.00")
    ldld = _as(app, "ldld.head")
    assert _step(ldld, late, "start_review").status_code == 303
    grades = _grades(crit, **{"1.1": (30, 2, ""), "1.2": (30, 0, ""), "2.1": (40, 3, "")})
    assert submit(ldld, f"/reviews/{late.id}/grade", grades).status_code == 303
    assert _step(ldld, late, "accept").status_code == 303
    session.refresh(late)
    assert late.final_total == Decimal("104.00")  # 100 + 5 bonus - 1 late

    # the leader cannot publish before every review of the period is accepted
    mttq = _as(app, "mttq.head")
    block_url = f"/blocks/{cross['block'].id}/reviews"
    form = {"year": str(year), "period": "mid_year"}
    one = submit(mttq, f"/instances/{late.instance_id}/fire", {"trigger": "lock"},
                 page=f"/instances/{late.instance_id}")  # fmt: skip
    assert one.status_code == 303 and _state(session, late) == "accepted"  # one alone: no
    shown = mttq.get(f"/instances/{late.instance_id}").get_data(as_text=True)
    assert "Not every review is accepted yet" in shown
    early = submit(mttq, f"{block_url}/publish", form, page=block_url)
    assert early.status_code == 409
    assert "Not every review is accepted yet" in early.get_data(as_text=True)
    assert "Ủy ban Mặt trận" in early.get_data(as_text=True)  # MTTQ's review is still late
    with app.app_context():
        accept_review(session, engine(), mid[ids[0]], 90, 90, late=True)
        accept_review(session, engine(), mid[ids[3]], 95, Decimal("95.5"), at=clock.now)
    listing = mttq.get(f"{block_url}?year={year}&period=mid_year&format=csv")
    lines = listing.get_data(as_text=True).splitlines()
    assert lines[0].lstrip("\ufeff").startswith("Year,Period,Unit,Reviewer")
    ranked = {line.split(",")[2]: line.split(",")[-1] for line in lines[1:]}
    assert list(ranked.values()) == ["3", "1", "4", "2"]  # 89, 104, 78, 94.5 (late: 1 off)
    assert submit(_as(app, "tdoan.head"), f"{block_url}/publish", form,
                  page=block_url).status_code == 403  # a member that does not lead  # fmt: skip
    page = mttq.get(f"{block_url}?year={year}").get_data(as_text=True)
    assert "Publish and lock the results" in page
    assert submit(mttq, f"{block_url}/publish", form, page=block_url).status_code == 303
    assert all(_state(session, r) == "locked" for r in mid.values())
    assert submit(mttq, f"{block_url}/publish", form, page=block_url).status_code == 409
    session.refresh(late)
    assert late.locked_at is not None

    # nothing changes on a locked review: sheets, steps, evidence
    url = f"/reviews/{late.id}"
    assert tdoan.get(f"{url}/assess").status_code == 409
    refused = submit(tdoan, f"{url}/assess", sheet, page=url)
    assert refused.status_code == 409 and "locked" in refused.get_data(as_text=True)
    assert submit(ldld, f"{url}/grade", grades, page=url).status_code == 409
    assert _step(ldld, late, "return_review", reason="Sửa lại").status_code == 409
    assert _upload(tdoan, late, "muon.pdf", PDF).status_code == 409
    assert _state(session, late) == "locked"
    session.refresh(late)
    assert late.final_total == Decimal("104.00")


def test_review__refusals_change_nothing(
    app: Flask, session: Session, led: dict[str, Any], clock: Clock
) -> None:
    units, year = led["units"], led["year"]
    ids = sorted(u.id for u in units)
    _freeze(clock)
    clock.at(f"{year}-11-01T08:00:00")  # year-end summary due 11-30; mid-year is overdue
    assert "8 item(s) opened" in _tick(app)
    end = _reviews(session, led, "year_end")
    leader, deputy = ids[0], ids[-1]
    assert all(r.reviewer_unit_id == leader for u, r in end.items() if u != leader)
    assert end[leader].reviewer_unit_id == deputy  # the leader's own: its deputy grades it
    crit = _criteria(session, led)
    own, other = end[leader], end[ids[1]]
    mttq, staff = _as(app, "mttq.head"), _as(app, "mttq.staff")

    # scores above the maximum, bonuses above their cap, negatives, words: refused, unchanged
    good = _sheet(crit, **{"1.1": ("Đạt", 1, 20, 0, ""), "1.2": ("Đạt", 1, 20, 0, ""),
                           "2.1": ("Đạt", 1, 20, 0, "")})  # fmt: skip
    url = f"/reviews/{own.id}"
    assert submit(staff, f"{url}/assess", good).status_code == 303  # staff edits
    before = {k: (v.self_score, v.self_bonus) for k, v in _scores(session, own).items()}
    for column, code, value, message in (
        ("self_score", "1.1", "31", "1.1: the self score is at most 30 (given 31)."),
        ("self_bonus", "1.1", "2.5", "1.1: the bonus is at most 2 (given 2.5)."),
        ("self_bonus", "1.2", "1", "1.2: the bonus is at most 0 (given 1)."),
        ("self_score", "2.1", "-1", "2.1: the self score cannot be negative."),
        ("self_score", "2.1", "nhiều", "2.1: the self score must be a number."),
        ("self_score", "2.1", "10.555", "2.1: the self score takes at most two decimals."),
        # issue 18: these were a 500 (decimal.InvalidOperation in the sheet's parsing)
        ("self_score", "2.1", "1e309", "2.1: the self score must be a number."),
        ("self_score", "2.1", "9" * 30, "2.1: the self score is at most 40 (given 9999"),
        ("self_bonus", "1.1", "NaN", "1.1: the bonus must be a number."),
        ("self_score", "1.1", "-Infinity", "1.1: the self score must be a number."),
        ("achieved_value", "1.1", "1" * 30, "1.1: give the figure achieved as a positive"),
    ):
        bad = {**good, f"{column}-{crit[code].id}": value}
        answer = submit(mttq, f"{url}/assess", bad)
        assert answer.status_code == 422, (column, value)
        assert message in answer.get_data(as_text=True), answer.get_data(as_text=True)
        assert 'aria-invalid="true"' in answer.get_data(as_text=True)
        after = {k: (v.self_score, v.self_bonus) for k, v in _scores(session, own).items()}
        assert after == before
    # staff may not submit (the head signs off); the reviewer may not edit the unit's sheet
    assert _step(staff, own, "submit").status_code == 403
    ldld = _as(app, "ldld.head")  # the deputy grades the leader's review
    assert ldld.get(f"{url}/assess").status_code == 403
    assert submit(ldld, f"{url}/assess", good, page=url).status_code == 403
    # a unit never grades its own review, nor one it is not assigned to
    assert _step(mttq, own, "submit").status_code == 303
    assert _step(mttq, own, "start_review").status_code == 403
    refused = mttq.get(f"{url}/grade")
    assert refused.status_code == 403 and "never grades its own" in refused.get_data(as_text=True)
    assert _step(_as(app, "tdoan.head"), own, "start_review").status_code == 403
    assert _state(session, own) == "submitted"
    assert _step(ldld, own, "start_review").status_code == 303
    assert _step(ldld, own, "accept").status_code == 422  # nothing graded yet
    over = _grades(crit, **{"1.1": (30, 3, ""), "1.2": (30, 0, ""), "2.1": (40, 0, "")})
    answer = submit(ldld, f"{url}/grade", over)
    assert answer.status_code == 422 and "1.1: the bonus is at most 2" in answer.get_data(
        as_text=True
    )
    assert all(s.score is None for s in _scores(session, own).values())
    assert submit(mttq, f"{url}/grade", over, page=url).status_code == 403

    # evidence: type by content, size limit, program disguised as a PDF, other units
    ourl = f"/reviews/{other.id}"
    tdoan = _as(app, "tdoan.head")
    for name, data, status, text in (
        ("report.pdf", EXE, 422, "is a program, not a document"),
        ("report.pdf", ELF, 422, "is a program, not a document"),
        ("notes.txt", b"plain text, not a document type", 422, "is not a PDF"),
        ("fake.docx", b"PK\x03\x04not really a zip", 422, "is not a PDF"),
        ("empty.pdf", b"", 422, "The file is empty."),
        # issue 18: an HTML page with "%PDF-" in its first kilobyte passed as a PDF
        ("report.pdf", samples.disguised_html(), 422, "is not a PDF"),
        ("photo.png", PNG[:40], 422, "is not a PDF"),  # a truncated image does not decode
    ):
        answer = _upload(tdoan, other, name, data)
        assert answer.status_code == status, name
        assert text in answer.get_data(as_text=True), answer.get_data(as_text=True)
    app.config["REVIEW_EVIDENCE_MAX_BYTES"] = 1024
    assert _upload(tdoan, other, "big.pdf", PDF + b"0" * 2000).status_code == 413
    app.config["REVIEW_EVIDENCE_MAX_BYTES"] = 10 * 1024 * 1024
    assert _upload(_as(app, "hlhpn.head"), other, "x.pdf", PDF).status_code == 403
    assert _upload(mttq, other, "x.pdf", PDF).status_code == 403  # the reviewer does not add
    assert session.exec(select(ReviewEvidence)).first() is None
    assert _upload(tdoan, other, "ok.pdf", PDF).status_code == 303
    assert _upload(tdoan, other, "again.pdf", PDF).status_code == 409  # already attached
    found = session.exec(select(ReviewEvidence)).one()
    for login in ("hlhpn.head", "ldld.head", "ngoai.head"):
        assert _as(app, login).get(f"{ourl}/evidence/{found.id}").status_code == 403, login
    assert mttq.get(f"{ourl}/evidence/{found.id}").status_code == 200  # the leader grades it
    assert mttq.get(f"{url}/evidence/{found.id}").status_code == 404  # not that review's file
    gone = submit(_as(app, "hlhpn.head"), f"{ourl}/evidence/{found.id}/delete", {}, page="/")
    assert gone.status_code == 403
    assert submit(tdoan, f"{ourl}/evidence/{found.id}/delete", {}, page=ourl).status_code == 303
    assert session.exec(select(ReviewEvidence)).first() is None

    # the block's list: every member sees states; only viewers open a review
    listing = _as(app, "hlhpn.head").get(f"/blocks/{led['block'].id}/reviews?year={year}")
    assert listing.status_code == 200
    assert f'href="/reviews/{other.id}"' not in listing.get_data(as_text=True)
    assert _as(app, "ngoai.head").get(f"/blocks/{led['block'].id}/reviews").status_code == 403
    assert _as(app, "tdoan.head").get(f"/units/{ids[1]}/reviews").status_code == 200


def test_review__two_ticks_at_once_open_each_review_once(
    app: Flask, session: Session, led: dict[str, Any]
) -> None:
    import threading

    from wflow.reviews.rules import open_due_reviews

    year = led["year"]
    barrier, counts, errors = threading.Barrier(2), [], []
    bind = app.extensions["wflow.db"]

    def run() -> None:
        try:
            with app.app_context(), Session(bind, expire_on_commit=False) as own:
                barrier.wait()
                counts.append(open_due_reviews(own, datetime(year, 12, 1), engine()))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = len(session.exec(select(Review)).all())
    assert total == 8  # four units, mid-year and year-end
    assert not errors and sum(counts) == 8, (counts, errors)
    instances = session.exec(
        select(WfInstance).where(WfInstance.workflow == "review").order_by(col(WfInstance.id))
    ).all()
    assert len(instances) == 8
    with app.app_context():
        assert open_due_reviews(session, datetime(year, 12, 1), engine()) == 0


def test_review__opened_after_its_due_date_gets_the_whole_window(
    app: Flask, session: Session, led: dict[str, Any], clock: Clock
) -> None:
    year = led["year"]
    _freeze(clock)
    clock.at(f"{year}-07-10T08:00:00")  # the pact came into force after the mid-year due date
    assert "4 item(s) opened" in _tick(app)
    mid = _reviews(session, led, "mid_year")
    window = int(led["plan"].rules.get("review_open_days", 30))
    assert {r.due_date.isoformat() for r in mid.values()} == {
        (clock.now.date() + timedelta(days=window)).isoformat()
    }
    clock.at(f"{year}-07-11T08:00:00")
    assert "0 deadline(s) fired" in _tick(app)
    assert {_state(session, r) for r in mid.values()} == {"open"}


def test_review__its_history_is_no_wider_than_the_review(
    app: Flask, session: Session, led: dict[str, Any], clock: Clock
) -> None:
    ids = sorted(u.id for u in led["units"])
    _freeze(clock)
    clock.at(f"{led['year']}-11-01T08:00:00")
    assert "item(s) opened" in _tick(app)
    review = _reviews(session, led, "year_end")[ids[1]]  # graded by the leader (ids[0])
    codes = {u.id: u.code.lower() for u in led["units"]}
    page = f"/instances/{review.instance_id}"
    assert _as(app, f"{codes[ids[1]]}.head").get(page).status_code == 200  # the unit
    assert _as(app, f"{codes[ids[0]]}.head").get(page).status_code == 200  # its reviewer
    assert _as(app, "council").get(page).status_code == 200  # the committee
    bystander = _as(app, f"{codes[ids[2]]}.head")  # same block, neither unit nor reviewer
    assert bystander.get(page).status_code == 403
    listed = bystander.get("/instances?workflow=review").get_data(as_text=True)
    assert f'/instances/{review.instance_id}"' not in listed

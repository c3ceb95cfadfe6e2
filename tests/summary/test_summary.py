"""The summary report: its totals in the PDF and the DOCX match the data; who may see and
issue it; the issued version is signed and verifies."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from docx import Document as Docx
from flask import Flask
from sqlmodel import Session, col, select

from tests.conftest import submit
from tests.dbs import DemoBuild
from tests.pdftext import pdf_text
from tests.people.test_views import as_user
from tests.sql import statements_sent
from tests.titles.test_history import demo_user
from wflow.campaigns import service as campaigns
from wflow.campaigns.models import Campaign, CampaignFigure, CampaignTarget, FigureKind
from wflow.core import formats, subjects
from wflow.core.access import current_year
from wflow.demo.org import DEMO_PASSWORD
from wflow.engine import WfInstance
from wflow.initiatives.models import Initiative
from wflow.org.models import Block, BlockMembership, Position, Unit
from wflow.plans.models import Criterion
from wflow.reviews.models import Review, ReviewScore
from wflow.reviews.subject import REVIEW
from wflow.signatures import keys
from wflow.summary import report as gather
from wflow.summary.models import SummaryReport
from wflow.workflow_setup import engine

LAST = current_year() - 1  # the demo's closed year: locked reviews, a decision, a campaign


def vi(value: Decimal) -> str:
    """Return a figure as the Vietnamese documents write it."""
    return formats.format_number(value, "vi", places=2)


def docx_text(data: bytes) -> tuple[str, list[list[str]]]:
    """Return a DOCX's paragraphs as one text, and the rows of all its tables."""
    doc = Docx(io.BytesIO(data))
    text = " ".join(p.text for p in doc.paragraphs)
    rows = [[c.text for c in row.cells] for table in doc.tables for row in table.rows]
    return text, rows


def political(session: Session) -> Block:
    """Return the demo's political block (its year-end reviews of last year are locked)."""
    return session.exec(select(Block).where(Block.code == "KCTXH")).one()


def leader_login(session: Session, block: Block, year: int) -> str:
    """Return the demo login of the head of the block's leading unit in `year`."""
    unit = session.exec(
        select(Unit).join(BlockMembership, col(BlockMembership.unit_id) == Unit.id).where(
            BlockMembership.block_id == block.id, BlockMembership.year == year,
            BlockMembership.position == Position.LEADER.value)
    ).one()  # fmt: skip
    return f"{unit.code.lower()}.head"


def criteria_sums(session: Session, block: Block, year: int) -> dict[str, Decimal]:
    """Return each criterion's achieved figures added up over the accepted year-end reviews."""
    counted = subjects.tagged(session, REVIEW, "counted")
    rows = session.execute(
        sa.select(col(Criterion.code), col(Criterion.title), col(ReviewScore.achieved_value))
        .join(ReviewScore, col(ReviewScore.criterion_id) == Criterion.id)
        .join(Review, col(Review.id) == ReviewScore.review_id)
        .join(WfInstance, col(WfInstance.id) == Review.instance_id)
        .where(col(Review.block_id) == block.id, col(Review.year) == year,
               col(Review.period) == "year_end", col(WfInstance.state).in_(counted))
    ).all()  # fmt: skip
    sums: dict[str, Decimal] = {}
    for code, title, value in rows:
        key = f"{code}. {title}"
        sums[key] = sums.get(key, Decimal(0)) + Decimal(str(value or 0))
    return sums


def test_block_report__pdf_and_docx_totals_match_the_reviews(
    app: Flask, session: Session, demo: DemoBuild
) -> None:
    block = political(session)
    sums = criteria_sums(session, block, LAST)
    assert sums and any(v > 0 for v in sums.values())
    members = session.exec(select(BlockMembership.unit_id).where(
        BlockMembership.block_id == block.id, BlockMembership.year == LAST)).all()  # fmt: skip
    initiatives = session.exec(select(Initiative).where(
        Initiative.year == LAST, col(Initiative.unit_id).in_(members))).all()  # fmt: skip
    leader = demo_user(app, leader_login(session, block, LAST))
    page = leader.get(f"/blocks/{block.id}/report?year={LAST}")
    assert page.status_code == 200, page.get_data(as_text=True)
    docx = leader.get(f"/blocks/{block.id}/report.docx?year={LAST}")
    assert docx.status_code == 200 and docx.mimetype is not None
    assert docx.mimetype.endswith("wordprocessingml.document")
    text, rows = docx_text(docx.data)
    by_title = {row[1]: row for row in rows if len(row) == 7 and row[0].isdigit()}
    for title, total in sums.items():
        assert by_title[title][4] == vi(total), title  # the "Thực hiện" column
    assert f"được công nhận: {len(initiatives)}" in text
    pdf = leader.get(f"/blocks/{block.id}/report.pdf?year={LAST}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    words = pdf_text(pdf.data)
    assert "BÁO CÁO" in words and "Độc lập - Tự do - Hạnh phúc" in words
    assert f"Tổng kết công tác thi đua, khen thưởng năm {LAST} của {block.name}" in words
    assert "Nơi nhận" in words and "DỰ THẢO" in words
    for total in sums.values():
        assert vi(total) in words
    assert f"được công nhận: {len(initiatives)}" in words


def test_campaign_and_council_reports__target_totals_match_the_figures(
    app: Flask, session: Session, demo: DemoBuild
) -> None:
    peak = session.exec(select(Campaign).where(col(Campaign.starts_on) < sa.func.current_date())
                        .order_by(col(Campaign.starts_on))).first()  # fmt: skip
    assert peak is not None and peak.year == LAST
    expected = {}
    for target in session.exec(select(CampaignTarget).where(
            CampaignTarget.campaign_id == peak.id)).all():  # fmt: skip
        values = session.exec(select(col(CampaignFigure.value)).where(
            CampaignFigure.target_id == target.id,
            CampaignFigure.kind == FigureKind.ACHIEVED.value,
            col(CampaignFigure.checkpoint_id).is_(None))).all()  # fmt: skip
        expected[target.title] = sum((Decimal(str(v)) for v in values), Decimal(0))
    assert any(v > 0 for v in expected.values())
    sec = demo_user(app, "secretariat")
    text, rows = docx_text(sec.get(f"/campaigns/{peak.id}/report.docx").data)
    by_title = {row[1]: row for row in rows if len(row) == 7 and row[0].isdigit()}
    for title, total in expected.items():
        assert by_title[title][4] == vi(total), title
    words = pdf_text(sec.get(f"/campaigns/{peak.id}/report.pdf").data)
    assert f"Tổng kết {peak.title}" in words
    for total in expected.values():
        assert vi(total) in words
    # the council's year holds the same campaign's totals, and the year's decided awards
    council_docx = sec.get(f"/council/report.docx?year={LAST}")
    text, rows = docx_text(council_docx.data)
    by_title = {row[1]: row for row in rows if len(row) == 7 and row[0].isdigit()}
    for title, total in expected.items():
        assert by_title[title][4] == vi(total), title
    awards = [row for row in rows if len(row) == 5 and row[0].isdigit()]
    assert awards, "the demo's decision of last year grants awards"
    assert f"Khen thưởng đã quyết định: {len(awards)} trường hợp" in text
    words = pdf_text(sec.get(f"/council/report.pdf?year={LAST}").data)
    assert f"Khen thưởng đã quyết định: {len(awards)} trường hợp" in words


@pytest.mark.parametrize(
    ("login", "status"),
    [("secretariat", 200), ("council1", 200), ("admin", 200), ("hlhpn.head", 403)],
)
def test_access__the_committee_sees_the_councils_report_units_do_not(
    app: Flask, session: Session, demo: DemoBuild, login: str, status: int
) -> None:
    client = demo_user(app, login)
    for path in ("/council/report", "/council/report.pdf", "/council/report.docx"):
        assert client.get(f"{path}?year={LAST}").status_code == status, path


def test_issue__refusals_then_the_signed_report_verifies(
    app: Flask, session: Session, demo: DemoBuild
) -> None:
    block = political(session)
    url = f"/blocks/{block.id}/report?year={LAST}"
    issue = f"/blocks/{block.id}/report/issue?year={LAST}"
    form = {"number": "07/BC-KCTXH", "issued_on": f"{current_year()}-01-15",
            "password": DEMO_PASSWORD}  # fmt: skip
    leader_head = leader_login(session, block, LAST)
    member = next(
        f"{u.code.lower()}.head"
        for u in session.exec(select(Unit).join(BlockMembership,
                                                col(BlockMembership.unit_id) == Unit.id)
                              .where(BlockMembership.block_id == block.id,
                                     BlockMembership.year == LAST,
                                     BlockMembership.position == Position.MEMBER.value))
    )  # fmt: skip
    other = demo_user(app, member)
    assert other.get(url).status_code == 403
    assert other.post(issue, data=form).status_code in (400, 403)  # no token, no access
    council = demo_user(app, "council1")  # sees the report, does not issue it
    assert "Sign and issue" not in council.get(url).get_data(as_text=True)
    head = demo_user(app, leader_head)
    assert head.post(issue, data=form).status_code == 400  # no CSRF token
    wrong = submit(head, issue, {**form, "password": "nope"}, page=url)
    assert wrong.status_code == 422
    late = submit(head, issue, {**form, "issued_on": f"{current_year() + 1}-01-01"}, page=url)
    assert late.status_code == 422
    not_pdf = submit(head, issue, {**form, "file": (io.BytesIO(b"hello"), "report.pdf")}, page=url)
    assert not_pdf.status_code == 422
    assert session.exec(select(SummaryReport)).all() == []
    done = submit(head, issue, form, page=url)
    assert done.status_code == 303, done.get_data(as_text=True)
    row = session.exec(select(SummaryReport)).one()
    assert row.number == "07/BC-KCTXH" and row.block_id == block.id
    again = submit(head, issue, form, page=url)
    assert again.status_code == 409  # the number is taken
    page = head.get(url).get_data(as_text=True)
    assert "07/BC-KCTXH" in page
    signed = head.get(f"/reports/{row.id}.pdf")
    assert signed.status_code == 200 and b"/ByteRange" in signed.data
    assert other.get(f"/reports/{row.id}.pdf").status_code == 403
    words = pdf_text(signed.data)
    assert "07/BC-KCTXH" in words and "THỦ TRƯỞNG ĐƠN VỊ" in words and "DỰ THẢO" not in words
    with app.app_context():
        (report,) = keys.verify_document(session, signed.data)
    assert report.check.valid and report.check.trusted and report.in_registry
    assert report.unit is not None and report.unit.id == row.signed_for_unit_id
    # the secretariat issues the edited version it uploads, signed with the council's key
    sec = demo_user(app, "secretariat")
    edited = head.get(f"/blocks/{block.id}/report.pdf?year={LAST}").data
    upload = {**form, "number": "08/BC-HĐTĐKT", "file": (io.BytesIO(edited), "edited.pdf")}
    done = submit(sec, issue, upload, page=url)
    assert done.status_code == 303, done.get_data(as_text=True)
    latest = session.exec(select(SummaryReport).order_by(col(SummaryReport.id).desc())).first()
    assert latest is not None and latest.source == "uploaded"
    data = sec.get(f"/reports/{latest.id}.pdf").data
    with app.app_context():
        (report,) = keys.verify_document(session, data)
    assert report.check.valid and report.unit is not None and report.unit.kind == "council"


def test_pages_link_to_the_report(app: Flask, session: Session, demo: DemoBuild) -> None:
    block = political(session)
    sec = demo_user(app, "secretariat")
    assert f"/blocks/{block.id}/report" in sec.get(f"/blocks/{block.id}").get_data(as_text=True)
    assert "/council/report" in sec.get("/committee").get_data(as_text=True)
    any_campaign = session.exec(select(Campaign)).first()
    assert any_campaign is not None
    shown = sec.get(f"/campaigns/{any_campaign.id}").get_data(as_text=True)
    assert f"/campaigns/{any_campaign.id}/report" in shown


def test_issue__the_secretariat_signs_the_councils_year_by_order_of_the_chair(
    app: Flask, session: Session, demo: DemoBuild
) -> None:
    url, issue = f"/council/report?year={LAST}", f"/council/report/issue?year={LAST}"
    sec = demo_user(app, "secretariat")
    page = sec.get(url).get_data(as_text=True)
    assert "01/BC-HĐTĐKT" in page  # the number proposed
    form = {"number": "01/BC-HĐTĐKT", "issued_on": f"{current_year()}-01-10",
            "password": DEMO_PASSWORD}  # fmt: skip
    assert submit(demo_user(app, "council1"), issue, form, page=url).status_code == 403
    done = submit(sec, issue, form, page=url)
    assert done.status_code == 303, done.get_data(as_text=True)
    row = session.exec(select(SummaryReport)).one()
    assert row.scope == "council" and row.year == LAST and row.block_id is None
    data = sec.get(f"/reports/{row.id}.pdf").data
    assert "TL. CHỦ TỊCH HỘI ĐỒNG" in pdf_text(data)
    with app.app_context():
        (report,) = keys.verify_document(session, data)
    assert report.check.valid and report.check.trusted and report.check.long_term


def test_access__a_units_own_campaign_and_its_block(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    a1, year = world["units"]["a1"], world["year"]
    with app.test_request_context():
        own = campaigns.launch(
            session, engine(), user=world["users"]["a1.head"],
            given=campaigns.CampaignInput(
                title="Tháng thanh niên của đơn vị", kind="campaign", starts_on=date(year, 3, 1),
                ends_on=date(year, 3, 31), audience="units", unit_ids=[a1.id],
                targets=[campaigns.TargetInput("Công trình thanh niên", "công trình")],
            ),
        )  # fmt: skip
    block = world["blocks"]["a"]
    pages = {"campaign": f"/campaigns/{own.id}/report", "block": f"/blocks/{block.id}/report"}
    expected = {
        "a1.head": (200, 200, True),  # the launcher's and the leading unit's head: issues
        "a1.staff": (200, 200, False),  # sees, does not sign
        "a2.head": (403, 403, False),  # the deputy's head: neither
        "b1.head": (403, 403, False),
        "secretariat": (200, 200, True),
    }
    for login, (campaign_status, block_status, issues) in expected.items():
        client = as_user(app, login)
        got = client.get(pages["campaign"])
        assert got.status_code == campaign_status, login
        assert client.get(pages["block"]).status_code == block_status, login
        if got.status_code == 200:
            assert ("Sign and issue" in got.get_data(as_text=True)) is issues, login


def test_council_reports__each_council_reports_its_own_year(
    app: Flask, session: Session, demo: DemoBuild
) -> None:
    """A commune's year covers its own block under its own name; the province's leaves the
    commune's out; the award the Central council decided is in the Centre's year only."""
    year = current_year()
    clerk = demo_user(app, "thanhsen.secretariat")
    commune, _rows = docx_text(clerk.get(f"/council/report.docx?year={year}").data)
    named = pdf_text(clerk.get(f"/council/report.pdf?year={year}").data)
    assert "THƯỞNG PHƯỜNG THÀNH" in named.upper()  # its council issues it (the header wraps)
    assert "Khối thi đua các đoàn thể phường Thành Sen" in commune
    assert "Khối thi đua các tổ chức chính trị - xã hội tỉnh" not in commune
    sec = demo_user(app, "secretariat")
    province, _rows = docx_text(sec.get(f"/council/report.docx?year={year}").data)
    assert "Khối thi đua các tổ chức chính trị - xã hội tỉnh" in province
    assert "phường Thành Sen" not in province
    _text, last = docx_text(sec.get(f"/council/report.docx?year={LAST}").data)
    _text, centre = docx_text(demo_user(app, "tw.secretariat")
                              .get(f"/council/report.docx?year={LAST}").data)  # fmt: skip
    pm = [r for r in centre if "01/QĐ-HĐTĐKTTW" in r]
    assert pm and "Bằng khen của Thủ tướng Chính phủ" in pm[0]
    assert not [r for r in last if "01/QĐ-HĐTĐKTTW" in r]


def test_council_report__each_block_ranked_as_its_own_report_in_bounded_statements(
    app: Flask, session: Session, demo: DemoBuild
) -> None:
    council_id = political(session).council_id
    blocks = session.exec(
        select(Block).join(BlockMembership, col(BlockMembership.block_id) == Block.id)
        .where(BlockMembership.year == LAST, Block.council_id == council_id)
        .distinct().order_by(col(Block.name))
    ).all()  # fmt: skip
    assert len(blocks) >= 2
    with app.test_request_context():
        whole = gather.for_council(session, engine(), LAST, council_id)
        alone = [gather.for_block(session, engine(), b, LAST).rankings[0] for b in blocks]
    assert whole.rankings == alone  # ranks, totals and targets met, read the block's own way
    assert any(p.counted for r in whole.rankings for p in r.rows)  # targets were counted
    sec = demo_user(app, "secretariat")
    bind = app.extensions["wflow.db"]

    def sent() -> int:
        assert sec.get(f"/council/report?year={LAST}").status_code == 200
        with statements_sent(bind) as seen:
            assert sec.get(f"/council/report?year={LAST}").status_code == 200
        return len(seen)

    before = sent()
    units = session.exec(select(Unit).order_by(col(Unit.id)).limit(3)).all()
    extra = Block(name="Khối thêm", code="THEM", council_id=council_id)
    session.add(extra)
    session.flush()
    for unit in units:
        session.add(BlockMembership(block_id=extra.id or 0, year=LAST, unit_id=unit.id or 0))
    session.commit()
    assert sent() == before  # one block more reads no more statements

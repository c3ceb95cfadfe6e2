"""The summary report as a document: a PDF in the administrative layout, and a DOCX to edit.

Both say the same, in Vietnamese (Decree 30/2020: issuing body and national motto, number,
place and date, title, sections, recipients, signature block): the PDF from
`templates/pdf/summary_report.html` through the shared WeasyPrint path, the DOCX with
python-docx for the secretariat to complete (next year's tasks) before issuing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import Any

from docx import Document as Docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table

from wflow.awards.documents import PERIOD_NAMES
from wflow.core import formats
from wflow.documents.render import render_html
from wflow.pacts.documents import SIGN_BOX_MM, box_of, html_to_pdf
from wflow.summary.models import ReportScope
from wflow.summary.report import Figure, Ranking, Report

SIGN_ANCHOR = "sig-box"
DOC_LOCALE = "vi"  # administrative documents are Vietnamese whoever renders them
TITLE = "Báo cáo"
PLACE = "……"
LEVEL_NAMES = {"unit": "cấp cơ sở", "province": "cấp tỉnh, bộ, ngành", "national": "toàn quốc"}
RECIPIENTS = {
    ReportScope.COUNCIL: "Hội đồng Thi đua - Khen thưởng cấp trên; các khối thi đua; lưu VT.",
    ReportScope.BLOCK: "Hội đồng Thi đua - Khen thưởng; Ban Thi đua - Khen thưởng; "
    "các đơn vị thành viên; lưu khối.",
    ReportScope.CAMPAIGN: "Hội đồng Thi đua - Khen thưởng; các đơn vị tham gia; lưu VT.",
}
NEXT_YEAR = "(Cơ quan thường trực bổ sung phương hướng, nhiệm vụ trước khi ban hành.)"


@dataclass(frozen=True)
class Issue:
    """How the document is dated, numbered and signed (a draft has no number and no signer)."""

    number: str
    day: date
    signer: str = ""  # the signer's name under the signature block
    draft: bool = True
    secretariat: bool = False  # signed by the secretariat (TL.), not by the issuing unit


def num(value: Decimal | int | None) -> str:
    """Return a figure as Vietnamese documents write it (204.650; 5,2)."""
    return "—" if value is None else formats.format_number(value, DOC_LOCALE, places=2)


def pct(value: int | None) -> str:
    """Return a percentage as "205 %"."""
    return "—" if value is None else formats.format_percent(value, DOC_LOCALE)


def subtitle(report: Report) -> str:
    """Return the line under the title: what the report sums up."""
    if report.scope is ReportScope.CAMPAIGN:
        return f"Tổng kết {report.subject}"
    text = f"Tổng kết công tác thi đua, khen thưởng năm {report.year}"
    return f"{text} của {report.subject}" if report.scope is ReportScope.BLOCK else text


def signature(report: Report, *, secretariat: bool = False) -> tuple[str, str]:
    """Return the signature block's two lines: on behalf of whom, and in which capacity.

    The secretariat signs by order of the council's chair (TL.), never as the chair; a unit's
    head signs on behalf of the unit (TM.).
    """
    if secretariat or report.by_council:
        return "TL. Chủ tịch Hội đồng", "Cơ quan thường trực"
    return f"TM. {report.issuer}", "Thủ trưởng đơn vị"


def intro(report: Report) -> str:
    """Return the report's opening paragraph (its basis and coverage)."""
    where = f", số liệu kỳ {PERIOD_NAMES.get(report.reference, report.reference)}" \
        if report.reference else ""  # fmt: skip
    return (
        f"Báo cáo được tổng hợp từ dữ liệu của hệ thống thi đua, khen thưởng: "
        f"{report.units} đơn vị{where}. Các số liệu dưới đây là tổng cộng của các đơn vị."
    )


def figure_row(i: int, f: Figure) -> list[str]:
    """Return one row of the figures table."""
    return [str(i), f.title, f.measure or "—", num(f.target), num(f.achieved), pct(f.percent),
            f"{f.units_met}/{f.units_counted}"]  # fmt: skip


FIGURE_HEAD = ["STT", "Chỉ tiêu", "Đơn vị tính", "Đăng ký", "Thực hiện", "Tỷ lệ",
               "Đơn vị đạt"]  # fmt: skip


def ranking_head(ranking: Ranking) -> list[str]:
    """Return the ranking table's header."""
    return ["Hạng", "Đơn vị", "Tổng điểm" if ranking.by_points else "Tỷ lệ bình quân",
            "Chỉ tiêu đạt"]  # fmt: skip


def ranking_row(ranking: Ranking, row: Any) -> list[str]:
    """Return one unit's row of a ranking."""
    score = "—" if row.score is None else (num(row.score) if ranking.by_points
                                            else pct(int(row.score)))  # fmt: skip
    return [str(row.rank) if row.rank else "—", row.name, score,
            f"{row.met}/{row.counted}" if row.counted else "—"]  # fmt: skip


def groups(figures: list[Figure]) -> list[tuple[str, list[Figure]]]:
    """Return the figures grouped (by campaign or criteria group), in order."""
    out: list[tuple[str, list[Figure]]] = []
    for f in figures:
        if not out or out[-1][0] != f.group:
            out.append((f.group, []))
        out[-1][1].append(f)
    return out


def context(report: Report, issue: Issue, issuer_code: str = "") -> dict[str, Any]:
    """Return what the PDF template shows."""
    sign_title, sign_name = signature(report, secretariat=issue.secretariat)
    return {
        "report": report, "groups": groups(report.figures), "figure_head": FIGURE_HEAD,
        "figure_row": figure_row, "ranking_head": ranking_head, "ranking_row": ranking_row,
        "num": num, "pct": pct, "intro": intro(report), "subtitle": subtitle(report),
        "levels": LEVEL_NAMES, "recipients": RECIPIENTS[report.scope], "next_year": NEXT_YEAR,
        "sign_title": sign_title, "sign_name": sign_name, "signer": issue.signer,
        "box_mm": SIGN_BOX_MM, "anchor": SIGN_ANCHOR, "date": issue.day, "place": PLACE,
        "number": issue.number or f"……/BC-{issuer_code}", "issuer_parent": report.issuer_parent,
        "issuer": report.issuer, "draft": "DỰ THẢO" if issue.draft else "",
        "doc_title_text": f"{TITLE} {subtitle(report)}",
    }  # fmt: skip


def render_pdf(
    report: Report, issue: Issue, issuer_code: str = ""
) -> tuple[bytes, int, tuple[int, int, int, int]]:
    """Render the report to PDF; return it with its signature's page and box."""
    html = render_html("pdf/summary_report.html", context(report, issue, issuer_code))
    pdf, anchors = html_to_pdf(html)
    page, box = box_of(anchors[SIGN_ANCHOR])
    return pdf, page, box


# --- DOCX ----------------------------------------------------------------------------------


def _para(doc: Any, text: str = "", *, bold: bool = False, italic: bool = False,
          center: bool = False, size: int = 13) -> Any:  # fmt: skip
    p = doc.add_paragraph()
    run = p.add_run(text)
    run.bold, run.italic, run.font.size = bold, italic, Pt(size)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return p


def _cell(cell: Any, lines: list[tuple[str, bool, bool]]) -> None:
    """Fill a header cell with centred lines of (text, bold, italic)."""
    cell.text = ""
    first = True
    for text, bold, italic in lines:
        p = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(text)
        run.bold, run.italic, run.font.size = bold, italic, Pt(12)


def _table(doc: Any, head: list[str], rows: list[list[str]]) -> Table:
    table = doc.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for values in rows:
        for cell, text in zip(table.add_row().cells, values, strict=True):
            cell.text = text
    return table


def render_docx(report: Report, issue: Issue, issuer_code: str = "") -> bytes:
    """Render the report as a DOCX with the same content as the PDF, to edit before issuing."""
    ctx = context(report, issue, issuer_code)
    doc = Docx()
    section = doc.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(13)
    heading = doc.styles["Heading 2"]  # the sections: kept as headings (Word's navigation)
    heading.font.name, heading.font.size, heading.font.bold = "Times New Roman", Pt(13), True
    heading.font.color.rgb = RGBColor(0, 0, 0)
    header = doc.add_table(rows=1, cols=2)
    issuer = [(report.issuer_parent.upper(), False, False)] if report.issuer_parent else []
    _cell(header.rows[0].cells[0], [*issuer, (report.issuer.upper(), True, False),
                                    (f"Số: {ctx['number']}", False, False)])  # fmt: skip
    _cell(header.rows[0].cells[1], [
        ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", True, False),
        ("Độc lập - Tự do - Hạnh phúc", True, False),
        (f"{PLACE}, {formats.format_document_date(issue.day)}", False, True),
    ])  # fmt: skip
    if ctx["draft"]:
        _para(doc, ctx["draft"], bold=True, size=10)
    _para(doc, TITLE.upper(), bold=True, center=True, size=14)
    _para(doc, ctx["subtitle"], bold=True, center=True)
    doc.add_heading("I. Đặc điểm tình hình", level=2)
    _para(doc, ctx["intro"])
    doc.add_heading("II. Kết quả thực hiện các chỉ tiêu", level=2)
    if not report.figures:
        _para(doc, "Chưa có số liệu được tổng hợp.")
    for group, figures in ctx["groups"]:
        if group:
            _para(doc, group, bold=True)
        _table(doc, FIGURE_HEAD, [figure_row(i, f) for i, f in enumerate(figures, start=1)])
    doc.add_heading("III. Kết quả chấm điểm, xếp hạng", level=2)
    for ranking in report.rankings:
        _para(doc, ranking.title, bold=True)
        _table(doc, ranking_head(ranking), [ranking_row(ranking, r) for r in ranking.rows])
    doc.add_heading("IV. Công tác khen thưởng", level=2)
    _para(
        doc,
        f"1. Khen thưởng đã quyết định: {len(report.granted)} trường hợp; "
        f"tổng tiền thưởng {formats.format_money(report.prize_total, DOC_LOCALE, 'đồng')}.",
    )
    if report.granted:
        _table(doc, ["STT", "Hình thức", "Tập thể, cá nhân", "Số quyết định", "Cơ quan quyết định"],
               [[str(i), g.award, g.nominee, g.decision, g.decided_by]
                for i, g in enumerate(report.granted, start=1)])  # fmt: skip
    _para(doc, f"2. Đề nghị cấp trên khen thưởng: {len(report.proposed)} trường hợp.")
    if report.proposed:
        _table(doc, ["STT", "Hình thức", "Tập thể", "Tình trạng"],
               [[str(i), p.award, p.nominee, p.state.vi]
                for i, p in enumerate(report.proposed, start=1)])  # fmt: skip
    doc.add_heading("V. Sáng kiến, mô hình", level=2)
    counts = ", ".join(f"{LEVEL_NAMES[k]}: {report.initiatives.get(k, 0)}" for k in LEVEL_NAMES)
    _para(doc, f"Tổng số sáng kiến, mô hình, đề tài được công nhận: "
               f"{report.initiatives.get('total', 0)} ({counts}).")  # fmt: skip
    for title in report.initiative_titles:
        doc.add_paragraph(title, style="List Bullet")
    doc.add_heading("VI. Phương hướng, nhiệm vụ năm tới", level=2)
    _para(doc, NEXT_YEAR, italic=True)
    foot = doc.add_table(rows=1, cols=2)
    _cell(foot.rows[0].cells[0], [("Nơi nhận:", True, True), (ctx["recipients"], False, False)])
    _cell(foot.rows[0].cells[1], [(ctx["sign_title"].upper(), True, False),
                                  (ctx["sign_name"].upper(), True, False), ("", False, False),
                                  (issue.signer, True, False)])  # fmt: skip
    out = BytesIO()
    doc.save(out)
    return out.getvalue()

"""Statistics over years (thống kê): awards by year, type, level and kind; blocks' and units'
year-end scores as trends; the statistical forms of emulation and commendation as XLSX.

Awards are counted from the award history (`wflow.titles.history`): the council's decisions
(units, and the people and collectives its dossiers name), the units' decisions on their
people's titles, and the chair's ad-hoc awards, revoked ones left out. An emulation title
(danh hiệu thi đua: Cờ thi đua, Tập thể lao động xuất sắc / tiên tiến, Chiến sĩ thi đua,
Lao động tiên tiến) is told from a form of commendation (hình thức khen thưởng: Bằng khen,
Giấy khen…) by its code. Scores are the year-end totals of each block's ranking.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session, col, select

from wflow.awards import catalogue
from wflow.awards.models import Award
from wflow.org.models import Block, BlockMembership, User
from wflow.people.models import Person
from wflow.scoreboard.service import year_rankings
from wflow.titles import history

# the emulation titles of the law's defaults (Law 06/2022/QH15): the rest are forms of
# commendation (certificates of merit, commendation certificates, orders…)
TITLES = frozenset({
    "emulation_flag", "excellent_collective", "advanced_collective", "provincial_fighter",
    "grassroots_fighter", "advanced_worker",
})  # fmt: skip
LEVELS = {
    "national": "Cấp Nhà nước",
    "provincial": "Cấp tỉnh",
    "commune": "Cấp xã",
    "unit": "Cấp cơ sở (thủ trưởng đơn vị)",
}
UNIT = "unit"  # the level of a title the head of a unit decides (Lao động tiên tiến…)
MAX_YEARS = 20  # a window of at most this many years


@dataclass(frozen=True)
class Window:
    """The years statistics cover, first to last (both included)."""

    first: int
    last: int

    @property
    def years(self) -> list[int]:
        """Return the years of the window, in order."""
        return list(range(self.first, self.last + 1))


@dataclass
class Count:
    """How many awards of one kind: to collectives, to individuals (of whom women)."""

    collectives: int = 0
    individuals: int = 0
    women: int = 0

    @property
    def total(self) -> int:
        """Return collectives and individuals together."""
        return self.collectives + self.individuals


@dataclass
class AwardLine:
    """One award type across the window: its level, title or form, and counts per year."""

    code: str
    name: str
    level: str
    title: bool
    position: int
    by_year: dict[int, Count] = field(default_factory=dict)

    def total(self) -> Count:
        """Return the counts of every year together."""
        out = Count()
        for c in self.by_year.values():
            out.collectives += c.collectives
            out.individuals += c.individuals
            out.women += c.women
        return out


@dataclass(frozen=True)
class Trend:
    """One block's or unit's year-end results across the window (None: no result that year)."""

    name: str
    totals: dict[int, Decimal | None]
    ranks: dict[int, tuple[int, int] | None] = field(default_factory=dict)  # (rank, of)


def _awards(session: Session) -> dict[str, Award]:
    return {a.code: a for a in catalogue.catalogue(session)}


def award_lines(session: Session, user: User, window: Window) -> list[AwardLine]:
    """Return a line per award type granted in the window, highest award first."""
    entries = [
        e for e in history.search(session, user, history.Query())
        if window.first <= e.year <= window.last and not e.revoked
    ]  # fmt: skip
    ids = {e.person_id for e in entries if e.person_id}
    women = {p.id for p in session.exec(select(Person).where(col(Person.id).in_(ids)))
             if p.sex == "female"}  # fmt: skip
    known = _awards(session)
    lines: dict[str, AwardLine] = {}
    for e in entries:
        award = known.get(e.award_code)
        line = lines.get(e.award_code)
        if line is None:
            level = (UNIT if award.decided_by == "unit_head" else award.level) if award else ""
            line = lines[e.award_code] = AwardLine(e.award_code, e.award_name, level,
                                                   e.award_code in TITLES,
                                                   award.position if award else 999)  # fmt: skip
        count = line.by_year.setdefault(e.year, Count())
        if e.kind == "person":
            count.individuals += 1
            count.women += e.person_id in women
        else:
            count.collectives += 1
    return sorted(lines.values(), key=lambda line: (line.position, line.name))


def per_year(lines: list[AwardLine], window: Window) -> dict[int, Count]:
    """Return the awards of every type together, year by year."""
    out = {y: Count() for y in window.years}
    for line in lines:
        for year, c in line.by_year.items():
            out[year].collectives += c.collectives
            out[year].individuals += c.individuals
            out[year].women += c.women
    return out


def per_level(lines: list[AwardLine], year: int) -> dict[tuple[str, bool], Count]:
    """Return one year's awards by (level, emulation title or not)."""
    out: dict[tuple[str, bool], Count] = defaultdict(Count)
    for line in lines:
        c = line.by_year.get(year)
        if c is not None:
            key = out[(line.level, line.title)]
            key.collectives += c.collectives
            key.individuals += c.individuals
            key.women += c.women
    return dict(out)


def _mean(values: list[Decimal]) -> Decimal | None:
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01")) if values else None


def block_trends(
    session: Session, window: Window, councils: Collection[int] | None = None
) -> list[Trend]:
    """Return each block's mean year-end total, year by year (blocks by name; of `councils`)."""
    query = select(col(Block.id), col(Block.name)).order_by(col(Block.name))
    if councils is not None:
        query = query.where(col(Block.council_id).in_(sorted(councils)))
    blocks = [(block_id or 0, name) for block_id, name in session.exec(query)]
    rankings = year_rankings(session, [b for b, _name in blocks], window.years)
    out = []
    for block_id, name in blocks:
        totals = {
            year: _mean([r.total for r in rankings[(block_id, year)] if r.scored])
            for year in window.years
        }
        if any(v is not None for v in totals.values()):
            out.append(Trend(name, totals))
    return out


def unit_trends(session: Session, block_id: int, window: Window) -> list[Trend]:
    """Return each unit of a block (any year of the window): its total and rank, by year."""
    totals: dict[int, dict[int, Decimal | None]] = defaultdict(dict)
    ranks: dict[int, dict[int, tuple[int, int] | None]] = defaultdict(dict)
    names: dict[int, str] = {}
    rankings = year_rankings(session, [block_id], window.years)
    for year in window.years:
        ranking = [r for r in rankings[(block_id, year)] if r.scored]
        for r in ranking:
            names[r.unit_id] = r.unit_name
            totals[r.unit_id][year] = r.total
            ranks[r.unit_id][year] = (r.rank, len(ranking))
    members = set(session.exec(select(BlockMembership.unit_id).where(
        BlockMembership.block_id == block_id)).all())  # fmt: skip
    order = sorted(names, key=lambda uid: names[uid])
    return [
        Trend(names[uid], {y: totals[uid].get(y) for y in window.years},
              {y: ranks[uid].get(y) for y in window.years})
        for uid in order if uid in members or totals[uid]
    ]  # fmt: skip


# --- the statistical forms ----------------------------------------------------------------

_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _head(ws: Worksheet, council: str, number: str, title: str, year: int, width: int) -> int:
    """Write a form's heading (issuer, form number, title, period); return the next row."""
    ws.cell(1, 1, council.upper()).font = Font(bold=True)
    ws.cell(1, width, number).font = Font(bold=True)
    ws.cell(1, width).alignment = Alignment(horizontal="right")
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=width)
    ws.cell(3, 1, title.upper()).font = Font(bold=True, size=13)
    ws.cell(3, 1).alignment = Alignment(horizontal="center", wrap_text=True)
    ws.merge_cells(start_row=4, start_column=1, end_row=4, end_column=width)
    ws.cell(4, 1, f"Kỳ báo cáo: năm {year} (từ 01/01/{year} đến 31/12/{year})")
    ws.cell(4, 1).alignment = Alignment(horizontal="center")
    ws.cell(5, 1, f"Đơn vị báo cáo: {council}")
    ws.cell(6, 1, "Đơn vị nhận báo cáo: cơ quan thi đua, khen thưởng cấp trên")
    return 8


def _table(ws: Worksheet, row: int, headers: list[str], lines: list[list[object]]) -> int:
    """Write a bordered table with bold headers; return the row after it."""
    for c, text in enumerate(headers, start=1):
        cell = ws.cell(row, c, text)
        cell.font, cell.border = Font(bold=True), _BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for line in lines:
        row += 1
        for c, value in enumerate(line, start=1):
            ws.cell(row, c, value).border = _BOX
    return row + 1


def _sign(ws: Worksheet, row: int, width: int) -> None:
    """Write the signature lines: who drew the form up, the head of the reporting body."""
    ws.cell(row + 1, 1, "NGƯỜI LẬP BIỂU").font = Font(bold=True)
    ws.cell(row + 2, 1, "(Ký, ghi rõ họ tên)")
    ws.cell(row + 1, width, "THỦ TRƯỞNG ĐƠN VỊ").font = Font(bold=True)
    ws.cell(row + 2, width, "(Ký, đóng dấu, ghi rõ họ tên)")


def _counts_row(c: Count) -> list[object]:
    return [c.total, c.collectives, c.individuals, c.women]


def forms_xlsx(session: Session, user: User, council: str, year: int) -> bytes:
    """Return the year's statistical forms as one workbook: emulation titles, forms of
    commendation (each by award, collectives and individuals, of whom women), and awards by
    level."""
    window = Window(year, year)
    lines = award_lines(session, user, window)
    book = Workbook()
    heads = ["STT", "Danh hiệu / hình thức", "Cấp", "Tổng số", "Tập thể", "Cá nhân",
             "Trong đó: nữ"]  # fmt: skip
    sheets = (
        ("Danh hiệu thi đua", "Biểu số 01/TK-TĐKT", "Số lượng danh hiệu thi đua được tặng", True),
        ("Hình thức khen thưởng", "Biểu số 02/TK-TĐKT", "Số lượng hình thức khen thưởng", False),
    )
    for i, (name, number, title, titles) in enumerate(sheets):
        ws = book.active if i == 0 else book.create_sheet()
        assert ws is not None
        ws.title = name
        row = _head(ws, council, number, title, year, len(heads))
        chosen = [line for line in lines if line.title == titles]
        body = [[n, line.name, LEVELS.get(line.level, line.level),
                 *_counts_row(line.by_year.get(year, Count()))]
                for n, line in enumerate(chosen, start=1)]  # fmt: skip
        whole = Count()
        for line in chosen:
            c = line.by_year.get(year, Count())
            whole.collectives, whole.individuals = (
                whole.collectives + c.collectives,
                whole.individuals + c.individuals,
            )
            whole.women += c.women
        body.append(["", "Tổng cộng", "", *_counts_row(whole)])
        end = _table(ws, row, heads, body)
        _sign(ws, end, len(heads))
        ws.column_dimensions["B"].width = 42
    ws = book.create_sheet("Theo cấp")
    level_heads = ["STT", "Cấp", "Loại", "Tổng số", "Tập thể", "Cá nhân", "Trong đó: nữ"]
    row = _head(ws, council, "Biểu số 03/TK-TĐKT", "Số lượng khen thưởng theo cấp", year,
                len(level_heads))  # fmt: skip
    counted = per_level(lines, year)
    body = [[n, LEVELS.get(level, level), "Danh hiệu thi đua" if title else "Hình thức khen thưởng",
             *_counts_row(c)] for n, ((level, title), c) in enumerate(sorted(counted.items()),
                                                                     start=1)]  # fmt: skip
    end = _table(ws, row, level_heads, body)
    _sign(ws, end, len(level_heads))
    ws.column_dimensions["B"].width = 20
    ws.column_dimensions["C"].width = 24
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()

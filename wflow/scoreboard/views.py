"""The block's scoreboard (bảng xếp hạng): results per unit and period, charts, exports, sheets."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup, escape
from werkzeug.wrappers import Response as WResponse

from wflow import db
from wflow.clock import utcnow
from wflow.core import installation
from wflow.core.access import Action, current_year
from wflow.core.errors import NotFound
from wflow.documents import render
from wflow.i18n import state_name
from wflow.org import directory
from wflow.org.models import Block
from wflow.reviews.models import PERIOD_ORDER
from wflow.scoreboard import service as boards
from wflow.web import charts, formats
from wflow.web.args import arg_int
from wflow.web.guard import ensure, load_or_404, user
from wflow.web.labels import PERIODS
from wflow.web.lists import export, wanted_format
from wflow.workflow_setup import engine

bp = Blueprint("scoreboard", __name__)

# The periods as the scoring sheet (a Vietnamese document) names them.
SHEET_PERIODS = {"q1": "quý I", "mid_year": "sơ kết 6 tháng", "q3": "quý III",
                 "year_end": "tổng kết năm"}  # fmt: skip


def period_label(period: str) -> str:
    """Return the period's name in the user's language."""
    return str(PERIODS.get(period, period))


def state_label(state: str) -> str:
    """Return a review state's name in the user's language."""
    return state_name(engine().definitions.get("review"), state)


def points(value: Decimal | None) -> str:
    """Return points as people of the page's language write them (85,5, 90); "" for none."""
    return formats.points(value)


def _year(block_id: int) -> int:
    year = arg_int("year", minimum=1900, maximum=2200)  # 422 naming the year otherwise
    if year is not None:
        return year
    years = directory.block_years_of(db.session(), block_id)
    return years[0] if years else current_year()


def _period(required: bool = False) -> str | None:
    period = request.args.get("period") or None
    if period is None and required:
        abort(400, description=_("Choose a period."))
    if period is not None and period not in PERIOD_ORDER:
        abort(400, description=_("Choose a period from the list."))
    return period


@bp.route("/blocks/<int:block_id>/scoreboard")
@login_required
def show(block_id: int) -> str | WResponse:
    """Show the block's results of a year: ranking, breakdown, targets, charts; or export them."""
    block = directory.block_label(db.session(), block_id)
    if block is None:
        abort(404)
    year = _year(block_id)
    ensure(Action.VIEW, block_id=block_id, year=year)
    period = _period()
    board = boards.build(db.session(), block_id, year, period)
    fmt = wanted_format()
    if fmt:
        return _export(fmt, block, board)
    shown = [period] if period else board.periods
    labels = {p: period_label(p) for p in (*PERIOD_ORDER, *board.periods)}  # once per page
    page_points = formats.points_of_page()  # the page writes hundreds of points
    column_chart = charts.columns(
        [(line.code, line.name, [line.cells[p].final if p in line.cells else None for p in shown])
         for line in board.lines],
        [labels[p] for p in shown], Decimal(board.scale), page_points,
    )  # fmt: skip
    bar_chart = charts.stacked(
        [(line.code, line.name, [line.groups.get(g.id, Decimal(0)) for g in board.groups])
         for line in board.lines if line.groups],
        [f"{g.code}. {g.title}" for g in board.groups], Decimal(board.scale), page_points,
    )  # fmt: skip
    sheet_base = url_for("scoreboard.sheet", block_id=block_id, year=year)
    return render_template(
        "scoreboard/show.html", block=block, board=board, year=year, years=board.years, shown=shown,
        periods_chart=column_chart, groups_chart=bar_chart, labels=labels,
        points=page_points, periods=list(PERIOD_ORDER),
        summary=_summary(board, shown, labels, page_points),
        results=_result_rows(board, shown, labels, page_points, sheet_base),
        breakdown=_breakdown_rows(board, page_points),
        sheet_units=_sheet_units(board, user().unit_id),
        **_target_rows(board),
    )  # fmt: skip


def _target_rows(board: boards.Board) -> dict[str, Markup]:
    """Return the rows of the two progress-against-targets tables, per unit and per criterion
    (HTML, empty when no unit has a figure against a target), written here once."""
    of, percent = _("%(n)d of %(m)d"), formats.percent_of_page()

    def tr(head: str, met: int, with_target: int, ratio: Decimal | None) -> str:
        return (f'\n    <tr><th scope="row">{escape(head)}</th><td class="num">'
                f'{escape(of % {"n": met, "m": with_target})}</td><td class="num">'
                f"{escape(percent(ratio))}</td></tr>")  # fmt: skip

    units = [tr(x.name, x.met, x.with_target, x.ratio) for x in board.lines if x.with_target]
    if not units:
        return {"targets": Markup(""), "criteria_targets": Markup("")}
    criteria = [tr(f"{c.code}. {c.title}", c.met, c.with_target, c.ratio)
                for c in board.criteria if c.with_target]  # fmt: skip
    return {"targets": Markup("".join(units)), "criteria_targets": Markup("".join(criteria))}


def _result_rows(
    board: boards.Board, shown: list[str], labels: dict[str, str],
    write: Callable[[Decimal | None], str], sheet_base: str,
) -> Markup:  # fmt: skip
    """Return the rows of the results table (HTML), written here once rather than by the
    template's loops: a block shows units x periods of cells."""
    if not board.lines:
        empty = escape(_("No member units in this year."))  # marked outside the f-string
        return Markup(f'<tr><td colspan="{len(shown) + 3}">{empty}</td></tr>')
    states, late = _states(), escape(_("late"))
    sheet_label = _("Scoring sheet of %(unit)s, %(period)s")
    # as the template's `_()` writes them: the translation itself, not escaped
    ranks_last, no_result = _("(ranks last)"), _("no result")
    base = escape(sheet_base)
    rows = []
    for line in board.lines:
        tds = []
        for p in shown:
            cell = line.cells.get(p)
            if cell is None:
                body = "—"
            else:
                if cell.final is not None:
                    body = str(escape(write(cell.final)))
                else:
                    body = (
                        f'<span class="pending">{escape(states.get(cell.state, cell.state))}</span>'
                    )
                if cell.late:
                    penalty = f" −{escape(write(cell.penalty))}" if cell.penalty else ""
                    body += f'\n        <br><span class="late">{late}{penalty}</span>'
            link = ""
            if board.plan is not None:
                label = escape(sheet_label % {"unit": line.name, "period": labels[p]})
                link = (
                    f'\n        <br><a href="{base}&amp;unit={line.unit_id}&amp;'
                    f'period={escape(p)}">PDF <span class="visually-hidden">({label})</span></a>'
                )
            tds.append(f'<td class="num">{body}{link}</td>')
        if line.scored:
            place, total = str(line.rank), str(escape(write(line.total)))
        else:
            place = f'—<span class="visually-hidden"> {ranks_last}</span>'
            total = f'0 <span class="muted">({no_result})</span>'
        cells = "\n      ".join(tds)
        rows.append(
            f'\n    <tr><td class="num">{place}</td>\n      <th scope="row">{escape(line.name)} '
            f'<span class="muted">({escape(line.code)})</span></th>\n      {cells}\n      '
            f'<td class="num"><strong>{total}</strong></td></tr>\n  '
        )
    return Markup("".join(rows))


def _breakdown_rows(board: boards.Board, write: Callable[[Decimal | None], str]) -> Markup:
    """Return the rows of the breakdown table: each line's points per criteria group, base
    and bonus (HTML)."""
    zero = Decimal(0)
    return Markup("".join(
        f'\n    <tr><th scope="row">{escape(line.name)}</th>\n      '
        + "".join(f'<td class="num">{escape(write(line.groups.get(g.id, zero)))}</td>'
                  for g in board.groups)
        + f'\n      <td class="num">{escape(write(line.base))}</td>'
        f'<td class="num">{escape(write(line.bonus))}</td></tr>\n  '
        for line in board.lines if line.groups
    ))  # fmt: skip


def _sheet_units(board: boards.Board, chosen: int | None) -> Markup:
    """Return the scoring sheet's unit options, by name regardless of case (HTML)."""
    return Markup("".join(
        f'<option value="{line.unit_id}"{" selected" if line.unit_id == chosen else ""}>'
        f"{escape(line.name)}</option>"
        for line in sorted(board.lines, key=lambda line: line.name.lower())
    ))  # fmt: skip


def _states() -> dict[str, str]:
    """Return every review state's name in the user's language."""
    defn = engine().definitions.get("review")
    return {s: state_label(s) for s in (defn.states if defn else ())}


def _summary(
    board: boards.Board, shown: list[str], labels: dict[str, str],
    write: Callable[[Decimal | None], str] = points,
) -> str:  # fmt: skip
    """Return the column chart's text alternative: each unit's results, in one sentence each."""
    parts = []
    for line in board.lines:
        values = [
            f"{labels[p]} {write(line.cells[p].final)}"
            for p in shown if p in line.cells and line.cells[p].final is not None
        ]  # fmt: skip
        parts.append(f"{line.name}: {', '.join(values) if values else _('no result yet')}")
    return "; ".join(parts) or _("No member units.")


def _num(value: Decimal | None) -> int | float | None:
    """Return a decimal as a spreadsheet number: an int when whole (96, not 96.0)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _export(fmt: str, block: directory.BlockLabel, board: boards.Board) -> WResponse:
    cols: list[tuple[str, Any]] = [("rank", _("Rank")), ("unit", _("Unit")), ("code", _("Code"))]
    for p in board.periods:
        label = period_label(p)
        cols += [(f"{p}.final", f"{label}: " + _("final total")),
                 (f"{p}.state", f"{label}: " + _("state")),
                 (f"{p}.late", f"{label}: " + _("late")),
                 (f"{p}.penalty", f"{label}: " + _("penalty"))]  # fmt: skip
    cols.append(("total", _("Year total") if board.period is None else _("Period total")))
    ref = period_label(board.reference) if board.reference else ""
    for g in board.groups:
        cols.append((f"group.{g.id}", f"{ref}: {g.code}. {g.title} (/{points(g.max_points)})"))
    cols += [("bonus", f"{ref}: " + _("bonus")), ("met", f"{ref}: " + _("targets met")),
             ("with_target", f"{ref}: " + _("criteria with a target")),
             ("ratio", f"{ref}: " + _("share of the target (percent)"))]  # fmt: skip
    rows = []
    for line in board.lines:
        scored = line.scored
        row: dict[str, Any] = {"rank": line.rank if scored else None, "unit": line.name,
                               "code": line.code,
                               "total": _num(line.total) if scored else None}  # fmt: skip
        for p, cell in line.cells.items():
            row[f"{p}.final"] = _num(cell.final)
            row[f"{p}.state"] = state_label(cell.state)
            row[f"{p}.late"] = _("yes") if cell.late else _("no")
            row[f"{p}.penalty"] = _num(cell.penalty)
        if line.groups:
            for g in board.groups:
                row[f"group.{g.id}"] = _num(line.groups.get(g.id, Decimal(0)))
            row["bonus"] = _num(line.bonus)
        if line.with_target:
            row.update(met=line.met, with_target=line.with_target,
                       ratio=_num(line.ratio))  # fmt: skip
        rows.append(row)
    suffix = f"-{board.period}" if board.period else ""
    return export(fmt, f"scoreboard-{block.code}-{board.year}{suffix}", cols, rows)


@bp.route("/blocks/<int:block_id>/scoreboard/sheet.pdf")
@login_required
def sheet(block_id: int) -> Response:
    """Print a unit's scoring sheet (phiếu chấm điểm) for a period: blank, or with its scores."""

    load_or_404(Block, block_id)
    year = _year(block_id)
    ensure(Action.VIEW, block_id=block_id, year=year)
    period = _period(required=True)
    assert period is not None
    unit_id = arg_int("unit", minimum=1)
    if unit_id is None:
        abort(400, description=_("Choose a unit."))
    sess = db.session()
    try:
        found = boards.scoring_sheet(sess, block_id, year, unit_id, period)
    except NotFound as exc:
        abort(404, description=str(exc.message))
    filled = found.review is not None and boards.may_see_scores(sess, user(), found)
    body = render.render_pdf(
        "pdf/scoring_sheet.html",
        {"sheet": found, "filled": filled, "period_name": SHEET_PERIODS.get(period, period),
         "date": installation.local_date(db.session(), utcnow()), "place": "……",
         "issuer_parent": found.block.name,
         "issuer": found.unit.name, "points": points,
         "draft": "" if not filled or found.counted else "DỰ THẢO"},
        title=f"Phiếu chấm điểm thi đua {SHEET_PERIODS.get(period, period)} năm {year}",
    )  # fmt: skip
    name = f"scoring-sheet-{found.unit.code}-{year}-{period}.pdf"
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip

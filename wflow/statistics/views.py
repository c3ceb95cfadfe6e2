"""The statistics page (committee): awards over years by type, level and kind, the blocks'
and units' year-end scores as trends, charts, exports, and the statistical forms as XLSX."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import login_required
from sqlmodel import col, select
from werkzeug.wrappers import Response as WResponse

from wflow import db
from wflow.awards.decisions import body_of
from wflow.core.access import current_year, is_committee
from wflow.councils import service as councils
from wflow.org.models import Block
from wflow.statistics import service as stats
from wflow.web import charts, formats
from wflow.web.args import arg_int, arg_year
from wflow.web.guard import user
from wflow.web.lists import attachment, export, wanted_format

bp = Blueprint("statistics", __name__)
TABLES = ("years", "awards", "blocks", "units")


def _window() -> stats.Window:
    """Return the years asked for (the last five by default), refused in words if wrong."""
    last = arg_year("last") or current_year()
    first = arg_year("first") or last - 4
    if first > last:
        abort(422, description=_("The first year comes before the last."))
    if last - first >= stats.MAX_YEARS:
        abort(422, description=_("Choose at most %(n)d years.", n=stats.MAX_YEARS))
    return stats.Window(first, last)


def _committee() -> None:
    if not is_committee(user()):
        abort(403)


def _export(fmt: str, table: str, window: stats.Window, **data: Any) -> WResponse:
    """Answer one of the page's tables as CSV or XLSX."""
    years = [(str(y), str(y)) for y in window.years]
    if table == "years":
        cols = [("year", _("Year")), ("collectives", _("Collectives")),
                ("individuals", _("Individuals")), ("women", _("of whom women")),
                ("total", _("All awards"))]  # fmt: skip
        rows = [{"year": y, "collectives": c.collectives, "individuals": c.individuals,
                 "women": c.women, "total": c.total}
                for y, c in data["per_year"].items()]  # fmt: skip
    elif table == "awards":
        cols = [("award", _("Award")), ("level", _("Level")), ("kind", _("Kind")), *years]
        rows = [{"award": line.name, "level": _level(line.level), "kind": _kind(line.title),
                 **{str(y): line.by_year.get(y, stats.Count()).total for y in window.years}}
                for line in data["lines"]]  # fmt: skip
    else:
        cols = [("name", _("Block") if table == "blocks" else _("Unit")), *years]
        rows = [{"name": t.name, **{str(y): t.totals.get(y) for y in window.years}}
                for t in data[table]]  # fmt: skip
    return export(fmt, f"statistics-{table}", cols, rows)


def _level(level: str) -> str:
    return {"national": _("National"), "provincial": _("Provincial"), "commune": _("Commune"),
            stats.UNIT: _("Grassroots (the unit's head)")}.get(level, level)  # fmt: skip


def _kind(title: bool) -> str:
    return _("Emulation title") if title else _("Form of commendation")


@bp.route("/statistics")
@login_required
def index() -> str | WResponse:
    """Awards and scores over years, as tables and charts; each table exported."""
    _committee()
    sess, me = db.session(), user()
    window = _window()
    seen = councils.seen_by(sess, me)  # the council's own blocks and those below it
    blocks = list(sess.exec(select(Block).where(col(Block.council_id).in_(sorted(seen)))
                            .order_by(col(Block.name))).all())  # fmt: skip
    block_id = arg_int("block", minimum=1)
    block = next((b for b in blocks if b.id == block_id), None)
    if block_id and block is None:
        abort(404)
    lines = stats.award_lines(sess, me, window)
    per_year = stats.per_year(lines, window)
    trends = stats.block_trends(sess, window, seen)
    units = stats.unit_trends(sess, block.id or 0, window) if block else []
    fmt = wanted_format()
    if fmt:
        table = request.args.get("table", "years")
        if table not in TABLES:
            abort(400, description=_("Choose a table: %(t)s.", t=", ".join(TABLES)))
        return _export(fmt, table, window, per_year=per_year, lines=lines, blocks=trends,
                       units=units)  # fmt: skip
    year_chart = charts.stacked(
        [(str(y), str(y), [Decimal(c.collectives), Decimal(c.individuals)])
         for y, c in per_year.items()],
        [_("Collectives"), _("Individuals")], Decimal(1),
    )  # fmt: skip
    block_chart = charts.columns(
        [(str(y), str(y), [t.totals.get(y) for t in trends[: charts.SERIES]])
         for y in window.years],
        [t.name for t in trends[: charts.SERIES]], Decimal(10),
    )  # fmt: skip
    return render_template(
        "statistics/index.html", window=window, blocks=blocks, block=block, lines=lines,
        per_year=per_year, trends=trends, units=units, year_chart=year_chart,
        block_chart=block_chart, level=_level, kind=_kind, points=formats.points,
        shown_blocks=min(len(trends), charts.SERIES),
    )  # fmt: skip


@bp.route("/statistics/forms.xlsx")
@login_required
def forms() -> WResponse:
    """The year's statistical forms of emulation and commendation, as one XLSX workbook."""
    _committee()
    sess = db.session()
    year = arg_year() or current_year() - 1
    body = body_of(sess, councils.of_user(sess, user()))  # the forms of the reader's council
    data = stats.forms_xlsx(sess, user(), body.name, year)
    return attachment(data, f"thong-ke-thi-dua-khen-thuong-{year}.xlsx")

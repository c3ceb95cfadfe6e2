"""The committee's dashboard: every block of a year at a glance, filtered, charted, exported."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup, escape
from sqlmodel import col, select
from werkzeug.wrappers import Response as WResponse

from wflow import db
from wflow.clock import utcnow
from wflow.committee import service as dashboard
from wflow.core import installation
from wflow.core.access import current_year, is_committee
from wflow.councils import service as councils
from wflow.engine import Definition
from wflow.i18n import language
from wflow.inspections import service as inspections
from wflow.org.models import Unit
from wflow.web.args import arg_int
from wflow.web.guard import user
from wflow.web.labels import PERIODS
from wflow.web.lists import export, wanted_format
from wflow.workflow_setup import engine

bp = Blueprint("committee", __name__)

# Colour-blind-safe palette (Okabe-Ito); each segment also carries its label and count.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
BAR_WIDTH = 240


@dataclass(frozen=True)
class Segment:
    """One part of a horizontal bar: where it starts, how wide, its colour and meaning."""

    x: float
    width: float
    colour: str
    label: str
    count: int


def bar(parts: list[tuple[str, int]], total: int | None = None) -> list[Segment]:
    """Lay out `parts` (label, count) as segments of a bar BAR_WIDTH wide."""
    whole = total if total is not None else sum(n for _l, n in parts)
    if whole <= 0:
        return []
    out, x = [], 0.0
    for i, (label, n) in enumerate(parts):
        width = BAR_WIDTH * n / whole
        out.append(Segment(round(x, 1), round(width, 1), PALETTE[i % len(PALETTE)], label, n))
        x += width
    return out


@lru_cache(maxsize=4096)
def _rects(segments: tuple[Segment, ...]) -> str:
    """Return the SVG rectangles of a bar's segments (many bars of a page are alike)."""
    return "".join(
        f'<rect x="{s.x}" y="0" width="{s.width}" height="16" fill="{s.colour}">'
        f"<title>{escape(s.label)}: {s.count}</title></rect>"
        for s in segments
    )


@lru_cache(maxsize=1024)
def legend(segments: tuple[Segment, ...]) -> Markup:
    """Return a bar's legend: a colour swatch, label and count per segment."""
    return Markup(
        '<ul class="legend">'
        + "".join(
            f'<li><svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" '
            f'fill="{escape(s.colour)}"></rect></svg> {escape(s.label)}: {s.count}</li>'
            for s in segments
        )
        + "</ul>"
    )


def svg_bar(segments: list[Segment], chart_id: str, text: str) -> Markup:
    """Draw a bar as inline SVG, its text as the accessible name (drawn here, not by a macro:
    a page of 60 blocks draws 360 of them)."""
    name = escape(chart_id)
    return Markup(
        f'<svg class="chart" width="{BAR_WIDTH}" height="16" viewBox="0 0 {BAR_WIDTH} 16" '
        f'role="img" aria-labelledby="{name}">'
        f'<title id="{name}">{escape(text)}</title>'
        f'<rect x="0" y="0" width="{BAR_WIDTH}" height="16" fill="#eeeeee"></rect>'
        f"{_rects(tuple(segments))}</svg>"
    )


def link_maker(endpoint: str, key: str) -> Callable[[int], str]:
    """Return a function giving `url_for(endpoint, key=id)` for an id, built once per page."""
    marker = 987654321  # an id no page holds: its place in the URL is where ids go
    values: dict[str, Any] = {key: marker}
    before, _sep, after = url_for(endpoint, **values).partition(str(marker))
    return lambda ident: f"{before}{int(ident)}{after}"


def _label(defs: dict[str, Definition], workflow: str, state: str | None = None) -> str:
    defn, locale = defs.get(workflow), language()
    if defn is None:
        return f"{workflow}: {state}" if state else workflow
    if state is None:
        return defn.label.get(locale)
    return defn.states[state].label.get(locale) if state in defn.states else state


def _filters() -> dict[str, Any]:
    args = request.args
    year = arg_int("year", minimum=1900, maximum=2200) or current_year()
    return {"year": year, "block_id": arg_int("block", minimum=1) or None,
            "state": (args.get("state") or "").strip()[:100] or None,
            "overdue": args.get("overdue") in ("1", "on", "true")}  # fmt: skip


@bp.route("/committee")
@login_required
def index() -> str | WResponse:
    """Show the blocks of a year, a page at a time: plan, pact signatures, reviews,
    nominations, overdue work; or export every block matching the filters."""
    if not is_committee(user()):
        abort(403)
    filters = _filters()
    number = arg_int("page", minimum=1) or 1  # past the last page: a 404 naming the last
    fmt = wanted_format()
    defs = engine().definitions
    seen = councils.seen_by(db.session(), user())  # the council's blocks and those below it
    board = dashboard.build(db.session(), defs, **filters, councils=seen,
                            page=None if fmt else number)  # fmt: skip
    if fmt:
        return _export(fmt, board, defs)
    words = _review_words()
    names: dict[tuple[str, str | None], str] = {}

    def label(workflow: str, state: str | None = None) -> str:
        """Return a workflow's or state's name, translated once per page."""
        if (workflow, state) not in names:
            names[workflow, state] = _label(defs, workflow, state)
        return names[workflow, state]

    charts: dict[int, dict[str, Any]] = {}
    by_state, none = _("Instances by state"), _("none")
    signed_of = _("%(n)d of %(m)d signed")
    for r in board.rows:
        bid = r.block_id
        states = bar([(f"{label(w)}: {label(w, s)}", n) for w, s, n in _in_order(r.counts, defs)])
        text = by_state + ": " + (", ".join(f"{s.label}: {s.count}" for s in states) or none)
        signed_text = signed_of % {"n": r.signed, "m": r.expected}
        periods = {period: bar(_period_parts(c, words)) for period, c in r.periods.items()}
        review_texts = {period: _review_text(period, c, words) for period, c in r.periods.items()}
        charts[bid] = {
            "states": states, "periods": periods, "review_texts": review_texts,
            "signatures": (signatures := bar([(words["signed"], r.signed)], r.expected)),
            "signed_text": signed_text, "text": text,  # the chart's text alternative
            "states_svg": svg_bar(states, f"chart-states-{bid}", text),
            "legend": legend(tuple(states)),
            "signatures_svg": svg_bar(signatures, f"chart-sig-{bid}", signed_text),
            "periods_svg": {p: svg_bar(segments, f"chart-rev-{bid}-{p}", review_texts[p])
                            for p, segments in periods.items()},
        }  # fmt: skip
    session = db.session()
    subjects = {i.id: i.unit for r in board.rows for i in r.instances if i.unit is not None}
    late = inspections.overdue(session, installation.local_date(session, utcnow()), councils=seen)
    rec_units = _owner_names({r.owner_unit_id for r, _i in late})
    cells = _block_cells(board, charts, defs, label, subjects,
                         link_maker("workflows.instance", "instance_id"),
                         link_maker("review.block_reviews", "block_id"))  # fmt: skip
    return render_template(
        "committee/index.html", board=board, defs=defs, charts=charts, filters=filters,
        blocks=board.choices, label=label, width=BAR_WIDTH, columns=dashboard.COLUMNS,
        cells=cells, late_recs=late, rec_units=rec_units,
        chart_rows=_chart_rows(board, charts),
        block_options=_block_options(board.choices, filters["block_id"]),
        state_options=_state_options(defs, label, filters["state"]),
    )  # fmt: skip


def _block_options(choices: list[tuple[int, str]], chosen: int | None) -> Markup:
    """Return the block filter's options (every block of the councils: dozens), written once."""
    return Markup("".join(
        f'<option value="{bid}"{" selected" if bid == chosen else ""}>{escape(name)}</option>'
        for bid, name in choices
    ))  # fmt: skip


def _state_options(
    defs: dict[str, Definition], label: Callable[..., str], chosen: str | None
) -> Markup:
    """Return the state filter's options, a group per workflow of the columns."""
    groups = []
    for w in dashboard.COLUMNS:
        defn = defs.get(w)
        if not defn:
            continue
        options = "".join(
            f'<option value="{escape(w)}:{escape(s)}"'
            f"{' selected' if f'{w}:{s}' == chosen else ''}>{escape(label(w, s))}</option>"
            for s in defn.states
        )
        groups.append(f'<optgroup label="{escape(label(w))}">\n      {options}\n    </optgroup>')
    return Markup("".join(groups))


def _chart_rows(board: dashboard.Dashboard, charts: dict[int, dict[str, Any]]) -> dict[int, Markup]:
    """Return each block's row of the charts table (block id -> HTML), written here once."""
    no_signing, no_review = Markup(_("No signing yet")), Markup(_("No review yet"))
    out: dict[int, Markup] = {}
    for r in board.rows:
        c = charts[r.block_id]
        signatures = (
            f"{c['signatures_svg']}\n        {escape(c['signed_text'])}"
            if r.expected
            else no_signing
        )
        periods = (
            "".join(
                f"<div>{c['periods_svg'][p]}\n        {escape(c['review_texts'][p])}</div>"
                for p in r.periods
            )
            or no_review
        )
        out[r.block_id] = Markup(
            f'\n    <tr><th scope="row">{escape(r.name)}</th>\n'
            f"      <td>{c['states_svg']}\n        {c['legend']}</td>\n"
            f"      <td>{signatures}</td>\n      <td>{periods}</td></tr>\n  "
        )
    return out


def _block_cells(
    board: dashboard.Dashboard, charts: dict[int, dict[str, Any]], defs: dict[str, Definition],
    label: Callable[..., str], subjects: dict[int, str],
    instance_url: Callable[[int], str], reviews_url: Callable[[int], str],
) -> dict[int, Markup]:  # fmt: skip
    """Return each block's row of the blocks table (block id -> HTML), written here once
    rather than by the template's loops: a page shows a dozen blocks of many links each."""
    t_leader, t_missing, reviews_of = (
        escape(_("Leader")),
        escape(_("Missing")),
        _("Reviews of %(block)s"),
    )

    def link(ref: dashboard.InstanceRef, text: str) -> str:
        return f'<a href="{escape(instance_url(ref.id))}">{escape(text)}</a>'

    out: dict[int, Markup] = {}
    for r in board.rows:
        bid, chart = r.block_id, charts[r.block_id]
        head = f'<th scope="row">{escape(r.name)} <span class="muted">({escape(r.code)})</span>'
        if r.leader:
            head += f'<br><span class="muted">{t_leader}: {escape(r.leader)}</span>'
        plan, pact = r.latest("plan"), r.latest("pact")
        signatures = "—"
        if r.expected:
            signatures = str(escape(chart["signed_text"]))
            if r.missing:
                missing = escape(", ".join(r.missing))
                signatures += f'<br><span class="muted">{t_missing}: {missing}</span>'
        tds = [
            f"{head}</th>",
            f"<td>{link(plan, label('plan', plan.state)) if plan else '—'}</td>",
            f"<td>{link(pact, label('pact', pact.state)) if pact else '—'}</td>",
            f"<td>{signatures}</td>",
        ]
        for w in ("review", "nomination"):
            counts = [(st, n) for _w, st, n in _in_order({w: r.counts.get(w) or {}}, defs)]
            parts = (
                [f"{escape(t)}<br>" for t in chart["review_texts"].values()]
                if w == "review"
                else []
            )
            parts.append("<br>".join(f"{escape(label(w, st))}: {n}" for st, n in counts) or "—")
            if w == "review" and counts:
                text = escape(reviews_of % {"block": r.code})
                href = f"{escape(reviews_url(bid))}?year={board.year}"
                parts.append(f'\n        <br><a href="{href}">{text}</a>')
            elif w != "review" and (mine := r.listed(w)):
                names = [link(i, subjects.get(i.id) or label(i.workflow, i.state)) for i in mine]
                parts.append("<br>" + ", ".join(names))
            tds.append(f"<td>{''.join(parts)}</td>")
        overdue = "0"
        if r.overdue:
            late = [i for i in r.instances if i.overdue][:10]
            names = [
                link(
                    i,
                    f"{label(i.workflow)}: {unit}"
                    if (unit := subjects.get(i.id))
                    else label(i.workflow),
                )
                for i in late
            ]
            overdue = f"<strong>{r.overdue}</strong>: {', '.join(names)}"
            overdue += " …" if r.overdue > 10 else ""
        tds.append(f"<td>{overdue}</td>")
        out[bid] = Markup("\n      ".join(tds))
    return out


def _owner_names(ids: set[int]) -> dict[int, str]:
    """Return the names of the units in charge of overdue recommendations (one query)."""
    if not ids:
        return {}
    query = select(Unit.id, Unit.name).where(col(Unit.id).in_(ids))
    return {int(uid or 0): str(name) for uid, name in db.session().exec(query).all()}


def _review_words() -> dict[str, str]:
    """Return the words of the review counts and the period names, translated once."""
    return {"on_time": _("on time"), "late": _("late"), "missing": _("missing"),
            "pending": _("not yet due"), "signed": _("signed"),
            **{period: str(name) for period, name in PERIODS.items()}}  # fmt: skip


def _period_parts(c: dashboard.PeriodCounts, words: dict[str, str]) -> list[tuple[str, int]]:
    """Return a period's review counts as labelled parts of a bar (on time first)."""
    return [(words["on_time"], c.on_time), (words["late"], c.late),
            (words["missing"], c.missing), (words["pending"], c.pending)]  # fmt: skip


def _review_text(period: str, c: dashboard.PeriodCounts, words: dict[str, str]) -> str:
    """Return one period's reviews in words, e.g. "First quarter: 3 on time, 1 late…"."""
    parts = ", ".join(f"{n} {label}" for label, n in _period_parts(c, words) if n)
    return f"{words.get(period, period)}: {parts}"


def _in_order(
    counts: Mapping[str, Mapping[str, int]], defs: dict[str, Definition]
) -> list[tuple[str, str, int]]:
    """Return (workflow, state, count) by workflow, then in the order its states are written
    (a lifecycle's order), whatever order the database counted them in."""

    orders: dict[str, dict[str, int]] = {}  # each workflow's states by place, once

    def key(part: tuple[str, str, int]) -> tuple[str, int, str]:
        order = orders.get(part[0])
        if order is None:
            defn = defs.get(part[0])
            order = orders[part[0]] = {s: i for i, s in enumerate(defn.states if defn else ())}
        return part[0], order.get(part[1], len(order)), part[1]

    return sorted(((w, s, n) for w, c in counts.items() for s, n in c.items()), key=key)


def _export(fmt: str, board: dashboard.Dashboard, defs: dict[str, Definition]) -> WResponse:
    def counts(row: dashboard.BlockRow, workflow: str) -> str:
        return "; ".join(
            f"{_label(defs, workflow, s)}: {n}"
            for _w, s, n in _in_order({workflow: row.counts[workflow]}, defs)
        )

    data, words = [], _review_words()
    for r in board.rows:
        plan, pact = r.latest("plan"), r.latest("pact")
        data.append({
            "block": r.name, "code": r.code, "leader": r.leader, "members": r.members,
            "plan": _label(defs, "plan", plan.state) if plan else "",
            "pact": _label(defs, "pact", pact.state) if pact else "",
            "signed": r.signed, "expected": r.expected, "missing": ", ".join(r.missing),
            "reviews": counts(r, "review"),
            "review_periods": "; ".join(_review_text(p, c, words) for p, c in r.periods.items()),
            "nominations": counts(r, "nomination"),
            "overdue": r.overdue,
        })  # fmt: skip
    cols = [("block", _("Block")), ("code", _("Code")), ("leader", _("Leader")),
            ("members", _("Members")), ("plan", _("Plan")), ("pact", _("Pact")),
            ("signed", _("Signed")), ("expected", _("Signatures expected")),
            ("missing", _("Not signed yet")), ("reviews", _("Reviews")),
            ("review_periods", _("Reviews by period")),
            ("nominations", _("Nominations")), ("overdue", _("Overdue"))]  # fmt: skip
    return export(fmt, f"committee-{board.year}", cols, data)

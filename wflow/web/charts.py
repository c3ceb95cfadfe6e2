"""Chart layouts for inline SVG drawn on the server: grouped columns and stacked bars.

The layout is computed here and drawn by `templates/macros/charts.html`; colours come from
CSS classes (`s0` … `s7`, see `static/css/charts.css`), never from inline styles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from flask import Flask
from markupsafe import Markup, escape

from wflow.web import formats

SERIES = 8  # colour classes s0 … s7 (Okabe-Ito, colour-blind safe)
MIN_GROUP = 40  # px: a group of few columns is still as wide as its label ("2026")


def _fmt(value: Decimal) -> str:
    """Return points as people of the page's language write them: 85,5, 90."""
    return formats.points(value)


def nice_top(value: Decimal) -> Decimal:
    """Return a round axis maximum at least `value` (10, 20, 25, 50, 100, 120, 250, …)."""
    if value <= 0:
        return Decimal(10)
    step = Decimal(1)
    while True:
        for m in (1, 2, 2.5, 5):
            top = step * Decimal(str(m)) * 10
            if top >= value:
                return top
        step *= 10


@dataclass(frozen=True)
class Column:
    """One column: its box, its colour class and its text (for the <title> tooltip)."""

    x: float
    y: float
    width: float
    height: float
    css: str
    text: str


@dataclass(frozen=True)
class Tick:
    """A horizontal grid line with its value label."""

    y: float
    label: str


@dataclass(frozen=True)
class GroupLabel:
    """The label under a group of columns."""

    x: float
    label: str


@dataclass(frozen=True)
class ColumnChart:
    """A grouped column chart: one group per item, one column per series."""

    width: int
    height: int
    left: int
    base_y: float
    columns: list[Column]
    ticks: list[Tick]
    labels: list[GroupLabel]
    series: list[tuple[str, str]]  # (css class, label) for the legend


def columns(
    groups: Sequence[tuple[str, str, Sequence[Decimal | None]]],
    series: Sequence[str],
    top: Decimal,
    fmt: Callable[[Decimal], str] = _fmt,
) -> ColumnChart:
    """Lay out `groups` (label, name, one value per series; None: no column) up to `top`;
    `fmt` writes the values (the page's points by default)."""
    col_w, gap, group_gap, left, plot_h, top_m, bottom = 9, 1, 12, 40, 160, 10, 28
    top = nice_top(max([top, *[v for _l, _n, vs in groups for v in vs if v is not None]]))
    bars = len(series) * (col_w + gap)
    per_group = max(bars + group_gap, MIN_GROUP)  # room for the group's label under it
    width = left + max(1, len(groups)) * per_group + 10
    base_y = top_m + plot_h
    out: list[Column] = []
    labels: list[GroupLabel] = []
    for gi, (label, name, values) in enumerate(groups):
        x0 = left + (per_group - bars) / 2 + gi * per_group
        labels.append(GroupLabel(round(x0 + len(series) * (col_w + gap) / 2, 1), label))
        for si, value in enumerate(values):
            if value is None:
                continue
            h = float(value / top) * plot_h
            out.append(Column(round(x0 + si * (col_w + gap), 1), round(base_y - h, 1), col_w,
                              round(h, 1), f"s{si % SERIES}",
                              f"{name}, {series[si]}: {fmt(value)}"))  # fmt: skip
    ticks = [Tick(round(base_y - plot_h * i / 4, 1), fmt(top * i / 4)) for i in range(5)]
    legend = [(f"s{i % SERIES}", s) for i, s in enumerate(series)]
    return ColumnChart(int(width), top_m + plot_h + bottom, left, base_y, out, ticks, labels,
                       legend)  # fmt: skip


@dataclass(frozen=True)
class Segment:
    """One part of a stacked bar."""

    x: float
    width: float
    css: str
    text: str


@dataclass(frozen=True)
class Bar:
    """One row of a stacked bar chart: its label, segments and the total written after it."""

    y: float
    label: str
    segments: list[Segment]
    total: str
    total_x: float


@dataclass(frozen=True)
class BarChart:
    """Horizontal stacked bars, each the same scale wide."""

    width: int
    height: int
    left: int
    plot_width: int
    bar_height: int
    bars: list[Bar]
    series: list[tuple[str, str]]


def stacked(
    rows: Sequence[tuple[str, str, Sequence[Decimal]]],
    series: Sequence[str],
    scale: Decimal,
    fmt: Callable[[Decimal], str] = _fmt,
) -> BarChart:
    """Lay out `rows` (label, name, one value per series) as bars `scale` points wide; `fmt`
    writes the values (the page's points by default)."""
    left, plot_w, bar_h, gap, top_m = 70, 360, 16, 6, 4
    scale = max([scale, *[sum(vs, Decimal(0)) for _l, _n, vs in rows]]) or Decimal(1)
    bars: list[Bar] = []
    for ri, (label, name, values) in enumerate(rows):
        y, x = top_m + ri * (bar_h + gap), float(left)
        segments = []
        for si, value in enumerate(values):
            w = float(value / scale) * plot_w
            if w > 0:
                segments.append(Segment(round(x, 1), round(w, 1), f"s{si % SERIES}",
                                        f"{name}, {series[si]}: {fmt(value)}"))  # fmt: skip
            x += w
        total = sum(values, Decimal(0))
        bars.append(Bar(y, label, segments, fmt(total), float(left + plot_w + 4)))
    height = top_m * 2 + max(1, len(rows)) * (bar_h + gap)
    legend = [(f"s{i % SERIES}", s) for i, s in enumerate(series)]
    return BarChart(left + plot_w + 50, height, left, plot_w, bar_h, bars, legend)


# The charts drawn as SVG markup here rather than by Jinja loops: a scoreboard draws a column
# and a bar chart of hundreds of shapes on every view. `templates/macros/charts.html` calls
# these (Jinja globals), so each chart's markup is written in one place.


def legend_svg(series: Sequence[tuple[str, str]]) -> Markup:
    """Return a chart's legend: a swatch of each series' colour class and its label."""
    return Markup(
        '<ul class="legend">'
        + "".join(
            f'<li><svg class="chart" width="10" height="10" aria-hidden="true"><rect '
            f'class="{escape(css)}" width="10" height="10"></rect></svg> {escape(label)}</li>'
            for css, label in series
        )
        + "</ul>"
    )


def _svg_open(
    width: int, height: int, chart_id: str, title: str, desc: str, described_by: str | None
) -> str:
    """Return a chart's <svg> opening tag with its title and description."""
    name = escape(chart_id)
    described = f' aria-describedby="{escape(described_by)}"' if described_by else ""
    return (
        f'<figure class="chart-wrap">\n<svg class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{name}-title {name}-desc"'
        f'{described}>\n  <title id="{name}-title">{escape(title)}</title>\n'
        f'  <desc id="{name}-desc">{escape(desc)}</desc>\n'
    )


def column_chart_svg(
    c: ColumnChart, chart_id: str, title: str, desc: str, described_by: str | None = None
) -> Markup:
    """Draw a grouped column chart as inline SVG: an image named by `title`, described by
    `desc` and by the element `described_by` (a table of the same numbers)."""
    ticks = "".join(
        f'<line class="grid" x1="{c.left}" x2="{c.width - 10}" y1="{t.y}" y2="{t.y}"></line>'
        f'<text class="tick" x="{c.left - 4}" y="{t.y + 3}" text-anchor="end" font-size="10">'
        f"{escape(t.label)}</text>"
        for t in c.ticks
    )
    columns = "".join(
        f'<rect class="{escape(col.css)}" x="{col.x}" y="{col.y}" width="{col.width}" '
        f'height="{col.height}"><title>{escape(col.text)}</title></rect>'
        for col in c.columns
    )
    labels = "".join(
        f'<text class="group" x="{g.x}" y="{c.base_y + 14}" text-anchor="middle" '
        f'font-size="10">{escape(g.label)}</text>'
        for g in c.labels
    )
    return Markup(
        _svg_open(c.width, c.height, chart_id, title, desc, described_by)
        + f"  {ticks}\n  {columns}\n"
        f'  <line class="axis" x1="{c.left}" x2="{c.width - 10}" y1="{c.base_y}" '
        f'y2="{c.base_y}"></line>\n  {labels}\n</svg>\n'
        f"<figcaption>{legend_svg(c.series)}</figcaption>\n</figure>"
    )


def bar_chart_svg(
    c: BarChart, chart_id: str, title: str, desc: str, described_by: str | None = None
) -> Markup:
    """Draw horizontal stacked bars as inline SVG (named and described as `column_chart_svg`)."""
    h = c.bar_height
    bars = "".join(
        f'\n  <text x="{c.left - 4}" y="{b.y + h - 4}" class="tick" text-anchor="end" '
        f'font-size="10">{escape(b.label)}</text>\n'
        f'  <rect class="track" x="{c.left}" y="{b.y}" width="{c.plot_width}" '
        f'height="{h}"></rect>\n  '
        + "".join(
            f'<rect class="{escape(s.css)}" x="{s.x}" y="{b.y}" width="{s.width}" '
            f'height="{h}"><title>{escape(s.text)}</title></rect>'
            for s in b.segments
        )
        + f'\n  <text x="{b.total_x}" y="{b.y + h - 4}" font-size="10">{escape(b.total)}</text>\n  '
        for b in c.bars
    )
    return Markup(
        _svg_open(c.width, c.height, chart_id, title, desc, described_by)
        + f"  {bars}\n</svg>\n<figcaption>{legend_svg(c.series)}</figcaption>\n</figure>"
    )


def init_app(app: Flask) -> None:
    """Offer the chart drawings to the templates (`macros/charts.html` calls them)."""
    app.jinja_env.globals.update(
        column_chart_svg=column_chart_svg, bar_chart_svg=bar_chart_svg, legend_svg=legend_svg
    )

"""Turn-of-the-year pages: the preview of next year with the button that opens it, and each
block's rotation rule and year-end conference result (the secretariat and administrators)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from wflow import db
from wflow.core.errors import ServiceError
from wflow.councils import service as councils
from wflow.org.models import Block, Unit
from wflow.web.args import arg_year
from wflow.web.forms import submit
from wflow.web.guard import load_or_404, user
from wflow.web.lists import export, matches, wanted_format
from wflow.workflow_setup import engine
from wflow.yearturn import leadership, service
from wflow.yearturn.forms import OpenYearForm, SuccessionForm
from wflow.yearturn.models import Rotation

bp = Blueprint("yearturn", __name__, url_prefix="/year")
Page = str | Response | tuple[str, int]


@bp.before_request
@login_required
def _secretariat_only() -> None:
    if not service.may_turn_year(user()):
        abort(403)


def report_words(report: service.YearReport) -> str:
    """Return what opening the year did, in a sentence or two."""
    if report.nothing_to_do:
        return _("%(year)d is already open in every block: nothing to do.", year=report.year)
    none = _("none")
    return _(
        "%(year)d opened. Membership, leader and deputy copied for: %(copied)s. "
        "Plans cloned as drafts: %(cloned)s. Blocks already open: %(kept)s.",
        year=report.year,
        copied=", ".join(report.copied) or none,
        cloned=", ".join(report.cloned) or none,
        kept=", ".join(report.kept) or none,
    )


def _page(year: int | None, form: OpenYearForm, status: int = 200) -> Page:
    sess = db.session()
    q = request.args.get("q", "").strip()
    turns: list[service.BlockTurn] = []
    problem = ""
    if year is not None:
        try:
            turns = service.preview(sess, year, councils.of_user(sess, user()))
        except ServiceError as exc:
            problem, status = str(exc.message), max(status, exc.status)
    fmt = wanted_format()
    shown = [t for t in turns if matches(q, t.block.name, t.block.code, *_names(t.members))]
    if fmt and not problem:
        return _export(fmt, year or 0, shown)
    form.year.data = year
    return render_template(
        "yearturn/index.html", year=year, turns=turns, shown=shown, q=q, problem=problem,
        form=form, years=[y + 1 for y in service.years_with_members(sess)],
        sources=leadership.SOURCE_LABELS, rules=leadership.RULE_LABELS,
    ), status  # fmt: skip


def _names(units: list[Unit]) -> list[str]:
    return [u.name for u in units]


def _export(fmt: str, year: int, turns: list[service.BlockTurn]) -> Response:
    rows = [
        {
            "block": t.block.name,
            "members": "; ".join(_names(t.members)),
            "leader": t.leader.name if t.leader else "",
            "deputy": t.deputy.name if t.deputy else "",
            "why": str(leadership.SOURCE_LABELS[t.leadership.source]),
            "plan": t.new_title if t.plan_action == service.PLAN_CLONE else "",
            "open": _("yes") if t.nothing_to_do else _("no"),
        }
        for t in turns
    ]
    columns = [
        ("block", _("Block")),
        ("members", _("Member units")),
        ("leader", _("Leader")),
        ("deputy", _("Deputy")),
        ("why", _("Why")),
        ("plan", _("Plan")),
        ("open", _("Already open")),
    ]
    return export(fmt, f"year-{year}", columns, rows)


@bp.route("")
def index() -> Page:
    """Show what opening next year (or the year asked for) does, block by block."""
    return _page(arg_year() or service.next_year(db.session()), OpenYearForm())


@bp.route("/open", methods=["POST"])
def open_year() -> Page:
    """Open the year: copy memberships, set leaders and deputies, clone the plans as drafts."""
    form = OpenYearForm()
    done = submit(
        form,
        lambda: service.open_year(db.session(), engine(), year=form.year.data or 0, user=user()),
    )
    if not done.ok or done.value is None:
        given = form.year.data if isinstance(form.year.data, int) else None
        problems = form.year.errors if given else [_("Give a year between 2001 and 2100.")]
        for problem in problems:
            flash(str(problem), "error")
        return _page(given, form, done.status)
    flash(report_words(done.value), "success")
    return redirect(url_for("yearturn.index", year=done.value.year))


@bp.route("/blocks/<int:block_id>", methods=["GET", "POST"])
def block(block_id: int) -> Page:
    """Set the block's rotation rule and record what its year-end conference elected."""
    sess = db.session()
    block = load_or_404(Block, block_id)
    if block.council_id != councils.of_user(sess, user()):  # a council turns its own blocks
        abort(404)
    year = arg_year() or service.next_year(sess) or 0
    members = leadership.members_of(sess, block_id, year - 1)
    form = SuccessionForm()
    form.rule.choices = [(k, str(v)) for k, v in leadership.RULE_LABELS.items()]
    units = [(u.id or 0, u.name) for u, _p in members]
    form.leader_id.choices = [(0, _("(none)")), *units]
    form.deputy_id.choices = [(0, _("(none)")), *units]
    elected = leadership.election_of(sess, block_id, year)
    if not form.is_submitted():
        form.rule.data = leadership.rule_of(sess, block_id)
        if elected is not None:
            form.leader_id.data = elected.leader_unit_id
            form.deputy_id.data = elected.deputy_unit_id or 0
            form.note.data = elected.note
    done = submit(
        form,
        lambda: leadership.set_succession(
            sess, user=user(), block=block, year=year, rule=form.rule.data or "",
            leader_id=form.leader_id.data or None, deputy_id=form.deputy_id.data or None,
            note=form.note.data or "",
        ),
    ) if form.is_submitted() else None  # fmt: skip
    if done is not None and done.ok:
        saved = _("Succession of %(block)s for %(year)d saved.", block=block.name, year=year)
        flash(saved, "success")
        return redirect(url_for("yearturn.index", year=year))
    turn = service.turn_of(sess, block, year) if members else None
    return render_template(
        "yearturn/block.html", block=block, year=year, form=form, members=members, turn=turn,
        sources=leadership.SOURCE_LABELS, default_rule=Rotation.ROTATE.value,
    ), (done.status if done is not None else 200)  # fmt: skip

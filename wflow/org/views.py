"""Home, unit and block pages: what a signed-in person sees of their organisation."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template
from flask_login import login_required
from werkzeug.wrappers import Response

from wflow import db
from wflow.core.access import Action, current_year, is_committee, may
from wflow.councils import service as councils
from wflow.inbox import service as inbox
from wflow.org import directory
from wflow.org.models import Block, Unit
from wflow.web import branding
from wflow.web.args import arg_year
from wflow.web.guard import ensure, load_or_404, user
from wflow.workflow_setup import engine

bp = Blueprint("main", __name__)
NEXT_UP = 5  # the home page shows the most urgent tasks; the inbox lists them all


@bp.route("/favicon.ico")
def favicon() -> Response:
    """Send browsers that ask for /favicon.ico (when showing a PDF) to the site's icon."""
    return redirect(branding.urls()["favicon"] or "/", 301)


@bp.route("/")
@login_required
def home() -> str:
    """Open on what to do next, then the user's unit and blocks (the committee: every block)."""
    me = user()
    sess = db.session()
    year = current_year()
    mine = directory.block_rows(sess, unit_id=me.unit_id) if me.unit_id else ()
    every = (directory.block_rows(sess, year=year, councils=councils.seen_by(sess, me))
             if is_committee(me) else ())  # fmt: skip
    unit = sess.get(Unit, me.unit_id) if me.unit_id else None
    first = inbox.page(sess, engine(), me, 1, NEXT_UP)  # only these rows are put in words
    return render_template(
        "main/home.html",
        unit=unit,
        mine=mine,
        every=every,
        year=year,
        next_up=inbox.grouped(first.items),
        more=first.total - len(first.items),
    )


@bp.route("/units/<int:unit_id>")
@login_required
def unit(unit_id: int) -> str:
    """Show a unit: its people and its blocks (own unit or the committee only)."""
    row = load_or_404(Unit, unit_id)
    ensure(Action.VIEW, unit_id=unit_id)
    sess = db.session()
    return render_template(
        "main/unit.html",
        unit=row,
        users=directory.unit_users(sess, unit_id),
        blocks=directory.block_rows(sess, unit_id=unit_id),
    )


@bp.route("/blocks/<int:block_id>")
@login_required
def block(block_id: int) -> str:
    """Show a block in a year: members, leader and deputy (members or the committee only)."""
    row = load_or_404(Block, block_id)
    years = directory.block_years_of(db.session(), block_id)
    year = arg_year() or (years[0] if years else current_year())
    ensure(Action.VIEW, block_id=block_id, year=year)
    found = directory.block_years(db.session(), block_id=block_id, year=year)
    # the summary report is the leading unit's and the committee's (wflow.summary.service)
    may_report = is_committee(user()) or may(db.session(), user(), Action.ACT, block_id=block_id,
                                             year=year)  # fmt: skip
    return render_template(
        "main/block.html",
        block=row,
        year=year,
        years=years,
        by=found[0] if found else None,
        may_report=may_report,
    )

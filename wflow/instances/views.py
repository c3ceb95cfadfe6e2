"""Workflow pages: my tasks, definitions with diagrams, an instance with its timeline."""

from __future__ import annotations

from datetime import datetime, time

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response as WResponse

from wflow import db
from wflow.core import subjects
from wflow.core import workflow as wf
from wflow.core.errors import describe
from wflow.core.paging import page_of
from wflow.engine import NotAllowed, WorkflowError, to_svg, transition_table
from wflow.i18n import language
from wflow.inbox import service as inbox
from wflow.inbox.words import all_in_words, in_words
from wflow.web.args import arg_int, arg_year
from wflow.web.forms import EmptyForm
from wflow.web.guard import user
from wflow.web.lists import export, wanted_format
from wflow.workflow_setup import engine

PAGE_SIZE = 50  # instances on a page of the list
bp = Blueprint("workflows", __name__)

# The diagram is our own SVG served as an image: its styles live inside it.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"


@bp.route("/tasks")
@login_required
def tasks() -> str | WResponse:
    """List the user's work in words, by block, overdue first, a page at a time; export all.

    A page past the last shows the last (the list shrinks as work is done); a page that is
    not a whole number from 1 is refused (422).
    """
    q = request.args.get("workflow", "")
    number = arg_int("page", minimum=1) or 1
    fmt = wanted_format()
    if fmt:
        rows = inbox.work(db.session(), engine(), user(), workflow=q or None)
        cols = [("task", _("Task")), ("block", _("Block")), ("unit", _("Unit")),
                ("period", _("Year")), ("state", _("State")), ("due", _("Due"))]  # fmt: skip
        return export(fmt, "tasks", cols, inbox.export_rows(rows, language()))
    found = inbox.page(db.session(), engine(), user(), number, workflow=q or None)
    return render_template("workflows/tasks.html", groups=inbox.grouped(found.items),
                           page=found, defs=engine().definitions, workflow=q)  # fmt: skip


@bp.route("/workflows")
@login_required
def definitions() -> str:
    """List the workflow definitions with their versions."""
    return render_template("workflows/definitions.html", defs=engine().definitions)


@bp.route("/workflows/<name>")
@login_required
def definition(name: str) -> str:
    """Show one workflow: its diagram and its transitions as a table."""
    defn = engine().definitions.get(name) or abort(404)
    table = transition_table(defn, language())
    return render_template("workflows/definition.html", defn=defn, table=table)


@bp.route("/workflows/<name>.svg")
@login_required
def diagram(name: str) -> Response:
    """Draw a workflow's state diagram, the given instance's state highlighted."""
    version = arg_int("version", minimum=1)
    try:
        defn = engine().definition(name, version)
    except WorkflowError:
        abort(404)
    highlight = request.args.get("state")
    if highlight is not None and highlight not in defn.states:
        abort(400, description=_("Unknown state."))
    svg = to_svg(defn, language(), highlight)
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_CSP
    return response


def _visible(instance_id: int) -> wf.InstanceView:
    try:
        found = wf.view(db.session(), engine(), user(), instance_id)
    except WorkflowError:
        abort(404)
    if not subjects.may_view_instance(db.session(), user(), found.row):
        abort(403)
    return found


@bp.route("/instances")
@login_required
def instances() -> str | WResponse:
    """List instances the user may see, filtered by workflow, state and year; export."""
    args = request.args
    session = db.session()
    query = wf.instances(
        workflow=args.get("workflow") or None, state=args.get("state") or None,
        year=arg_year(), block_id=arg_int("block", minimum=1),
    )  # fmt: skip
    fmt = wanted_format()
    if fmt:  # an export: every row
        rows, _total = subjects.instances_seen(session, user(), query)
    else:
        number = arg_int("page", minimum=1) or 1
        start = (number - 1) * PAGE_SIZE
        rows, total = subjects.instances_seen(session, user(), query, offset=start,
                                              limit=PAGE_SIZE)  # fmt: skip
        page = page_of(rows, number, PAGE_SIZE, total)
    # the rows in words: their subjects and names read at once
    names = {i: item.subject for i, item in all_in_words(session, rows).items()}
    if not fmt:
        return render_template("workflows/instances.html", rows=rows, page=page,
                               defs=engine().definitions, args=args, names=names)  # fmt: skip
    data = [{"id": r.id, "subject": names[r.id or 0], "workflow": r.workflow, "version": r.version,
             "state": r.state, "year": r.year, "updated": r.updated_at} for r in rows]  # fmt: skip
    cols = [("id", "#"), ("subject", _("Subject")), ("workflow", _("Workflow")),
            ("version", _("Version")), ("state", _("State")), ("year", _("Year")),
            ("updated", _("Updated"))]  # fmt: skip
    return export(fmt, "instances", cols, data)


@bp.route("/instances/<int:instance_id>")
@login_required
def instance(instance_id: int) -> str:
    """Show an instance: state, diagram, what the user may do, participants, timeline."""
    found = _visible(instance_id)
    sess = db.session()
    as_of = None
    if request.args.get("as_of"):
        try:
            day = datetime.fromisoformat(request.args["as_of"])
        except ValueError:
            abort(400, description=_("Give the date as YYYY-MM-DD."))
        when = datetime.combine(day.date(), time.max) if len(request.args["as_of"]) == 10 else day
        as_of = (when, engine().as_of(sess, instance_id, when))
    actions = [
        (t, wf.required_fields(found.definition, found.row.state, t)) for t in found.triggers
    ]
    return render_template(
        "workflows/instance.html", found=found, row=found.row, defn=found.definition,
        about=in_words(sess, found.row), actions=actions,
        participants=wf.participants(sess, found.row),
        timeline=wf.timeline(sess, instance_id), form=EmptyForm(), as_of=as_of,
    )  # fmt: skip


@bp.route("/instances/<int:instance_id>/fire", methods=["POST"])
@login_required
def fire(instance_id: int) -> WResponse:
    """Fire a trigger from the instance page; a refusal is shown with its reason."""
    found = _visible(instance_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    trigger = request.form.get("trigger", "")
    needed = wf.required_fields(found.definition, found.row.state, trigger)
    data = {k: request.form.get(k, "").strip() for k in needed}
    expected = arg_int("expected_version")
    try:
        wf.fire(db.session(), engine(), user(), instance_id, trigger, data, expected)
    except WorkflowError as exc:
        flash(describe(exc), "error")
        if isinstance(exc, NotAllowed):
            abort(403)
        return redirect(url_for("workflows.instance", instance_id=instance_id), 303)
    flash(_("Done."), "success")
    return redirect(url_for("workflows.instance", instance_id=instance_id), 303)

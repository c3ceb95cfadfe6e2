"""Plan pages: a block's plans, drafting, criteria, consultation, the workflow's steps.

Registration, revisions and the PDF are in `wflow.plans.more_views` (same blueprint).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response as WResponse

from wflow import db
from wflow.core import subjects
from wflow.core import workflow as wf
from wflow.core.access import Action, current_year, may
from wflow.core.errors import ServiceError
from wflow.org.models import Block
from wflow.plans import consultation as consult
from wflow.plans import service as plans
from wflow.plans.criteria import COLUMN_LABELS, COLUMNS, load_groups, parse_rows, table_rows
from wflow.plans.forms import AnswerForm, CommentForm, CriteriaForm, ImportForm, PlanForm
from wflow.plans.models import Plan
from wflow.plans.spreadsheet import import_criteria
from wflow.plans.text import award_types_in_words, default_rules, review_dues_in_words
from wflow.web.args import arg_int, arg_year
from wflow.web.forms import EmptyForm, form_error
from wflow.web.guard import ensure, load_or_404, user, visible
from wflow.web.lists import export, filter_periods, wanted_format
from wflow.workflow_setup import engine

bp = Blueprint("plan", __name__)


def leader_plan(plan_id: int) -> Plan:
    """Load a plan the user's unit leads (head or staff of the leading unit), or 403/404."""
    plan = visible(Plan, plan_id)
    ensure(Action.ACT, block_id=plan.block_id, year=plan.year)
    return plan


def editable_plan(plan_id: int) -> Plan:
    """Load a plan its leader may edit now (draft, in revision, returned), or 403/404/409."""
    plan = leader_plan(plan_id)
    if not subjects.has_tag(db.session(), plan, "editable"):
        abort(
            409,
            description=_("The plan can be edited only as a draft, in revision or when returned."),
        )
    return plan


@bp.route("/blocks/<int:block_id>/plans")
@login_required
def block_plans(block_id: int) -> str | WResponse:
    """List the block's plans, filtered by year, state and text; export as CSV or XLSX."""
    block = load_or_404(Block, block_id)
    ensure(Action.VIEW, block_id=block_id)
    sess, me = db.session(), user()
    rows = [
        p
        for p in plans.plans_of_block(sess, block_id)
        if any(
            may(sess, me, Action.VIEW, block_id=block_id, year=y)
            for y in range(p.year, p.year_end + 1)
        )
    ]
    states = subjects.states(sess, rows)
    rows = filter_periods(rows, states, lambda p: (p.title,))
    defn = engine().definition(plans.WORKFLOW)
    fmt = wanted_format()
    if fmt:
        data = [
            {
                "id": p.id,
                "title": p.title,
                "period": p.period,
                "state": states.get(p.id or 0, ""),
                "published": p.published_at,
            }
            for p in rows
        ]
        cols = [
            ("id", "#"),
            ("title", _("Title")),
            ("period", _("Period")),
            ("state", _("State")),
            ("published", _("Published")),
        ]
        return export(fmt, f"plans-{block.code}", cols, data)
    can_draft = may(sess, me, Action.ACT, block_id=block_id, year=current_year())
    return render_template(
        "plan/list.html",
        block=block,
        rows=rows,
        states=states,
        defn=defn,
        args=request.args,
        can_draft=can_draft,
    )


@bp.route("/blocks/<int:block_id>/plans/new", methods=["GET", "POST"])
@login_required
def new_plan(block_id: int) -> str | WResponse | tuple[str, int]:
    """Draft a new plan (the block's leading unit)."""
    block = load_or_404(Block, block_id)
    ensure(Action.ACT, block_id=block_id, year=arg_year() or current_year())
    form = PlanForm()
    if request.method == "GET":
        form.year.data = current_year()
        form.fill_rules(default_rules())
        form.contents.append_entry({})
    if form.validate_on_submit():
        try:
            plan = plans.create_plan(
                db.session(),
                engine(),
                user=user(),
                block_id=block_id,
                year=form.year.data or 0,
                year_end=form.year_end.data,
                title=form.title.data or "",
                legal_bases=form.legal_bases.data or "",
                purposes=form.purposes.data or "",
                contents=form.areas(),
                scale=form.scale.data or 100,
                rules=form.rules(),
                registration_deadline=form.registration_deadline.data,
            )
        except ServiceError as exc:
            form_error(form, exc)
            return render_template("plan/edit.html", form=form, block=block, plan=None), exc.status
        flash(_("The plan was drafted."), "success")
        return redirect(url_for("plan.show", plan_id=plan.id), 303)
    status = 422 if form.errors else 200
    return render_template("plan/edit.html", form=form, block=block, plan=None), status


@bp.route("/plans/<int:plan_id>")
@login_required
def show(plan_id: int) -> str | WResponse:
    """Show a plan: text, rules, criteria (exportable), comments, what the user may do."""
    plan = visible(Plan, plan_id)
    sess, me = db.session(), user()
    fmt = wanted_format()
    if fmt:
        cols = [(c, str(COLUMN_LABELS[c])) for c in COLUMNS]
        return export(fmt, f"criteria-{plan.id}", cols, table_rows(sess, plan.id or 0))
    found = wf.view(sess, engine(), me, plan.instance_id or 0)
    groups = load_groups(sess, plan.id or 0)
    comment_form = CommentForm()
    comment_form.target.choices = comment_targets(groups)
    is_member = plans.member_unit_of(sess, me, plan) is not None
    state = found.row.state
    return render_template(
        "plan/show.html",
        plan=plan,
        block=sess.get(Block, plan.block_id),
        row=found.row,
        defn=found.definition,
        triggers=found.triggers,
        groups=groups,
        comments=consult.comments_of(sess, plan.id or 0),
        form=EmptyForm(),
        comment_form=comment_form,
        answer_form=AnswerForm(),
        is_member=is_member,
        is_leader=plans.is_leader(sess, me, plan),
        editable=state in subjects.tagged(sess, plans.WORKFLOW, "editable"),
        commentable=state in subjects.tagged(sess, plans.WORKFLOW, "commentable"),
        answerable=state in subjects.tagged(sess, plans.WORKFLOW, "answerable"),
        revisions=plans.revisions_of(sess, plan.id or 0),
        review_dues=review_dues_in_words(plan.rules, plan.year, None),
        award_types=award_types_in_words(plan.rules),
        labels=plans.SECTION_LABELS,
    )


def comment_targets(groups: list[Any]) -> list[tuple[str, str]]:
    """Return what a comment may be about: the sections, then each criterion."""
    out = [(s, str(plans.SECTION_LABELS[s])) for s in plans.SECTIONS if s != "criterion"]
    for _g, criteria in groups:
        out.extend((f"criterion:{c.id}", f"{c.code} {c.title}"[:120]) for c in criteria)
    return out


@bp.route("/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@login_required
def edit(plan_id: int) -> str | WResponse | tuple[str, int]:
    """Edit the plan's text and the block's rules (leader, while editable)."""
    plan = editable_plan(plan_id)
    sess = db.session()
    form = PlanForm()
    if request.method == "GET":
        form.fill(plan)
    form.year.data = plan.year
    if form.validate_on_submit():
        try:
            plans.update_plan_text(
                sess,
                user=user(),
                plan=plan,
                title=form.title.data or "",
                year_end=form.year_end.data,
                legal_bases=form.legal_bases.data or "",
                purposes=form.purposes.data or "",
                contents=form.areas(),
                scale=form.scale.data or 100,
                rules=form.rules(),
                registration_deadline=form.registration_deadline.data,
            )
        except ServiceError as exc:
            form_error(form, exc)
            block = sess.get(Block, plan.block_id)
            return render_template("plan/edit.html", form=form, block=block, plan=plan), exc.status
        flash(_("Saved."), "success")
        return redirect(url_for("plan.show", plan_id=plan.id), 303)
    block = sess.get(Block, plan.block_id)
    status = 422 if form.errors else 200
    return render_template("plan/edit.html", form=form, block=block, plan=plan), status


@bp.route("/plans/<int:plan_id>/criteria", methods=["GET", "POST"])
@login_required
def criteria(plan_id: int) -> str | WResponse | tuple[str, int]:
    """Edit the criteria table as rows, or import it from a spreadsheet (leader)."""
    plan = editable_plan(plan_id)
    sess = db.session()
    form = CriteriaForm()
    problems: list[str] = []
    if request.method == "GET":
        form.fill(table_rows(sess, plan.id or 0))
    elif form.validate_on_submit():
        try:
            plans.set_criteria(sess, user=user(), plan=plan, groups=parse_rows(form.numbered()))
        except ServiceError as exc:
            problems = exc.problems
        else:
            flash(_("The criteria table was saved."), "success")
            return redirect(url_for("plan.show", plan_id=plan.id) + "#criteria", 303)
    status = 422 if problems or form.errors else 200
    return render_template(
        "plan/criteria.html",
        plan=plan,
        form=form,
        problems=problems,
        import_form=ImportForm(),
        columns=COLUMNS,
        labels=COLUMN_LABELS,
    ), status


@bp.route("/plans/<int:plan_id>/criteria/import", methods=["POST"])
@login_required
def import_file(plan_id: int) -> str | WResponse | tuple[str, int]:
    """Replace the criteria with an uploaded XLSX or CSV table; a file with errors adds nothing."""
    plan = leader_plan(plan_id)
    sess = db.session()
    form = ImportForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        abort(422, description=_("Choose a file to import."))
    upload = form.file.data
    try:
        count = import_criteria(
            sess, user=user(), plan=plan, data=upload.read(), filename=upload.filename or ""
        )
    except ServiceError as exc:
        table = CriteriaForm(formdata=None)
        table.fill(table_rows(sess, plan.id or 0))
        return render_template(
            "plan/criteria.html",
            plan=plan,
            form=table,
            problems=exc.problems,
            import_form=form,
            columns=COLUMNS,
            labels=COLUMN_LABELS,
        ), exc.status
    flash(_("%(n)d criteria imported.", n=count), "success")
    return redirect(url_for("plan.show", plan_id=plan.id) + "#criteria", 303)


@bp.route("/plans/<int:plan_id>/fire", methods=["POST"])
@login_required
def fire(plan_id: int) -> WResponse:
    """Take a step of the plan's workflow (open the consultation, submit, approve, return ...)."""
    plan = visible(Plan, plan_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    trigger = request.form.get("trigger", "")
    data = {
        k: request.form.get(k, "").strip()
        for k in ("reason", "consultation_until")
        if k in request.form
    }
    subjects.fire(
        db.session(),
        engine(),
        user=user(),
        subject=plan,
        trigger=trigger,
        data=data,
        expected_version=arg_int("expected_version"),
    )
    flash(_("Done."), "success")
    return redirect(url_for("plan.show", plan_id=plan.id), 303)

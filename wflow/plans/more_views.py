"""More plan pages: revisions side by side, registration, the printable PDF, comments."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import login_required
from werkzeug.wrappers import Response as WResponse

from wflow import db
from wflow.clock import utcnow
from wflow.core import installation, subjects
from wflow.core.errors import ServiceError
from wflow.documents import render
from wflow.org.models import Block
from wflow.plans import consultation as consult
from wflow.plans import registration as regs
from wflow.plans import service as plans
from wflow.plans.criteria import load_groups
from wflow.plans.diff import compare
from wflow.plans.forms import AnswerForm, CommentForm
from wflow.plans.models import Plan
from wflow.plans.views import bp, comment_targets
from wflow.web.args import arg_int, arg_year
from wflow.web.forms import EmptyForm
from wflow.web.guard import user, visible
from wflow.web.labels import position_label
from wflow.web.lists import export, matches, wanted_format


@bp.route("/plans/<int:plan_id>/revisions")
@login_required
def revisions(plan_id: int) -> str:
    """List the kept revisions and compare two side by side (text and criteria)."""
    plan = visible(Plan, plan_id)
    sess = db.session()
    kept = plans.revisions_of(sess, plan.id or 0)
    numbers = {r.number: r for r in kept}
    a = arg_int("a", minimum=1)
    b = arg_int("b", minimum=1)
    if a is None and len(kept) >= 2:
        a, b = kept[-2].number, kept[-1].number
    diff = None
    if a is not None:
        if b is None:
            b = 0
        left = numbers[a].snapshot if a in numbers else None
        right = (
            plans.snapshot(sess, plan) if b == 0 else numbers[b].snapshot if b in numbers else None
        )
        if left is None or right is None:
            abort(404, description=_("No such revision."))
        diff = compare(left, right)
    return render_template("plan/revisions.html", plan=plan, kept=kept, a=a, b=b, diff=diff)


@bp.route("/plans/<int:plan_id>/registrations")
@login_required
def registrations(plan_id: int) -> str | WResponse:
    """Show which member units registered their targets for a year, and which have not."""
    plan = visible(Plan, plan_id)
    sess = db.session()
    year = arg_year() or plan.year
    if not plan.year <= year <= plan.year_end:
        abort(404, description=_("Choose a year of the plan's period."))
    status = request.args.get("status", "")
    q = request.args.get("q", "")
    rows = [
        s
        for s in regs.registration_status(sess, plan, year)
        if matches(q, s.unit.name, s.unit.code)
        and (not status or (status == "missing") == (s.registration is None))
    ]
    fmt = wanted_format()
    if fmt:
        data = [
            {
                "code": s.unit.code,
                "unit": s.unit.name,
                "position": position_label(s.position),
                "registered": s.registration.registered_at if s.registration else None,
                "eligible": _("yes") if s.registration else _("no"),
            }
            for s in rows
        ]
        cols = [
            ("code", _("Code")),
            ("unit", _("Unit")),
            ("position", _("Position")),
            ("registered", pgettext("registration date", "Registered")),
            ("eligible", _("Eligible for awards")),
        ]
        return export(fmt, f"registrations-{plan.id}-{year}", cols, data)
    all_rows = regs.registration_status(sess, plan, year)
    return render_template(
        "plan/registrations.html",
        plan=plan,
        year=year,
        rows=rows,
        args=request.args,
        counts=regs.counts(all_rows),
        deadline=regs.deadline_for(plan, year),
    )


@bp.route("/plans/<int:plan_id>/register", methods=["GET", "POST"])
@login_required
def register(plan_id: int) -> str | WResponse | tuple[str, int]:
    """Register the unit's target for every criterion (member units, by the deadline)."""
    plan = visible(Plan, plan_id)
    sess, me = db.session(), user()
    year = arg_year() or plan.year
    if not plan.year <= year <= plan.year_end:
        abort(404, description=_("Choose a year of the plan's period."))
    if me.unit_id is None or not any(
        s.unit.id == me.unit_id for s in regs.registration_status(sess, plan, year)
    ):
        abort(403)
    form = EmptyForm()
    groups = load_groups(sess, plan.id or 0)
    error = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        given = [
            regs.TargetInput(
                int(key.split("-", 1)[1]), value, request.form.get(f"points-{key.split('-', 1)[1]}")
            )
            for key, value in request.form.items()
            if key.startswith("target-") and key.split("-", 1)[1].isdigit()
        ]
        try:
            regs.register_targets(
                sess,
                user=me,
                plan=plan,
                year=year,
                targets=given,
                note=request.form.get("note", ""),
            )
        except ServiceError as exc:
            error = exc
        else:
            flash(_("Your unit's targets are registered."), "success")
            return redirect(url_for("plan.registrations", plan_id=plan.id, year=year), 303)
    existing = regs.registration_of(sess, plan, me.unit_id, year)
    targets = regs.targets_of(sess, existing.id or 0) if existing else {}
    deadline = regs.deadline_for(plan, year)
    page = render_template(
        "plan/register.html",
        plan=plan,
        year=year,
        groups=groups,
        form=form,
        error=error,
        existing=existing,
        targets=targets,
        deadline=deadline,
        posted=request.form,
        open_=deadline is not None,
    )
    return (page, error.status) if error is not None else page


@bp.route("/plans/<int:plan_id>.pdf")
@login_required
def pdf(plan_id: int) -> Response:
    """Print the plan as a PDF draft (A4, the layout of administrative documents)."""

    plan = visible(Plan, plan_id)
    sess = db.session()
    block = sess.get(Block, plan.block_id)
    published = subjects.has_tag(sess, plan, "published")
    leader = plans.leader_unit(sess, plan)
    body = render.render_pdf(
        "pdf/plan.html",
        {
            "plan": plan,
            "groups": load_groups(sess, plan.id or 0),
            "date": installation.local_date(db.session(), utcnow()),
            "draft": "" if published else "DỰ THẢO",
            "place": "……",
            "issuer_parent": block.name if block else "",
            "issuer": leader.name if leader else "",
        },
        title=plan.title,
    )
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="plan-{plan.id}.pdf"'},
    )


@bp.route("/plans/<int:plan_id>/comments", methods=["POST"])
@login_required
def add_comment(plan_id: int) -> WResponse:
    """Comment on a section or a criterion (member units, during the consultation)."""
    plan = visible(Plan, plan_id)
    form = CommentForm()
    form.target.choices = comment_targets(load_groups(db.session(), plan.id or 0))
    if not form.validate_on_submit():
        abort(
            400 if "csrf_token" in form.errors else 422,
            description="; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in form.errors.items()),
        )
    section, _sep, cid = (form.target.data or "").partition(":")
    consult.comment(
        db.session(),
        user=user(),
        plan=plan,
        section=section,
        criterion_id=int(cid) if cid.isdigit() else None,
        body=form.body.data or "",
    )
    flash(_("Your comment was sent to the block."), "success")
    return redirect(url_for("plan.show", plan_id=plan.id) + "#comments", 303)


@bp.route("/plans/<int:plan_id>/comments/<int:comment_id>/answer", methods=["POST"])
@login_required
def answer(plan_id: int, comment_id: int) -> WResponse:
    """Answer a member's comment (the leading unit)."""
    plan = visible(Plan, plan_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        abort(400 if "csrf_token" in form.errors else 422, description=_("Write an answer."))
    consult.answer_comment(
        db.session(),
        user=user(),
        plan=plan,
        comment_id=comment_id,
        answer=form.answer.data or "",
    )
    flash(_("Answered."), "success")
    return redirect(url_for("plan.show", plan_id=plan.id) + "#comments", 303)

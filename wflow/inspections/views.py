"""Inspection pages: the list (filtered, exported), planning, the inspection with its
recommendations, findings, answers and closing."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WResponse

from wflow import db
from wflow.clock import utcnow
from wflow.core import installation, subjects
from wflow.core import workflow as wf
from wflow.core.access import is_committee
from wflow.councils import service as councils
from wflow.i18n import state_name
from wflow.inspections import service as inspections
from wflow.inspections.forms import (
    AnswerForm,
    CloseForm,
    FindingsForm,
    PlanForm,
    RecommendationForm,
)
from wflow.inspections.models import Inspection, Recommendation
from wflow.inspections.subject import INSPECTION, target_name
from wflow.people import service as people
from wflow.web.args import arg_int, arg_year
from wflow.web.forms import EmptyForm, submit
from wflow.web.guard import load_or_404, user, visible
from wflow.web.lists import export, wanted_format
from wflow.workflow_setup import engine

bp = Blueprint("inspections", __name__)
Page = str | WResponse | tuple[str, int]


def _unit_names() -> dict[int, str]:
    names = people.unit_names(db.session(), user())
    return dict(sorted(names.items(), key=lambda item: item[1]))


@bp.route("/inspections")
@login_required
def index() -> str | WResponse:
    """The inspections the user may see, filtered by state, unit and year; CSV or XLSX."""
    sess, me = db.session(), user()
    if not is_committee(me) and me.unit_id is None:
        abort(403)
    defn = engine().definition(inspections.WORKFLOW)
    state = (request.args.get("state") or "").strip()
    state = state if state in defn.states else ""
    unit_id, year = arg_int("unit", minimum=1), arg_year()
    rows = subjects.visible(sess, me, inspections.listed(sess, state=state or None,
                                                         unit_id=unit_id, year=year))  # fmt: skip
    states = subjects.states(sess, rows)
    today = installation.local_date(sess, utcnow())
    counts = inspections.counts(sess, rows, today)
    targets = {r.id: target_name(sess, r) for r in rows}
    fmt = wanted_format()
    if fmt:
        cols = [("title", _("Inspection")), ("target", _("Unit or block inspected")),
                ("body", _("Inspecting body")), ("starts_on", _("First day")),
                ("ends_on", _("Last day")), ("state", _("State")),
                ("recommendations", _("Recommendations")), ("open", _("Not closed")),
                ("overdue", _("Overdue"))]  # fmt: skip
        data = [
            {"title": r.title, "target": targets[r.id], "body": r.inspecting_body,
             "starts_on": r.starts_on, "ends_on": r.ends_on,
             "state": state_name(defn, states.get(r.id or 0, defn.initial)),
             "recommendations": counts.get(r.id or 0, (0, 0, 0))[0],
             "open": counts.get(r.id or 0, (0, 0, 0))[1],
             "overdue": counts.get(r.id or 0, (0, 0, 0))[2]}
            for r in rows
        ]  # fmt: skip
        return export(fmt, "inspections", cols, data)
    return render_template(
        "inspections/list.html", rows=rows, states=states, defn=defn, counts=counts,
        targets=targets, units=_unit_names(), filters={"state": state, "unit": unit_id,
                                                        "year": year},
        may_plan=inspections.is_secretariat(me),
    )  # fmt: skip


def _plan_choices(form: PlanForm) -> None:
    units, blocks = inspections.targets(db.session(), councils.of_user(db.session(), user()))
    form.target.choices = [
        (_("Units"), [(f"unit:{u.id}", u.name) for u in units]),
        (_("Blocks"), [(f"block:{b.id}", b.name) for b in blocks]),
    ]


@bp.route("/inspections/new", methods=["GET", "POST"])
@login_required
def new() -> Page:
    """Plan an inspection of a unit or a block (the secretariat)."""
    if not inspections.is_secretariat(user()):
        abort(403, description=str(inspections.ONLY_SECRETARIAT))
    form = PlanForm()
    _plan_choices(form)
    status = 200
    if request.method == "POST":
        given = inspections.InspectionInput(
            title=form.title.data or "", inspecting_body=form.inspecting_body.data or "",
            lead_name=form.lead_name.data or "", target=form.target.data or "",
            basis=form.basis.data or "", scope=form.scope.data or "",
            starts_on=form.starts_on.data, ends_on=form.ends_on.data,
        )  # fmt: skip
        done = submit(form, lambda: inspections.plan(db.session(), engine(), user=user(),
                                                     given=given))  # fmt: skip
        if done.ok and done.value is not None:
            flash(_("The inspection is planned."), "success")
            return redirect(url_for("inspections.show", inspection_id=done.value.id), 303)
        status = done.status
    return render_template("inspections/form.html", form=form), status


def _recommendation_form(row: Inspection) -> RecommendationForm:
    form = RecommendationForm(prefix="rec")
    owners = inspections.owners(db.session(), row)
    form.owner_unit_id.choices = [(u.id or 0, u.name) for u in owners]
    if row.unit_id is not None and form.owner_unit_id.data is None:
        form.owner_unit_id.data = row.unit_id
    return form


@bp.route("/inspections/<int:inspection_id>")
@login_required
def show(inspection_id: int, forms: dict[str, FlaskForm] | None = None) -> str:
    """An inspection: its plan, state, findings, recommendations and what the user may do."""
    row = visible(Inspection, inspection_id)
    sess, me = db.session(), user()
    found = wf.view(sess, engine(), me, row.instance_id or 0)
    forms = forms or {}
    recs = inspections.recommendations(sess, row)
    state = found.row.state
    recording = state in subjects.tagged(sess, INSPECTION, "recording")
    following = state in subjects.tagged(sess, INSPECTION, "following_up")
    secretariat = inspections.is_secretariat(me)
    findings = forms.get("findings") or FindingsForm(formdata=None, prefix="findings")
    if "findings" not in forms:
        findings.findings.data = row.findings
    answer_forms = {r.id: forms.get(f"answer-{r.id}") or _answer_form(r, formdata=None)
                    for r in recs}  # fmt: skip
    close_forms = {r.id: forms.get(f"close-{r.id}") or CloseForm(formdata=None, prefix=f"c{r.id}")
                   for r in recs}  # fmt: skip
    return render_template(
        "inspections/show.html", row=row, wf_row=found.row, defn=found.definition,
        target=target_name(sess, row), recs=recs, units=_unit_names(),
        today=installation.local_date(sess, utcnow()),
        triggers=[t for t in found.triggers if t in inspections.TRIGGERS],
        reason_triggers=inspections.REASON_TRIGGERS, timeline=wf.timeline(sess, row.instance_id
                                                                          or 0),
        form=EmptyForm(), findings_form=findings,
        may_record=secretariat and (state == "in_progress" or (recording and following)),
        may_add=secretariat and recording,
        rec_form=forms.get("rec") or _recommendation_form(row),
        answer_forms=answer_forms, close_forms=close_forms,
        may_answer={r.id: following and r.state != inspections.CLOSED
                    and inspections.may_answer(sess, me, r) for r in recs},
        may_close=secretariat and following,
    )  # fmt: skip


def _answer_form(rec: Recommendation, formdata: Any = None) -> AnswerForm:
    form = AnswerForm(formdata=formdata, prefix=f"a{rec.id}")
    if formdata is None:
        form.answer.data = rec.answer
    return form


@bp.route("/inspections/<int:inspection_id>/fire", methods=["POST"])
@login_required
def fire(inspection_id: int) -> WResponse:
    """Begin, close or cancel the inspection (a reason to cancel)."""
    row = visible(Inspection, inspection_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    inspections.act(db.session(), engine(), user=user(), row=row,
                    trigger=request.form.get("trigger", ""),
                    reason=request.form.get("reason", ""),
                    expected_version=request.form.get("expected_version", type=int))  # fmt: skip
    flash(_("Done."), "success")
    return redirect(url_for("inspections.show", inspection_id=row.id), 303)


def _stay(inspection_id: int, key: str, form: FlaskForm, save: Any) -> Page:
    """Run `save` for a posted form of the inspection's page; on a refusal, show the page again
    with the form as typed and the reason on its field."""
    done = submit(form, save)
    if done.ok:
        flash(_("Saved."), "success")
        return redirect(url_for("inspections.show", inspection_id=inspection_id), 303)
    return show(inspection_id, forms={key: form}), done.status


@bp.route("/inspections/<int:inspection_id>/findings", methods=["POST"])
@login_required
def findings(inspection_id: int) -> Page:
    """Record (or amend) the inspection's findings (the secretariat)."""
    row = visible(Inspection, inspection_id)
    form = FindingsForm(prefix="findings")
    return _stay(inspection_id, "findings", form, lambda: inspections.record_findings(
        db.session(), engine(), user=user(), row=row, findings=form.findings.data or "",
        expected_version=request.form.get("expected_version", type=int),
    ))  # fmt: skip


@bp.route("/inspections/<int:inspection_id>/recommendations", methods=["POST"])
@login_required
def add(inspection_id: int) -> Page:
    """Add a recommendation with its owner and due date (the secretariat)."""
    row = visible(Inspection, inspection_id)
    form = _recommendation_form(row)

    def save() -> Recommendation:
        given = inspections.RecommendationInput(
            text=form.text.data or "", owner_unit_id=form.owner_unit_id.data,
            owner_person=form.owner_person.data or "", due_on=form.due_on.data,
        )  # fmt: skip
        return inspections.add_recommendation(db.session(), user=user(), row=row, given=given)

    return _stay(inspection_id, "rec", form, save)


def _recommendation(recommendation_id: int) -> tuple[Recommendation, Inspection]:
    """Return the recommendation and its inspection, or 404; 403 unless the user sees it."""
    rec = load_or_404(Recommendation, recommendation_id)
    return rec, visible(Inspection, rec.inspection_id)


@bp.route("/inspections/recommendations/<int:recommendation_id>/answer", methods=["POST"])
@login_required
def answer(recommendation_id: int) -> Page:
    """Answer a recommendation (the head or staff of the unit in charge)."""
    rec, row = _recommendation(recommendation_id)
    form = _answer_form(rec, formdata=request.form)
    return _stay(row.id or 0, f"answer-{rec.id}", form, lambda: inspections.answer(
        db.session(), engine(), user=user(), rec=rec, text=form.answer.data or ""))  # fmt: skip


@bp.route("/inspections/recommendations/<int:recommendation_id>/close", methods=["POST"])
@login_required
def close(recommendation_id: int) -> Page:
    """Close a recommendation as carried out (the secretariat)."""
    rec, row = _recommendation(recommendation_id)
    form = CloseForm(prefix=f"c{rec.id}")
    return _stay(row.id or 0, f"close-{rec.id}", form, lambda: inspections.close_recommendation(
        db.session(), engine(), user=user(), rec=rec, note=form.note.data or ""))  # fmt: skip

"""Review pages: a block's reviews, a unit's reviews, one review with its score sheets,
evidence files, steps and exports; publishing a period's results.

A review and its evidence are seen by the reviewed unit, the reviewing unit and the
committee; the block's list shows every member the states and, once accepted, the totals.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response as WResponse

from wflow import db
from wflow.core import subjects
from wflow.core import workflow as wf
from wflow.core.access import Action, current_year
from wflow.i18n import state_name
from wflow.org.models import Block, Unit
from wflow.reviews import access as review_access
from wflow.reviews import evidence as files
from wflow.reviews import queries
from wflow.reviews import rules as review_rules
from wflow.reviews import service as reviews
from wflow.reviews.forms import (
    GRADE_COLUMNS,
    SELF_COLUMNS,
    EvidenceForm,
    PublishForm,
    SheetForm,
    StepForm,
    grade_rows,
    self_rows,
    sheet_values,
)
from wflow.reviews.models import PERIOD_ORDER, Review, ReviewEvidence
from wflow.reviews.sheets import ScoreErrors
from wflow.reviews.subject import REVIEW, acts_for
from wflow.web import formats
from wflow.web.args import arg_int, arg_year
from wflow.web.guard import ensure, load_or_404, user, visible
from wflow.web.lists import export, matches, wanted_format
from wflow.workflow_setup import engine

bp = Blueprint("review", __name__)
STEPS = review_access.UNIT_TRIGGERS + review_access.REVIEWER_TRIGGERS
PERIODS = tuple(sorted(PERIOD_ORDER, key=PERIOD_ORDER.__getitem__))


def num(value: Any) -> str:
    """Return a number as people of the page's language write it: 30, 27,5 (empty for none)."""
    return formats.number(value, places=4)


def _back(review: Review, anchor: str = "") -> WResponse:
    return redirect(url_for("review.show", review_id=review.id) + anchor, 303)


# --- lists ---------------------------------------------------------------------------------


def _list_rows(reviews_: list[Review], states: dict[int, str]) -> list[dict[str, Any]]:
    sess, me = db.session(), user()
    names = queries.unit_names(
        sess, [r.unit_id for r in reviews_] + [r.reviewer_unit_id for r in reviews_]
    )
    finished = subjects.tagged(sess, REVIEW, "done")
    placed = queries.ranks(reviews_, states, finished)
    initial = engine().definition(review_rules.WORKFLOW).initial
    out = []
    for r in reviews_:
        state = states.get(r.id or 0, initial)
        opens = subjects.may_view(sess, me, r)
        done = state in finished
        out.append({
            "review": r, "id": r.id, "year": r.year, "period": r.period,
            "period_label": queries.period_label(r.period), "unit": names.get(r.unit_id, ""),
            "reviewer": names.get(r.reviewer_unit_id or 0, ""), "due_date": r.due_date,
            "state": state, "late": r.late, "may_open": opens,
            "self_total": r.self_total if opens else None,
            "score_total": r.score_total if done else None,
            "bonus_total": r.bonus_total if done else None,
            "penalty": r.penalty if r.late else None,
            "final_total": r.final_total if done else None,
            "rank": placed.get(r.id or 0),
        })  # fmt: skip
    return out


def _columns() -> list[tuple[str, str]]:
    labels = {
        "year": _("Year"), "period_label": _("Period"), "unit": _("Unit"),
        "reviewer": _("Reviewer"), "due_date": _("Due date"), "state": _("State"),
        "late": _("Late"), "self_total": _("Self-assessed"), "score_total": _("Score"),
        "bonus_total": _("Bonus"), "penalty": _("Penalty"), "final_total": _("Final total"),
        "rank": _("Rank"),
    }  # fmt: skip
    return list(labels.items())


def _export_rows(rows: list[dict[str, Any]], defn: Any) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        item = dict(row)
        item["state"] = state_name(defn, row["state"])
        item["late"] = _("yes") if row["late"] else _("no")
        for key in ("self_total", "score_total", "bonus_total", "penalty", "final_total"):
            item[key] = float(row[key]) if row[key] is not None else None
        out.append(item)
    return out


@bp.route("/blocks/<int:block_id>/reviews")
@login_required
def block_reviews(block_id: int) -> str | WResponse:
    """List the block's reviews of a year (filters: period, state, text); export CSV or XLSX."""
    block = load_or_404(Block, block_id)
    sess, me = db.session(), user()
    years = queries.years_of_block(sess, block_id)
    year = arg_year() or (years[0] if years else current_year())
    ensure(Action.VIEW, block_id=block_id, year=year)
    period = request.args.get("period", "")
    if period and period not in PERIOD_ORDER:
        abort(400, description=_("Unknown period."))
    state, q = request.args.get("state", ""), request.args.get("q", "")
    found = queries.reviews_of_block(sess, block_id, year=year, period=period or None)
    states = subjects.states(sess, found)
    rows = [
        r for r in _list_rows(found, states)
        if (not state or r["state"] == state) and matches(q, r["unit"], r["reviewer"])
    ]  # fmt: skip
    defn = engine().definition(review_rules.WORKFLOW)
    fmt = wanted_format()
    if fmt:
        name = f"reviews-{block.code}-{year}" + (f"-{period}" if period else "")
        return export(fmt, name, _columns(), _export_rows(rows, defn))
    publish_form = PublishForm(formdata=None, year=year, period=period or None)
    held = sorted({r.period for r in found}, key=PERIOD_ORDER.__getitem__)
    publish_form.period.choices = [(p, queries.period_label(p)) for p in held]
    return render_template(
        "review/list.html", block=block, year=year, years=years, rows=rows, args=request.args,
        defn=defn, periods=PERIODS, period_label=queries.period_label, num=num,
        can_publish=bool(held) and review_access.may_publish(sess, me, block_id, year),
        publish_form=publish_form,
    )  # fmt: skip


@bp.route("/blocks/<int:block_id>/reviews/publish", methods=["POST"])
@login_required
def publish(block_id: int) -> WResponse:
    """Publish a period's results: lock its accepted reviews (block leader or secretariat)."""
    load_or_404(Block, block_id)
    form = PublishForm()
    form.period.choices = [(p, p) for p in PERIODS]
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        abort(422, description=_("Choose the year and the period to publish."))
    year, period = int(form.year.data or 0), str(form.period.data)
    ensure(Action.VIEW, block_id=block_id, year=year)
    count = reviews.publish_period(db.session(), engine(), user=user(), block_id=block_id,
                                   year=year, period=period)  # fmt: skip
    flash(_("%(n)d results published and locked.", n=count), "success")
    return redirect(url_for("review.block_reviews", block_id=block_id, year=year, period=period),
                    303)  # fmt: skip


@bp.route("/units/<int:unit_id>/reviews")
@login_required
def unit_reviews(unit_id: int) -> str:
    """List the unit's own reviews and those it grades (its people and the committee)."""
    unit = load_or_404(Unit, unit_id)
    ensure(Action.VIEW, unit_id=unit_id)
    sess = db.session()
    found = queries.reviews_of_unit(sess, unit_id)
    year = arg_year()
    if year:
        found = [r for r in found if r.year == year]
    states = subjects.states(sess, found)
    rows = _list_rows(found, states)
    blocks = {r.block_id: sess.get(Block, r.block_id) for r in found}
    return render_template(
        "review/unit.html", unit=unit, rows=rows, blocks=blocks, num=num,
        defn=engine().definition(review_rules.WORKFLOW), year=year,
    )  # fmt: skip


# --- one review ----------------------------------------------------------------------------


def _evidence_form(lines: list[queries.Line]) -> EvidenceForm:
    form = EvidenceForm()
    form.criterion_id.choices = [("", _("The whole review"))] + [
        (str(line.criterion.id), f"{line.criterion.code} {line.criterion.title}"[:120])
        for line in lines
    ]
    return form


@bp.route("/reviews/<int:review_id>")
@login_required
def show(review_id: int) -> str:
    """Show a review: criteria with both scores, differences, evidence, the user's steps."""
    review = visible(Review, review_id)
    sess, me = db.session(), user()
    found = wf.view(sess, engine(), me, review.instance_id or 0)
    state = found.row.state
    lines = queries.lines_of(sess, review)
    names = queries.unit_names(sess, [review.unit_id, review.reviewer_unit_id])
    own = acts_for(sess, me, review.unit_id)
    steps = [t for t in found.triggers if t in STEPS]
    if own:
        steps = [t for t in steps if t not in review_access.REVIEWER_TRIGGERS]
    return render_template(
        "review/show.html", review=review, row=found.row, defn=found.definition, state=state,
        block=sess.get(Block, review.block_id), lines=lines, names=names, num=num,
        period_label=queries.period_label(review.period),
        evidence=queries.evidence_of(sess, review), steps=steps,
        may_edit=own and state in subjects.tagged(sess, REVIEW, "editable"),
        may_grade=review_access.is_reviewer(sess, me, review)
        and state in subjects.tagged(sess, REVIEW, "grading"),
        graded=any(line.score.score is not None for line in lines),
        evidence_form=_evidence_form(lines), step_form=StepForm(formdata=None),
        delete_form=SheetForm(formdata=None), max_files=files.MAX_FILES,
        max_mb=files.max_bytes(db.session()) / 1024 / 1024,
    )  # fmt: skip


def _sheet_page(
    review: Review, template: str, columns: tuple[str, ...], values: dict[str, str],
    errors: dict[str, str], status: int,
) -> tuple[str, int]:  # fmt: skip
    sess = db.session()
    lines = queries.lines_of(sess, review)
    names = queries.unit_names(sess, [review.unit_id, review.reviewer_unit_id])
    return render_template(
        template, review=review, lines=lines, values=values, errors=errors, form=SheetForm(),
        columns=columns, names=names, num=num, period_label=queries.period_label(review.period),
    ), status  # fmt: skip


def _save_sheet(
    review: Review, template: str, columns: tuple[str, ...], saved: str, save: Callable[[], None]
) -> tuple[str, int] | WResponse:
    """Save a posted sheet: back to the review, or the sheet again with each problem (422)."""
    if not SheetForm().validate_on_submit():
        abort(400)
    try:
        save()
    except ScoreErrors as exc:
        values = {k: str(request.form.get(k, "")) for k in request.form}
        return _sheet_page(review, template, columns, values, exc.fields, 422)
    flash(saved, "success")
    return _back(review, "#criteria")


@bp.route("/reviews/<int:review_id>/assess", methods=["GET", "POST"])
@login_required
def assess(review_id: int) -> tuple[str, int] | WResponse:
    """The unit's self-assessment: figures, self scores, bonuses and notes per criterion."""
    review = visible(Review, review_id)
    sess, me = db.session(), user()
    if not acts_for(sess, me, review.unit_id):
        abort(403, description=_("Only the reviewed unit writes its self-assessment."))
    review_access.check_unit_state(sess, subjects.state(sess, review))
    lines = queries.lines_of(sess, review)
    if request.method == "POST":
        return _save_sheet(
            review, "review/assess.html", SELF_COLUMNS, _("Your self-assessment was saved."),
            lambda: reviews.assess(sess, user=me, review=review,
                                   rows=self_rows(request.form, lines)),
        )  # fmt: skip
    values = sheet_values(lines, SELF_COLUMNS)
    return _sheet_page(review, "review/assess.html", SELF_COLUMNS, values, {}, 200)


@bp.route("/reviews/<int:review_id>/grade", methods=["GET", "POST"])
@login_required
def grade(review_id: int) -> tuple[str, int] | WResponse:
    """The reviewer's sheet: a score, bonus and note per criterion (while under review)."""
    review = visible(Review, review_id)
    sess, me = db.session(), user()
    if me.unit_id is not None and me.unit_id == review.unit_id:
        abort(403, description=_("A unit never grades its own review."))
    if not review_access.is_reviewer(sess, me, review):
        abort(403, description=_("Only the unit assigned to grade this review may do this."))
    review_access.check_grading_state(sess, subjects.state(sess, review))
    lines = queries.lines_of(sess, review)
    if request.method == "POST":
        return _save_sheet(
            review, "review/grade.html", GRADE_COLUMNS, _("Your grading was saved."),
            lambda: reviews.grade(sess, user=me, review=review,
                                  rows=grade_rows(request.form, lines)),
        )  # fmt: skip
    values = sheet_values(lines, GRADE_COLUMNS)
    for line in lines:  # start from the unit's own scores where the reviewer gave none yet
        cid = line.criterion.id
        if line.score.score is None and line.score.self_score is not None:
            values[f"score-{cid}"] = num(line.score.self_score)
        if line.score.bonus is None:
            values[f"bonus-{cid}"] = num(line.score.self_bonus)
    return _sheet_page(review, "review/grade.html", GRADE_COLUMNS, values, {}, 200)


@bp.route("/reviews/<int:review_id>/fire", methods=["POST"])
@login_required
def fire(review_id: int) -> WResponse:
    """Submit, resubmit, start grading, return with a reason, or accept the review."""
    review = visible(Review, review_id)
    form = StepForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors or "trigger" in form.errors:
            abort(400)
        abort(422, description="; ".join(str(e) for errs in form.errors.values() for e in errs))
    trigger = str(form.trigger.data)
    if trigger not in STEPS:
        abort(404, description=_("Unknown action."))
    data = {"reason": form.reason.data or ""} if trigger == "return_review" else {}
    expected = arg_int("expected_version")
    reviews.fire_review(db.session(), engine(), user=user(), review=review, trigger=trigger,
                        data=data, expected_version=expected)  # fmt: skip
    messages = {
        "submit": _("The review was submitted."), "resubmit": _("The review was resubmitted."),
        "start_review": _("Grading started."), "return_review": _("The review was returned."),
        "accept": _("The review was accepted."),
    }  # fmt: skip
    flash(messages[trigger], "success")
    return _back(review)


# --- evidence ------------------------------------------------------------------------------


@bp.route("/reviews/<int:review_id>/evidence", methods=["POST"])
@login_required
def upload(review_id: int) -> WResponse:
    """Attach an evidence file (the unit, while it may edit)."""
    review = visible(Review, review_id)
    sess = db.session()
    form = _evidence_form(queries.lines_of(sess, review))
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        abort(422, description=_("Choose a file to attach."))
    upload = form.file.data
    data = upload.read(files.max_bytes(db.session()) + 1)
    criterion = int(form.criterion_id.data) if form.criterion_id.data else None
    reviews.add_evidence(sess, user=user(), review=review, filename=upload.filename or "",
                         data=data, criterion_id=criterion)  # fmt: skip
    flash(_("The file was attached."), "success")
    return _back(review, "#evidence")


def _evidence(review: Review, evidence_id: int) -> ReviewEvidence:
    found = load_or_404(ReviewEvidence, evidence_id)
    if found.review_id != review.id:
        abort(404)
    return found


@bp.route("/reviews/<int:review_id>/evidence/<int:evidence_id>")
@login_required
def evidence(review_id: int, evidence_id: int) -> Response:
    """Download an evidence file as an attachment (the unit, its reviewer, the committee)."""
    review = visible(Review, review_id)
    found = _evidence(review, evidence_id)
    try:
        data = files.read(db.session(), found)
    except OSError:
        abort(410, description=_("This file is no longer available."))
    response = send_file(io.BytesIO(data), mimetype=found.content_type, as_attachment=True,
                         download_name=files.download_name(found), max_age=0)  # fmt: skip
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/reviews/<int:review_id>/evidence/<int:evidence_id>/delete", methods=["POST"])
@login_required
def delete_evidence(review_id: int, evidence_id: int) -> WResponse:
    """Detach an evidence file (the unit, while it may edit)."""
    review = visible(Review, review_id)
    found = _evidence(review, evidence_id)
    if not SheetForm().validate_on_submit():
        abort(400)
    reviews.remove_evidence(db.session(), user=user(), review=review, evidence=found)
    flash(_("The file was removed."), "success")
    return _back(review, "#evidence")


# --- exports -------------------------------------------------------------------------------


def _sheet_export(review: Review, fmt: str) -> Response:
    sess = db.session()
    names = queries.unit_names(sess, [review.unit_id, review.reviewer_unit_id])
    rows = []
    for line in queries.lines_of(sess, review):
        s, c = line.score, line.criterion
        rows.append({
            "group": line.group.code, "code": c.code, "criterion": c.title,
            "max_points": float(c.max_points), "max_bonus": float(c.max_bonus),
            "target": _f(s.target_value), "achieved": s.achieved,
            "achieved_value": _f(s.achieved_value), "percent": _f(line.percent),
            "self_score": _f(s.self_score), "self_bonus": _f(s.self_bonus),
            "self_note": s.self_note, "score": _f(s.score), "bonus": _f(s.bonus),
            "note": s.note, "difference": _f(line.difference),
        })  # fmt: skip
    cols = [
        ("group", _("Group")), ("code", _("Code")), ("criterion", _("Criterion")),
        ("max_points", _("Max points")), ("max_bonus", _("Max bonus")),
        ("target", _("Target")), ("achieved", _("Achieved")),
        ("achieved_value", _("Achieved (figure)")), ("percent", _("Share of target")),
        ("self_score", _("Self score")), ("self_bonus", _("Self bonus")),
        ("self_note", _("Unit's note")), ("score", _("Reviewer's score")),
        ("bonus", _("Reviewer's bonus")), ("note", _("Reviewer's note")),
        ("difference", _("Difference")),
    ]  # fmt: skip
    unit = names.get(review.unit_id, str(review.unit_id))
    rows.append({"criterion": _("Total"), "self_score": _f(review.self_total),
                 "score": _f(review.score_total), "bonus": _f(review.bonus_total)})  # fmt: skip
    rows.append({"criterion": _("Late penalty"), "score": _f(review.penalty)})
    rows.append({"criterion": _("Final total"), "score": _f(review.final_total)})
    rows.append({"criterion": f"{unit} · {review.year} · {queries.period_label(review.period)}"})
    return export(fmt, f"review-{review.id}-{review.year}-{review.period}", cols, rows)


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


@bp.route("/reviews/<int:review_id>.csv")
@login_required
def export_csv(review_id: int) -> Response:
    """Download the review's score sheet as CSV."""
    return _sheet_export(visible(Review, review_id), "csv")


@bp.route("/reviews/<int:review_id>.xlsx")
@login_required
def export_xlsx(review_id: int) -> Response:
    """Download the review's score sheet as XLSX."""
    return _sheet_export(visible(Review, review_id), "xlsx")

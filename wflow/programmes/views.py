"""Programme pages: the list, drafting and editing, the programme with its steps, its PDFs."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlmodel import col, select
from werkzeug.wrappers import Response as WResponse

from wflow import db
from wflow.core import subjects
from wflow.core import workflow as wf
from wflow.core.access import current_year
from wflow.core.errors import ServiceError
from wflow.i18n import state_name
from wflow.org.models import Unit
from wflow.programmes import service as programmes
from wflow.programmes.forms import ProgrammeForm, ReviewYearForm
from wflow.programmes.models import Programme
from wflow.signatures import own_key_views, round_views
from wflow.web.args import arg_int
from wflow.web.forms import EmptyForm, form_error
from wflow.web.guard import user, visible
from wflow.web.lists import export, filter_periods, wanted_format
from wflow.workflow_setup import engine

bp = Blueprint("programme", __name__)
REASON_TRIGGERS = ("object", "decline", "withdraw", "close")  # the step asks for a reason
FIRE_TRIGGERS = ("submit", "agree", *REASON_TRIGGERS)  # signing and reviews have their forms


@bp.route("/programmes")
@login_required
def index() -> str | WResponse:
    """List the programmes the user sees, filtered by year, state and text; export them."""
    sess = db.session()
    rows = programmes.visible_programmes(sess, user())
    states = subjects.states(sess, rows)
    names = dict(sess.exec(select(Unit.id, Unit.name)).all())
    rows = filter_periods(rows, states, lambda p: (p.title, p.number, names.get(p.unit_id)))
    defn = engine().definition(programmes.WORKFLOW)
    fmt = wanted_format()
    if fmt:
        data = [
            {
                "number": p.number,
                "title": p.title,
                "unit": names.get(p.unit_id, ""),
                "period": p.period,
                "state": state_name(defn, states.get(p.id or 0, defn.initial)),
                "in_force": p.in_force_at,
            }
            for p in rows
        ]
        cols = [
            ("number", _("Number")),
            ("title", _("Title")),
            ("unit", _("Drafted by")),
            ("period", _("Period")),
            ("state", _("State")),
            ("in_force", _("In force since")),
        ]
        return export(fmt, "programmes", cols, data)
    return render_template("programme/list.html", rows=rows, states=states, names=names,
                           defn=defn, args=request.args)  # fmt: skip


def _party_choices(form: ProgrammeForm, drafter: int | None) -> None:
    rows = db.session().exec(select(Unit.id, Unit.name).order_by(col(Unit.name))).all()
    form.parties.choices = [(uid or 0, name) for uid, name in rows if uid != drafter]


def _fields(form: ProgrammeForm) -> dict[str, Any]:
    return {
        "title": form.title.data or "",
        "year_end": form.year_end.data,
        "party_ids": list(form.parties.data or []),
        "purposes": form.purposes.data or "",
        "tasks": form.tasks.data or "",
        "arrangements": form.arrangements.data or "",
        "place": form.place.data or "",
    }


@bp.route("/programmes/new", methods=["GET", "POST"])
@login_required
def new() -> str | WResponse | tuple[str, int]:
    """Draft a programme for the user's unit with other parties."""
    me = user()
    if not me.unit_id:
        abort(403, description=_("Only the people of a unit draft a programme, for their unit."))
    form = ProgrammeForm()
    _party_choices(form, me.unit_id)
    if request.method == "GET":
        form.year.data = current_year()
    if form.validate_on_submit():
        try:
            programme = programmes.create(db.session(), engine(), user=me,
                                          year=form.year.data or 0, **_fields(form))  # fmt: skip
        except ServiceError as exc:
            form_error(form, exc)
            return render_template("programme/form.html", form=form, programme=None), exc.status
        flash(_("The programme was drafted."), "success")
        return redirect(url_for("programme.show", programme_id=programme.id), 303)
    status = 422 if form.errors else 200
    return render_template("programme/form.html", form=form, programme=None), status


@bp.route("/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@login_required
def edit(programme_id: int) -> str | WResponse | tuple[str, int]:
    """Change the draft programme (its drafting unit)."""
    programme = visible(Programme, programme_id)
    sess = db.session()
    if user().unit_id != programme.unit_id:
        abort(403, description=_("Only the drafting unit changes the programme."))
    if subjects.state(sess, programme) not in engine().tagged(programmes.WORKFLOW, "editable"):
        abort(409, description=_("The programme can be changed only as a draft."))
    form = ProgrammeForm(obj=programme if request.method == "GET" else None)
    _party_choices(form, programme.unit_id)
    if request.method == "GET":
        form.parties.data = [u.id for u in programmes.parties(sess, programme)][1:]
    if form.validate_on_submit():
        try:
            programmes.update(sess, engine(), user=user(), programme=programme, **_fields(form))
        except ServiceError as exc:
            form_error(form, exc)
            page = render_template("programme/form.html", form=form, programme=programme)
            return page, exc.status
        flash(_("The programme was saved."), "success")
        return _back(programme)
    status = 422 if form.errors else 200
    return render_template("programme/form.html", form=form, programme=programme), status


@bp.route("/programmes/<int:programme_id>")
@login_required
def show(programme_id: int, sign_error: str | None = None, status: int = 200) -> WResponse:
    """Show a programme: parties, state, signatures, reviews, documents, what one may do."""
    programme = visible(Programme, programme_id)
    sess, me = db.session(), user()
    found = wf.view(sess, engine(), me, programme.instance_id or 0)
    editable = found.row.state in engine().tagged(programmes.WORKFLOW, "editable")
    may_sign = "sign" in found.triggers
    page = render_template(
        "programme/show.html", programme=programme, row=found.row, defn=found.definition,
        parties=programmes.parties(sess, programme), drafter=sess.get(Unit, programme.unit_id),
        triggers=[t for t in found.triggers if t in FIRE_TRIGGERS],
        reason_triggers=REASON_TRIGGERS, may_sign=may_sign,
        may_review="review_year" in found.triggers,
        may_edit=editable and me.unit_id == programme.unit_id and "submit" in found.triggers,
        progress=programmes.progress(sess, programme), reviews=programmes.reviews(sess, programme),
        documents=programmes.revisions(sess, programme), names=dict(sess.exec(
            select(Unit.id, Unit.name)).all()),
        form=EmptyForm(), review_form=ReviewYearForm(formdata=None, year=current_year()),
        sign_error=sign_error,
        own_keys=own_key_views.signing_choices(me.unit_id) if may_sign else [],
    )  # fmt: skip
    return own_key_views.allow_agent(make_response(page, status))


def _back(programme: Programme) -> WResponse:
    return redirect(url_for("programme.show", programme_id=programme.id), 303)


@bp.route("/programmes/<int:programme_id>/fire", methods=["POST"])
@login_required
def fire(programme_id: int) -> WResponse:
    """Send for agreement, agree, ask for changes, decline, withdraw or close."""
    programme = visible(Programme, programme_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    trigger = request.form.get("trigger", "")
    if trigger not in FIRE_TRIGGERS:
        abort(404, description=_("Unknown action."))
    expected = arg_int("expected_version")
    sess = db.session()
    if trigger == "submit":
        programmes.submit(sess, engine(), user=user(), programme=programme,
                          expected_version=expected)  # fmt: skip
    else:
        reason = request.form.get("reason", "")
        programmes.act(sess, engine(), user=user(), programme=programme, trigger=trigger,
                       reason=reason, expected_version=expected)  # fmt: skip
    flash(_("Done."), "success")
    return _back(programme)


round_views.add_signing_routes(
    bp, programmes.ROUND, prefix="/programmes", id_arg="programme_id", show=show,
    done=_l("Your unit's signature was added to the programme."),
)  # fmt: skip


@bp.route("/programmes/<int:programme_id>/reviews", methods=["POST"])
@login_required
def review(programme_id: int) -> WResponse:
    """Record a party's review of one year of the programme."""
    programme = visible(Programme, programme_id)
    form = ReviewYearForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        abort(422, description="; ".join(f"{form[k].label.text}: {' '.join(v)}"
                                         for k, v in form.errors.items()))  # fmt: skip
    programmes.review(db.session(), engine(), user=user(), programme=programme,
                      year=form.year.data, summary=form.summary.data or "",
                      next_steps=form.next_steps.data or "")  # fmt: skip
    flash(_("The year's review was recorded."), "success")
    return _back(programme)


round_views.add_document_routes(
    bp, programmes.ROUND, prefix="/programmes", id_arg="programme_id",
    not_rendered=_l("The programme is rendered when every party has agreed."),
    revision_name=lambda programme, doc: f"programme-{programme.id}-{doc.id}",
)  # fmt: skip

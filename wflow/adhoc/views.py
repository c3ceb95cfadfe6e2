"""Ad-hoc award pages: the list, proposing and changing, the proposal with its steps, the
chair's signature, the decision, the evidence and the certificate."""

from __future__ import annotations

import io

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
from wflow.adhoc import documents as adhoc_docs
from wflow.adhoc import service as adhoc
from wflow.adhoc.forms import ChairDecisionForm, ProposalForm
from wflow.adhoc.models import AdhocAward
from wflow.adhoc.subject import nominee_name
from wflow.awards import catalogue as awards
from wflow.awards.models import Award
from wflow.clock import utcnow
from wflow.core import installation, subjects
from wflow.core import workflow as wf
from wflow.core.access import Action, is_committee
from wflow.core.errors import ServiceError
from wflow.councils import service as councils
from wflow.org.models import Unit
from wflow.people import service as people
from wflow.web.args import arg_year
from wflow.web.downloads import pdf_response, stored_pdf
from wflow.web.forms import EmptyForm, form_error, submit
from wflow.web.guard import ensure, load_or_404, user, visible
from wflow.workflow_setup import engine

bp = Blueprint("adhoc", __name__)
Page = str | WResponse | tuple[str, int]


@bp.route("/adhoc")
@login_required
def index() -> str:
    """The ad-hoc awards the user may see (a unit: its own; the committee: all), by year."""
    sess, me = db.session(), user()
    year = arg_year()
    only = None if is_committee(me) else me.unit_id
    if only is None and not is_committee(me):
        abort(403)
    rows = subjects.visible(sess, me, adhoc.listed(sess, unit_id=only, year=year))
    return render_template(
        "adhoc/list.html", rows=rows, year=year, states=subjects.states(sess, rows),
        defn=engine().definition(adhoc.WORKFLOW), names={r.id: nominee_name(sess, r) for r in rows},
        awards={a.id: a.name for a in awards.catalogue(sess)},
        units=people.unit_names(sess),
        may_propose=me.unit_id is not None and adhoc.may_propose(sess, me, me.unit_id),
    )  # fmt: skip


def _choices(form: ProposalForm, unit_id: int) -> None:
    sess = db.session()
    form.award_id.choices = [(a.id or 0, a.name) for a in adhoc.adhoc_catalogue(sess)]
    people = [
        (f"person:{p.id}", f"{p.full_name} — {p.position}") for p in adhoc.people(sess, unit_id)
    ]
    units = [(f"unit:{u.id}", u.name) for u in adhoc.collectives(sess, unit_id)]
    form.nominee.choices = [(_("People"), people), (_("Collectives"), units)]


def _proposal(form: ProposalForm) -> adhoc.Proposal:
    return adhoc.Proposal(award_id=form.award_id.data, nominee=form.nominee.data or "",
                          achieved_on=form.achieved_on.data, title=form.title.data or "",
                          achievement=form.achievement.data or "")  # fmt: skip


def _evidence() -> adhoc.Evidence | None:
    upload = request.files.get("evidence")
    if upload is None or not upload.filename:
        return None
    return adhoc.Evidence(upload.read(), upload.filename)


@bp.route("/units/<int:unit_id>/adhoc/new", methods=["GET", "POST"])
@login_required
def new(unit_id: int) -> Page:
    """Propose one of the unit's people or collectives for an ad-hoc award."""
    unit = load_or_404(Unit, unit_id)
    ensure(Action.ACT, unit_id=unit_id)
    form = ProposalForm()
    _choices(form, unit_id)
    status = 200
    if request.method == "POST":
        done = submit(
            form,
            lambda: adhoc.propose(
                db.session(),
                engine(),
                user=user(),
                unit_id=unit_id,
                proposal=_proposal(form),
                evidence=_evidence(),
            ),
        )
        if done.ok and done.value is not None:
            flash(_("The proposal was saved; submit it when it is complete."), "success")
            return redirect(url_for("adhoc.show", adhoc_award_id=done.value.id), 303)
        status = done.status
    return render_template("adhoc/form.html", form=form, unit=unit, row=None), status


@bp.route("/adhoc/<int:adhoc_award_id>/edit", methods=["GET", "POST"])
@login_required
def edit(adhoc_award_id: int) -> Page:
    """Change a proposal in draft (after a return)."""
    row = visible(AdhocAward, adhoc_award_id)
    sess = db.session()
    ensure(Action.ACT, unit_id=row.unit_id)
    form = ProposalForm(obj=row) if request.method == "GET" else ProposalForm()
    if request.method == "GET":
        form.nominee.data = (
            f"person:{row.person_id}" if row.person_id else f"unit:{row.nominee_unit_id}"
        )
    _choices(form, row.unit_id)
    status = 200
    if request.method == "POST":
        done = submit(
            form,
            lambda: adhoc.change(
                sess, user=user(), row=row, proposal=_proposal(form), evidence=_evidence()
            ),
        )
        if done.ok:
            flash(_("The proposal was saved."), "success")
            return redirect(url_for("adhoc.show", adhoc_award_id=row.id), 303)
        status = done.status
    unit = sess.get(Unit, row.unit_id)
    return render_template("adhoc/form.html", form=form, unit=unit, row=row), status


@bp.route("/adhoc/<int:adhoc_award_id>")
@login_required
def show(adhoc_award_id: int, decision_form: ChairDecisionForm | None = None) -> str:
    """A proposal: nominee, achievement, evidence, state, history and what the user may do."""
    row = visible(AdhocAward, adhoc_award_id)
    sess, me = db.session(), user()
    found = wf.view(sess, engine(), me, row.instance_id or 0)
    if decision_form is None:
        decision_form = ChairDecisionForm(formdata=None)
        today = installation.local_date(sess, utcnow())
        decision_form.number.data = adhoc.next_number(sess, today, found.row.council_id)
        decision_form.issued_on.data = today
    return render_template(
        "adhoc/show.html", row=row, wf_row=found.row, defn=found.definition,
        award=sess.get(Award, row.award_id), unit=sess.get(Unit, row.unit_id),
        nominee=nominee_name(sess, row), kind="person" if row.person_id else "unit",
        triggers=found.triggers, reason_triggers=adhoc.REASON_TRIGGERS,
        timeline=wf.timeline(sess, row.instance_id or 0),
        may_edit="submit" in found.triggers, decision_form=decision_form,
        may_sign="decide" in found.triggers, form=EmptyForm(),
        chair=awards.council_chair(sess, councils.of_unit(sess, row.unit_id)),
    )  # fmt: skip


@bp.route("/adhoc/<int:adhoc_award_id>/fire", methods=["POST"])
@login_required
def fire(adhoc_award_id: int) -> WResponse:
    """Submit, return, accept, withdraw or decline (a reason where the step asks for one)."""
    row = visible(AdhocAward, adhoc_award_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    trigger = request.form.get("trigger", "")
    expected = request.form.get("expected_version", type=int)
    sess, me = db.session(), user()
    if trigger == "submit":
        adhoc.submit(sess, engine(), user=me, row=row, expected_version=expected)
    elif trigger == "accept":
        adhoc.accept(sess, engine(), user=me, row=row, expected_version=expected)
    elif trigger in adhoc.REASON_TRIGGERS:
        adhoc.act(sess, engine(), user=me, row=row, trigger=trigger,
                  reason=request.form.get("reason", ""), expected_version=expected)  # fmt: skip
    else:
        abort(404, description=_("Unknown action."))
    flash(_("Done."), "success")
    return redirect(url_for("adhoc.show", adhoc_award_id=row.id), 303)


@bp.route("/adhoc/<int:adhoc_award_id>/decision", methods=["POST"])
@login_required
def sign(adhoc_award_id: int) -> Page:
    """The council's chair signs the decision with the council's key."""
    row = visible(AdhocAward, adhoc_award_id)
    form = ChairDecisionForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return show(adhoc_award_id, decision_form=form), 422
    try:
        adhoc.sign_decision(
            db.session(), engine(), user=user(), row=row, number=form.number.data or "",
            issued_on=form.issued_on.data, password=form.password.data or "",
            code=request.form.get("code", ""), address=request.remote_addr,
        )  # fmt: skip
    except ServiceError as exc:
        if exc.status >= 500 or exc.field not in ("number", "issued_on", "password", "code"):
            raise
        form_error(form, exc)
        return show(adhoc_award_id, decision_form=form), exc.status
    flash(_("The decision was signed; the award is granted."), "success")
    return redirect(url_for("adhoc.show", adhoc_award_id=row.id), 303)


@bp.route("/adhoc/<int:adhoc_award_id>/decision.pdf")
def decision_pdf(adhoc_award_id: int) -> Response:
    """The signed decision (public: an award decision is a public act)."""
    row = load_or_404(AdhocAward, adhoc_award_id)
    doc = adhoc.decision_document(db.session(), row)
    if doc is None:
        abort(404)
    return stored_pdf(doc, f"decision-{row.decision_number or row.id}", public=True)


@bp.route("/adhoc/<int:adhoc_award_id>/certificate.pdf")
def certificate(adhoc_award_id: int) -> Response:
    """The printable certificate of a decided ad-hoc award (public, as the decision)."""
    sess = db.session()
    row = load_or_404(AdhocAward, adhoc_award_id)
    if not adhoc.decided(sess, [row]):
        abort(404)
    signed = adhoc.certificate_document(sess, row)
    if signed is not None:
        return stored_pdf(signed, f"certificate-adhoc-{row.id}", public=True)
    return pdf_response(adhoc_docs.render_certificate(sess, row), f"certificate-adhoc-{row.id}",
                        public=True)  # fmt: skip


@bp.route("/adhoc/<int:adhoc_award_id>/evidence")
@login_required
def evidence(adhoc_award_id: int) -> Response:
    """Download the evidence file as an attachment (those who see the proposal)."""
    row = visible(AdhocAward, adhoc_award_id)
    if not row.evidence_path:
        abort(404)
    try:
        data = installation.of(db.session()).blobs.read(
            row.evidence_path, row.evidence_sha256, f"ad-hoc evidence {row.id}"
        )
    except OSError:
        abort(410, description=_("This file is no longer available."))
    response = send_file(io.BytesIO(data), mimetype=row.evidence_type, as_attachment=True,
                         download_name=row.evidence_filename, max_age=0)  # fmt: skip
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response

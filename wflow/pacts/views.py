"""Pact pages: a block's pacts, prepare from a plan, the pact with its signing, its documents."""

from __future__ import annotations

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
from werkzeug.wrappers import Response as WResponse

from wflow import db
from wflow.core import subjects
from wflow.core import workflow as wf
from wflow.core.access import Action, may
from wflow.org.models import Block
from wflow.pacts import service as pacts
from wflow.pacts.documents import field_units, revisions_of
from wflow.pacts.models import Pact
from wflow.plans.models import Plan
from wflow.signatures import own_key_views, round_views
from wflow.web.args import arg_int
from wflow.web.forms import EmptyForm
from wflow.web.guard import ensure, load_or_404, user, visible
from wflow.web.lists import export, filter_periods, wanted_format
from wflow.workflow_setup import engine

bp = Blueprint("pact", __name__)
FIRE_TRIGGERS = ("open_signing", "withdraw", "revise", "close")  # signing has its own forms


@bp.route("/blocks/<int:block_id>/pacts")
@login_required
def block_pacts(block_id: int) -> str | WResponse:
    """List the block's pacts, filtered by year, state and text; export as CSV or XLSX."""
    block = load_or_404(Block, block_id)
    ensure(Action.VIEW, block_id=block_id)
    sess, me = db.session(), user()
    rows = [p for p in pacts.pacts_of_block(sess, block_id)
            if may(sess, me, Action.VIEW, block_id=block_id, year=p.year)]  # fmt: skip
    states = subjects.states(sess, rows)
    rows = filter_periods(rows, states, lambda p: (p.title, p.number))
    fmt = wanted_format()
    if fmt:
        data = [
            {
                "id": p.id,
                "number": p.number,
                "title": p.title,
                "period": p.period,
                "state": states.get(p.id or 0, ""),
                "in_force": p.in_force_at,
            }
            for p in rows
        ]
        cols = [
            ("id", "#"),
            ("number", _("Number")),
            ("title", _("Title")),
            ("period", _("Period")),
            ("state", _("State")),
            ("in_force", _("In force since")),
        ]
        return export(fmt, f"pacts-{block.code}", cols, data)
    return render_template(
        "pact/list.html", block=block, rows=rows, states=states,
        defn=engine().definition(pacts.WORKFLOW), args=request.args,
    )  # fmt: skip


@bp.route("/plans/<int:plan_id>/pact", methods=["POST"])
@login_required
def prepare(plan_id: int) -> WResponse:
    """Prepare the pact of a published plan (the block's leading unit)."""
    plan: Plan = visible(Plan, plan_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    pact = pacts.prepare_pact(db.session(), engine(), user=user(), plan=plan)
    flash(_("The pact was prepared."), "success")
    return redirect(url_for("pact.show", pact_id=pact.id), 303)


@bp.route("/pacts/<int:pact_id>")
@login_required
def show(pact_id: int, sign_error: str | None = None, status: int = 200) -> WResponse:
    """Show a pact: state, signing progress, reminders, documents, what the user may do."""
    pact = visible(Pact, pact_id)
    sess, me = db.session(), user()
    found = wf.view(sess, engine(), me, pact.instance_id or 0)
    done = pacts.progress(sess, pact)
    signing = found.row.state in subjects.tagged(sess, pacts.WORKFLOW, "signing")
    page = render_template(
        "pact/show.html", pact=pact, block=sess.get(Block, pact.block_id),
        plan=sess.get(Plan, pact.plan_id), row=found.row, defn=found.definition,
        triggers=[t for t in found.triggers if t in FIRE_TRIGGERS], signing=signing,
        may_sign=signing and "sign" in found.triggers,
        may_decline="decline" in found.triggers, progress=done,
        reminders=pacts.reminders(sess, pact),
        documents=revisions_of(sess, pact.id or 0), signers=field_units(sess),
        form=EmptyForm(), sign_error=sign_error,
        own_keys=own_key_views.signing_choices(me.unit_id) if signing else [],
    )  # fmt: skip
    return own_key_views.allow_agent(make_response(page, status))


def _back(pact: Pact) -> WResponse:
    return redirect(url_for("pact.show", pact_id=pact.id), 303)


@bp.route("/pacts/<int:pact_id>/fire", methods=["POST"])
@login_required
def fire(pact_id: int) -> WResponse:
    """Open signing, withdraw, prepare again or close the pact (leader, secretariat)."""
    pact = visible(Pact, pact_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    trigger = request.form.get("trigger", "")
    if trigger not in FIRE_TRIGGERS:
        abort(404, description=_("Unknown action."))
    expected = arg_int("expected_version")
    sess = db.session()
    if trigger == "open_signing":
        pacts.open_signing(sess, engine(), user=user(), pact=pact, expected_version=expected)
    else:
        data = (
            {"reason": request.form.get("reason", "").strip()} if "reason" in request.form else {}
        )
        subjects.fire(sess, engine(), user=user(), subject=pact, trigger=trigger, data=data,
                        expected_version=expected)  # fmt: skip
    flash(_("Done."), "success")
    return _back(pact)


round_views.add_signing_routes(
    bp, pacts.ROUND, prefix="/pacts", id_arg="pact_id", show=show,
    done=_l("Your unit's signature was added to the pact."),
)  # fmt: skip


@bp.route("/pacts/<int:pact_id>/decline", methods=["POST"])
@login_required
def decline(pact_id: int) -> WResponse:
    """Decline to sign for the user's unit, with a reason (its head)."""
    pact = visible(Pact, pact_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    pacts.decline_pact(db.session(), engine(), user=user(), pact=pact,
                       reason=request.form.get("reason", ""))  # fmt: skip
    flash(_("You declined to sign; the pact went back to the leading unit."), "success")
    return _back(pact)


round_views.add_document_routes(
    bp, pacts.ROUND, prefix="/pacts", id_arg="pact_id",
    not_rendered=_l("The pact is rendered when signing opens."),
    revision_name=lambda pact, doc: f"pact-{pact.id}-{doc.kind}-{doc.id}",  # or the evidence
)  # fmt: skip

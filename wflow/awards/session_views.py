"""Council session pages (the committee): the sessions, one session's agenda, and its
decision: prepared by the secretariat, read and signed (or returned) by the chair or a
vice-chair."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlmodel import Session, select
from werkzeug.wrappers import Response as WResponse

from wflow import db
from wflow.awards import decisions, levels, proposals
from wflow.awards import nominations as noms
from wflow.awards.blueprint import bp
from wflow.awards.decision_subject import AWARD_DECISION
from wflow.awards.forms import DecisionForm, ReasonForm, SessionForm, SignDecisionForm
from wflow.awards.models import CouncilSession, Decision
from wflow.awards.signatories import (
    CAPACITY_WORDS,
    CHAIR,
    Signatory,
    signatories,
    signatory_of,
)
from wflow.clock import utcnow
from wflow.core import installation, subjects
from wflow.core import workflow as wf
from wflow.core.access import acts_in, current_year, is_committee, oversees
from wflow.councils import service as councils
from wflow.org.models import User
from wflow.web.downloads import pdf_response
from wflow.web.forms import submit
from wflow.web.guard import load_or_404, user
from wflow.workflow_setup import engine

PROPOSE = "propose"  # the proposals' signing form's prefix (the decision's has none)


def _committee() -> None:
    if not is_committee(user()):
        abort(403)


@bp.route("/council/sessions", methods=["GET", "POST"])
@login_required
def sessions() -> str | WResponse:
    """The council's sessions; the secretariat opens one (GET / POST)."""
    _committee()
    sess, me = db.session(), user()
    form = SessionForm()
    if request.method == "GET":
        form.year.data, form.held_on.data = (
            current_year() - 1,
            installation.local_date(db.session(), utcnow()),
        )
    elif form.validate_on_submit():
        created = decisions.create_session(
            sess,
            user=me,
            year=form.year.data,
            title=form.title.data or "",
            held_on=form.held_on.data,
        )
        flash(_("The session was opened."), "success")
        return redirect(url_for("nomination.council_session", session_id=created.id), 303)
    else:
        abort(422, description="; ".join(e for errs in form.errors.values() for e in errs))
    rows = decisions.sessions(sess, councils.seen_by(sess, me))
    decided = {d.session_id: d for d in sess.exec(select(Decision)).all()}
    return render_template(
        "nomination/sessions.html",
        rows=rows,
        decided=decided,
        decision_states=subjects.states(sess, decided.values()),
        decision_defn=engine().definition(AWARD_DECISION.workflow),
        form=form,
        may_open="secretariat" in me.roles,  # for their own council
    )


@bp.route("/council/sessions/<int:session_id>")
@login_required
def council_session(
    session_id: int,
    form: DecisionForm | None = None,
    sign_form: SignDecisionForm | None = None,
    return_form: ReasonForm | None = None,
    propose_form: SignDecisionForm | None = None,
) -> str:
    """A council session: its agenda with each nomination's state, and its decision: prepared
    and submitted by the secretariat, signed or returned by the chair or a vice-chair."""
    _committee()
    sess, me = db.session(), user()
    row = load_or_404(CouncilSession, session_id)
    if not oversees(sess, me, row.council_id):
        abort(404)
    listed = decisions.agenda(sess, row)
    states = subjects.states(sess, listed)
    units, blocks, award_map = noms.names(sess, listed)
    decision = decisions.decision_of(sess, row)
    editable = decision is None or subjects.has_tag(sess, decision, "editable")
    signing = decision is not None and subjects.has_tag(sess, decision, "signing")
    if form is None:  # a refused form comes back as it was typed, with its reasons
        form = DecisionForm(formdata=None)
        today = installation.local_date(sess, utcnow())
        form.number.data = (
            decision.number if decision else decisions.next_number(sess, today, row.council_id)
        )
        form.issued_on.data = decision.issued_on if decision else today
    signatory = signatory_of(sess, me, row.council_id)
    actions = engine().available(sess, decision.instance_id or 0, wf.actor_for(sess, me)) \
        if signing and decision is not None and signatory is not None else set()  # fmt: skip
    upward, sent = proposals.to_propose(sess, row), proposals.sent_up(sess, row)
    return render_template(
        "nomination/session.html",
        row=row,
        listed=listed,
        states=states,
        units=units,
        blocks=blocks,
        award_map=award_map,
        decision=decision,
        form=form,
        sign_form=sign_form or SignDecisionForm(formdata=None),
        return_form=return_form or ReasonForm(formdata=None),
        may_submit="secretariat" in me.roles
        and acts_in(sess, me, row.council_id)
        and editable
        and bool(decisions.approved_of(sess, row)),
        upward=upward,
        sent=sent,
        sent_states=subjects.states(sess, sent),
        above=levels.council_above(sess, row.council_id),
        may_propose=bool(upward) and signatory is not None and acts_in(sess, me, row.council_id),
        propose_form=propose_form or SignDecisionForm(formdata=None, prefix=PROPOSE),
        may_sign="sign" in actions,
        may_return="return_draft" in actions,
        signatory=signatory,
        capacity_words=CAPACITY_WORDS,
        decision_signer=sess.get(User, decision.signed_by_user_id)
        if decision is not None and decision.signed_by_user_id
        else None,
        signers=[s.user for s in signatories(sess, row.council_id) if s.user is not None],
        returned=_returned(sess, decision) if decision is not None and editable else None,
        decision_state=subjects.state(sess, decision) if decision else None,
        defn=engine().definition(noms.WORKFLOW),
        decision_defn=engine().definition(AWARD_DECISION.workflow),
    )


def _returned(sess: Session, decision: Decision) -> str | None:
    """Return the reason the draft was last returned with, if it was."""
    for event in reversed(engine().history(sess, decision.instance_id or 0)):
        if event.trigger == "return_draft":
            return str(event.data.get("reason", ""))
        if event.trigger == "submit":
            return None
    return None


@bp.route("/council/sessions/<int:session_id>/decision", methods=["POST"])
@login_required
def submit_decision(session_id: int) -> WResponse | tuple[str, int]:
    """Prepare the session's decision and submit it for signature (the secretariat)."""
    _committee()
    row = load_or_404(CouncilSession, session_id)
    form = DecisionForm()
    done = submit(form, lambda: decisions.submit_decision(
        db.session(), engine(), user=user(), council_session=row,
        number=form.number.data or "", issued_on=form.issued_on.data,
    ))  # fmt: skip
    if not done.ok:
        return council_session(session_id, form=form), done.status
    flash(_("The decision was submitted to the council's chair for signature."), "success")
    return redirect(url_for("nomination.council_session", session_id=row.id) + "#decision", 303)


def _decision(decision_id: int) -> tuple[Decision, CouncilSession]:
    """Load a decision and its session for the committee (404 if either is missing)."""
    _committee()
    decision = load_or_404(Decision, decision_id)
    if not oversees(db.session(), user(), decision.council_id):
        abort(404)
    return decision, load_or_404(CouncilSession, decision.session_id)


@bp.route("/council/decisions/<int:decision_id>")
@login_required
def decision(decision_id: int) -> WResponse:
    """A decision's page: its council session's, at the decision."""
    found, _held = _decision(decision_id)
    return redirect(url_for("nomination.council_session", session_id=found.session_id)
                    + "#decision")  # fmt: skip


@bp.route("/council/decisions/<int:decision_id>/draft.pdf")
@login_required
def decision_draft(decision_id: int) -> WResponse:
    """The decision as it will be signed, marked as a draft (the committee reads it first)."""
    found, _held = _decision(decision_id)
    sess = db.session()
    if found.signed:
        return redirect(url_for("nomination.decision_pdf", decision_id=found.id))
    body = found.council_id
    who = signatory_of(sess, user(), body) or next(iter(signatories(sess, body)),
                                                   Signatory(None, CHAIR))  # fmt: skip
    pdf, _page, _box = decisions.render_draft(sess, found, who)
    return pdf_response(pdf, f"decision-draft-{found.id}")


@bp.route("/council/decisions/<int:decision_id>/sign", methods=["POST"])
@login_required
def sign_decision(decision_id: int) -> WResponse | tuple[str, int]:
    """Sign the submitted decision (the council's chair or a vice-chair).

    A missing or wrong password keeps the signer on the session's page, with the reason.
    """
    found, held = _decision(decision_id)
    form = SignDecisionForm()
    done = submit(form, lambda: decisions.sign_decision(
        db.session(), engine(), user=user(), decision=found, password=form.password.data or "",
        code=request.form.get("code", ""), address=request.remote_addr,
    ))  # fmt: skip
    if not done.ok:
        return council_session(held.id or 0, sign_form=form), done.status
    flash(_("The decision was signed; the awards are granted."), "success")
    return redirect(url_for("nomination.council_session", session_id=held.id) + "#decision", 303)


@bp.route("/council/decisions/<int:decision_id>/return", methods=["POST"])
@login_required
def return_decision(decision_id: int) -> WResponse | tuple[str, int]:
    """Return the draft to the secretariat with a reason (the chair or a vice-chair)."""
    found, held = _decision(decision_id)
    form = ReasonForm()
    done = submit(form, lambda: decisions.return_decision(
        db.session(), engine(), user=user(), decision=found, reason=form.reason.data or "",
    ))  # fmt: skip
    if not done.ok:
        return council_session(held.id or 0, return_form=form), done.status
    flash(_("The draft was returned to the secretariat."), "success")
    return redirect(url_for("nomination.council_session", session_id=held.id) + "#decision", 303)


@bp.route("/council/sessions/<int:session_id>/proposals", methods=["POST"])
@login_required
def propose_up(session_id: int) -> WResponse | tuple[str, int]:
    """Sign the session's proposals to the council above (the chair or a vice-chair).

    A missing or wrong password keeps the signer on the session's page, with the reason.
    """
    _committee()
    row = load_or_404(CouncilSession, session_id)
    if not oversees(db.session(), user(), row.council_id):
        abort(404)
    form = SignDecisionForm(prefix=PROPOSE)
    done = submit(form, lambda: proposals.propose_up(
        db.session(), engine(), user=user(), council_session=row,
        password=form.password.data or "", code=request.form.get("code", ""),
        address=request.remote_addr,
    ))  # fmt: skip
    if not done.ok:
        return council_session(session_id, propose_form=form), done.status
    flash(_("The proposals were signed and sent to the council above."), "success")
    return redirect(url_for("nomination.council_session", session_id=row.id) + "#proposals", 303)

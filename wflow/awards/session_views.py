"""Council session pages (the committee): the sessions, one session's agenda, and signing its
decision with the council's key."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlmodel import select
from werkzeug.wrappers import Response as WResponse

from wflow import db
from wflow.awards import decisions
from wflow.awards import nominations as noms
from wflow.awards.blueprint import bp
from wflow.awards.forms import DecisionForm, SessionForm
from wflow.awards.models import CouncilSession, Decision
from wflow.clock import utcnow
from wflow.core import installation, subjects
from wflow.core.access import current_year, is_committee
from wflow.core.errors import WrongPassword
from wflow.web.forms import form_error
from wflow.web.guard import load_or_404, user
from wflow.workflow_setup import engine


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
    rows = decisions.sessions(sess)
    decided = {d.session_id: d for d in sess.exec(select(Decision)).all()}
    return render_template(
        "nomination/sessions.html",
        rows=rows,
        decided=decided,
        form=form,
        may_open="secretariat" in me.roles,
    )


@bp.route("/council/sessions/<int:session_id>")
@login_required
def council_session(session_id: int, form: DecisionForm | None = None) -> str:
    """A council session: its agenda with each nomination's state, and its decision."""
    _committee()
    sess, me = db.session(), user()
    row = load_or_404(CouncilSession, session_id)
    listed = decisions.agenda(sess, row)
    states = subjects.states(sess, listed)
    approved = subjects.tagged(sess, noms.WORKFLOW, "approved")
    units, blocks, award_map = noms.names(sess, listed)
    decision = decisions.decision_of(sess, row)
    if form is None:  # a refused form comes back as it was typed, with its reasons
        form = DecisionForm(formdata=None)
        form.number.data = decisions.next_number(sess, installation.local_date(sess, utcnow()))
        form.issued_on.data = installation.local_date(sess, utcnow())
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
        may_sign="secretariat" in me.roles
        and decision is None
        and any(s in approved for s in states.values()),
        defn=engine().definition(noms.WORKFLOW),
    )


@bp.route("/council/sessions/<int:session_id>/decision", methods=["POST"])
@login_required
def sign_decision(session_id: int) -> WResponse | tuple[str, int]:
    """Compile and sign the session's decision with the council's key (the secretariat).

    A missing or wrong password (or a form to correct) keeps the person on the session's
    page, the form as typed with its reasons.
    """
    _committee()
    row = load_or_404(CouncilSession, session_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return council_session(session_id, form=form), 422
    try:
        decisions.sign_decision(
            db.session(),
            engine(),
            user=user(),
            council_session=row,
            number=form.number.data or "",
            issued_on=form.issued_on.data,
            password=form.password.data or "",
            code=request.form.get("code", ""),
            address=request.remote_addr,
        )
    except WrongPassword as exc:
        form_error(form, exc)
        return council_session(session_id, form=form), exc.status
    flash(_("The decision was signed; the awards are granted."), "success")
    return redirect(url_for("nomination.council_session", session_id=row.id), 303)

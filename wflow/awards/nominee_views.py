"""The nominee list of a nomination dossier: the list, its import from a spreadsheet, and the
certificates of its approved nominees in one PDF."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlmodel import Session
from werkzeug.wrappers import Response as WResponse

from wflow import db
from wflow.awards import nominees as listing
from wflow.awards.blueprint import bp
from wflow.awards.decisions import body_of
from wflow.awards.models import Award, Decision, Nomination
from wflow.core.errors import ServiceError
from wflow.org.models import Unit, User
from wflow.people.forms import ImportForm
from wflow.people.spreadsheet import RowsRejected
from wflow.web.downloads import pdf_response
from wflow.web.forms import form_error
from wflow.web.guard import user, visible


def _refusal(sess: Session, me: User, nomination: Nomination) -> ServiceError | None:
    """Return why `me` may not change the dossier's list now (None: they may)."""
    try:
        listing.check_may_edit(sess, me, nomination)
    except ServiceError as exc:
        return exc
    return None


@bp.route("/nominations/<int:nomination_id>/nominees", methods=["GET", "POST"])
@login_required
def nominees(nomination_id: int) -> str | WResponse | tuple[str, int]:
    """The dossier's nominees; the block's leading unit imports the list while it is open."""
    nomination = visible(Nomination, nomination_id)
    sess, me = db.session(), user()
    form = ImportForm()
    can = listing.may_edit(sess, me, nomination)
    rejected: list[tuple[int, str]] = []
    status = 200
    if request.method == "POST":
        upload = request.files.get("file")
        refused = _refusal(sess, me, nomination)
        if refused is not None:  # the reason, on the page they were on
            form_error(form, refused)
            status = refused.status
        elif not form.validate_on_submit() or upload is None:
            if "csrf_token" in form.errors:
                abort(400)
            status = 422
        else:
            try:
                count = listing.import_nominees(sess, user=me, nomination=nomination,
                                                data=upload.read(),
                                                filename=upload.filename or "")  # fmt: skip
            except RowsRejected as exc:
                rejected, status = exc.rows, exc.status
            except ServiceError as exc:
                form_error(form, exc)
                status = exc.status
            else:
                flash(_("%(n)d nominees imported.", n=count), "success")
                return redirect(url_for("nomination.nominees", nomination_id=nomination.id), 303)
    return render_template(
        "nomination/nominees.html", nomination=nomination, rows=listing.nominees(sess, nomination),
        award=sess.get(Award, nomination.award_id), unit=sess.get(Unit, nomination.unit_id),
        may_edit=can, form=form, rejected=rejected, headers=listing.HEADERS,
        max_rows=listing.MAX_ROWS, decided=nomination.decision_id is not None,
    ), status  # fmt: skip


@bp.route("/nominations/<int:nomination_id>/certificates.pdf")
@login_required
def certificates(nomination_id: int) -> Response:
    """The certificates of the decided dossier's approved nominees, one page each."""
    nomination = visible(Nomination, nomination_id)
    sess = db.session()
    decision = sess.get(Decision, nomination.decision_id or 0)
    pdf = listing.certificates(sess, nomination, body_of(sess, decision.council_id if decision
                                                         else None))  # fmt: skip
    return pdf_response(pdf, f"certificates-{nomination.id}")

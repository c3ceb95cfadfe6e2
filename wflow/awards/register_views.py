"""Public award pages (no sign-in): the register of awards by year, block and unit, the signed
decisions and the certificates."""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from sqlmodel import col, select
from werkzeug.wrappers import Response as WResponse

from wflow import db
from wflow.awards import decisions, nominees
from wflow.awards import documents as docs
from wflow.awards.blueprint import bp
from wflow.awards.models import Decision, Nomination
from wflow.awards.subject import NOMINATION
from wflow.core import subjects
from wflow.org.models import Block, Unit, UnitKind
from wflow.pacts.models import Document
from wflow.web.args import arg_int, arg_year
from wflow.web.downloads import pdf_response, stored_pdf
from wflow.web.guard import load_or_404
from wflow.web.lists import export, wanted_format


@bp.route("/awards")
def register() -> str | WResponse:
    """The public register of awards by year, block and unit (no sign-in); export."""
    sess = db.session()
    year = arg_year()
    block_id = arg_int("block", minimum=1)
    unit_id = arg_int("unit", minimum=1)
    rows = decisions.register(sess, year=year, block_id=block_id, unit_id=unit_id)
    fmt = wanted_format()
    if fmt:
        data = [
            {
                "year": g.nomination.year,
                "block": g.block.name,
                "name": g.name,
                "unit": g.unit.name,
                "award": g.award.name,
                "decision": g.decision.number,
                "council": g.council.name if g.council else "",
                "date": g.decision.issued_on,
                "prize": int(g.prize or 0),
                "revoked": g.revoke_reason if g.revoked_at else "",
            }
            for g in rows
        ]
        cols = [
            ("year", _("Year")),
            ("block", _("Block")),
            ("name", _("Awarded")),
            ("unit", _("Unit")),
            ("award", _("Award")),
            ("decision", _("Decision")),
            ("council", _("Decided by")),
            ("date", _("Date")),
            ("prize", _("Prize money (đồng)")),
            ("revoked", _("Revoked")),
        ]
        return export(fmt, "awards", cols, data)
    blocks = list(sess.exec(select(Block).order_by(col(Block.name))).all())
    # the units that can be awarded: a council signs decisions, it is not in the register
    awardable = select(Unit).where(col(Unit.kind) != UnitKind.COUNCIL.value)
    units = list(sess.exec(awardable.order_by(col(Unit.name))).all())
    years = sorted({y for y in sess.exec(select(Nomination.year).distinct()).all()}, reverse=True)
    return render_template(
        "awards/register.html",
        rows=rows,
        blocks=blocks,
        units=units,
        years=years,
        args=request.args,
        total=decisions.total_prize(rows),
    )


@bp.route("/decisions/<int:decision_id>.pdf")
def decision_pdf(decision_id: int) -> Response:
    """The signed decision (public: an award decision is a public act)."""
    decision = load_or_404(Decision, decision_id)
    doc = db.session().get(Document, decision.document_id) if decision.document_id else None
    if doc is None:
        abort(404)
    return stored_pdf(doc, f"decision-{decision.id}", public=True)


@bp.route("/awards/<int:nomination_id>/certificate.pdf")
def certificate(nomination_id: int) -> Response:
    """The printable certificate of an awarded unit (public; refused once revoked)."""
    sess = db.session()
    nomination = load_or_404(Nomination, nomination_id)
    decision = sess.get(Decision, nomination.decision_id) if nomination.decision_id else None
    state = subjects.state(sess, nomination)
    if decision is None or state not in subjects.tagged(sess, NOMINATION, "decided"):
        abort(404)
    if state in subjects.tagged(sess, NOMINATION, "revoked"):
        abort(410, description=_("This award was revoked."))
    if not nominees.awards_itself(sess, nomination):  # its list's names have their own
        abort(404)
    signed = docs.certificate_of(sess, nomination.id or 0)
    if signed is not None:  # signed by the decision's signatory when the decision was
        return stored_pdf(signed, f"certificate-{nomination.id}", public=True)
    body = decisions.body_of(sess, decision.council_id)  # the council whose decision it is
    pdf, _page, _box = docs.render_certificate(sess, nomination, decision, body)
    return pdf_response(pdf, f"certificate-{nomination.id}", public=True)

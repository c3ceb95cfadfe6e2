"""Nomination pages: the block's ranking with eligibility and proposals, the list of
nominations, and one nomination with its votes, dossier, signed forms and steps."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as WResponse

from wflow import db
from wflow.awards import catalogue as awards
from wflow.awards import decisions, forms, levels, proposals
from wflow.awards import documents as docs
from wflow.awards import nominations as noms
from wflow.awards.blueprint import bp
from wflow.awards.campaign_dossiers import campaign_of
from wflow.awards.forms import (
    DossierForm,
    ProposeForm,
    ReasonForm,
    ReferForm,
    SubmitDossierForm,
    VoteForm,
    WrittenVoteForm,
)
from wflow.awards.models import Award, CouncilSession, Decision, Nomination
from wflow.clock import utcnow
from wflow.core import subjects
from wflow.core import workflow as wf
from wflow.core.access import Action, current_year, may
from wflow.core.errors import WrongPassword
from wflow.org.models import Block, Unit
from wflow.pacts.models import Document
from wflow.scoreboard.service import year_ranking
from wflow.web import formats
from wflow.web.args import arg_int, arg_year
from wflow.web.downloads import pdf_response, stored_pdf
from wflow.web.forms import EmptyForm, form_error
from wflow.web.guard import ensure, load_or_404, user, visible
from wflow.web.lists import export, matches, wanted_format
from wflow.workflow_setup import engine

REASON_TRIGGERS = ("return_dossier", "return_proposal", "reject", "revoke", "withdraw")
PLAIN_TRIGGERS = ("open_block_vote", "start_review")


def _back(nomination: Nomination) -> WResponse:
    return redirect(url_for("nomination.show", nomination_id=nomination.id), 303)


# --- the block's year: ranking, eligibility, proposals -----------------------------------


@bp.route("/blocks/<int:block_id>/nominations", methods=["GET", "POST"])
@login_required
def block(block_id: int) -> str | WResponse:
    """The block's year-end ranking with each award's eligibility; propose (GET / POST)."""
    blk = load_or_404(Block, block_id)
    year = arg_year() or current_year()
    ensure(Action.VIEW, block_id=block_id, year=year)
    sess, me = db.session(), user()
    # the awards of the block's council's level, and those above it, which it proposes up
    catalogue = [a for a in awards.catalogue(sess, active_only=True, nominee="unit")
                 if not levels.below_council(sess, a, blk.council_id)]  # fmt: skip
    ranking = year_ranking(sess, block_id, year)
    form = ProposeForm()
    form.unit_id.choices = [(r.unit_id, r.unit_name) for r in ranking]
    form.award_id.choices = [(a.id or 0, _award_choice(a, blk)) for a in catalogue]
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        created = noms.propose(
            sess,
            engine(),
            user=me,
            block_id=block_id,
            year=year,
            unit_id=form.unit_id.data or 0,
            award_id=form.award_id.data or 0,
        )
        flash(_("The nomination was proposed."), "success")
        return _back(created)
    rows = noms.nominations_of_block(sess, block_id, year)
    states = subjects.states(sess, rows)
    units, _blocks, award_map = noms.names(sess, rows)
    known = noms.standing(sess, block_id, year, ranking)  # read once for every unit and award
    eligibility = {
        (r.unit_id, a.id): noms.ineligible(sess, a, r.unit_id, block_id, year, known=known)
        for r in ranking
        for a in catalogue
    }
    proposer = any(
        noms.may_propose(sess, me, a, r.unit_id, block_id, year) for a in catalogue for r in ranking
    )
    return render_template(
        "nomination/block.html",
        block=blk,
        year=year,
        ranking=ranking,
        awards=catalogue,
        eligibility=eligibility,
        rows=rows,
        states=states,
        units=units,
        award_map=award_map,
        form=form,
        proposer=proposer,
        defn=engine().definition(noms.WORKFLOW),
    )


def _award_choice(award: Award, blk: Block) -> str:
    """Name an award to propose, and the council above that decides it when not the block's."""
    decider = levels.deciding_council(db.session(), award, blk.council_id)
    if decider is None or decider.id == blk.council_id:
        return award.name
    return _("%(award)s (decided by %(council)s)", award=award.name, council=decider.name)


@bp.route("/nominations")
@login_required
def index() -> str | WResponse:
    """Every nomination the user may see, filtered by year, state, block and text; export."""
    sess, me = db.session(), user()
    year = arg_year()
    state, q = request.args.get("state", ""), request.args.get("q", "")
    rows = subjects.visible(sess, me, noms.all_nominations(sess, year))
    states = subjects.states(sess, rows)
    units, blocks, award_map = noms.names(sess, rows)
    grounds = noms.grounds(sess, rows)
    ground = request.args.get("ground", "")  # "campaign", "ranking" or "" (both)
    rows = [
        n
        for n in rows
        if (not state or states.get(n.id or 0) == state)
        and (not ground or (ground == "campaign") == (n.campaign_id is not None))
        and matches(
            q,
            units[n.unit_id].name,
            blocks[n.block_id].name,
            award_map[n.award_id].name,
            grounds[n.id],
        )
    ]
    fmt = wanted_format()
    if fmt:
        data = [
            {
                "id": n.id,
                "year": n.year,
                "block": blocks[n.block_id].name,
                "unit": units[n.unit_id].name,
                "award": award_map[n.award_id].name,
                "for": grounds[n.id] or _("Year-end ranking"),
                "rank": n.rank,
                "total": str(n.total),
                "state": states.get(n.id or 0, ""),
            }
            for n in rows
        ]
        cols = [
            ("id", "#"),
            ("year", _("Year")),
            ("block", _("Block")),
            ("unit", _("Unit")),
            ("award", _("Award")),
            ("for", _("For")),
            ("rank", _("Rank")),
            ("total", _("Total")),
            ("state", _("State")),
        ]
        return export(fmt, "nominations", cols, data)
    return render_template(
        "nomination/list.html",
        rows=rows,
        states=states,
        units=units,
        blocks=blocks,
        award_map=award_map,
        grounds=grounds,
        args=request.args,
        defn=engine().definition(noms.WORKFLOW),
    )


# --- one nomination ----------------------------------------------------------------------


@bp.route("/nominations/<int:nomination_id>")
@login_required
def show(nomination_id: int, submit_form: SubmitDossierForm | None = None) -> str:
    """A nomination: state, votes (turnout, then tally), dossier, what the user may do."""
    nomination = visible(Nomination, nomination_id)
    sess, me = db.session(), user()
    found = wf.view(sess, engine(), me, nomination.instance_id or 0)
    state = found.row.state
    editable = state in subjects.tagged(sess, noms.WORKFLOW, "editable")  # the dossier
    decided = state in subjects.tagged(sess, noms.WORKFLOW, "decided")
    dossier = DossierForm(formdata=None, obj=nomination)
    if editable:
        defaults = docs.default_texts(sess, nomination)
        for key, text in defaults.items():
            if not getattr(nomination, key):
                getattr(dossier, key).data = text
    refer = ReferForm(formdata=None)
    refer.session_id.choices = [
        (s.id or 0, f"{s.title} ({formats.local_date(s.held_on)})")
        for s in decisions.open_sessions(sess, nomination.year, found.row.council_id)
    ]
    # a block's dossier goes back to the block; a lower council's proposal, to that council
    hidden = "return_dossier" if nomination.proposed_from_id else "return_proposal"
    names = _open_names(nomination, state)
    written: WrittenVoteForm | forms.PaperForm = WrittenVoteForm(formdata=None)
    if names:
        written = forms.paper(names, forms.WrittenPaperForm, formdata=None)
    written.member_id.choices = noms.absent_members(sess, nomination)
    leader = docs.leader_unit(sess, nomination)
    return render_template(
        "nomination/show.html",
        nomination=nomination,
        row=found.row,
        defn=found.definition,
        triggers=found.triggers,
        state=state,
        editable=editable,
        examining=state in subjects.tagged(sess, noms.WORKFLOW, "examining"),
        certified=decided and state not in subjects.tagged(sess, noms.WORKFLOW, "revoked"),
        unit=sess.get(Unit, nomination.unit_id),
        block=sess.get(Block, nomination.block_id),
        award=sess.get(Award, nomination.award_id),
        votes=noms.votes(sess, me, nomination),
        may_vote=noms.may_vote(sess, engine(), me, nomination),
        vote_form=forms.paper(names, formdata=None) if names else VoteForm(formdata=None),
        paper=bool(names),
        written_form=written,
        may_write=noms.open_vote(sess, state) == "council" and "secretariat" in me.roles,
        may_edit=editable
        and may(sess, me, Action.ACT, block_id=nomination.block_id, year=nomination.year),
        may_submit="submit_dossier" in found.triggers,
        dossier=dossier,
        submit_form=submit_form or SubmitDossierForm(formdata=None),
        reason_form=ReasonForm(formdata=None),
        refer_form=refer,
        plain=[t for t in found.triggers if t in PLAIN_TRIGGERS],
        reasoned=[t for t in found.triggers if t in REASON_TRIGGERS and t != hidden],
        journey=proposals.journey(sess, engine(), nomination, current_user.locale or "vi"),
        goes_up=levels.council_above(sess, found.row.council_id)
        if state in subjects.tagged(sess, noms.WORKFLOW, "approved")
        and not levels.decides_here(sess, nomination)
        else None,
        may_close=any(t.endswith(("_approved", "_rejected")) for t in found.triggers),
        may_refer="refer_to_council" in found.triggers,
        leader=leader,
        documents=docs.dossier_documents(sess, nomination),
        kinds=docs.TITLES,
        council_session=sess.get(CouncilSession, nomination.session_id)
        if nomination.session_id
        else None,
        decision=sess.get(Decision, nomination.decision_id) if nomination.decision_id else None,
        campaign=campaign_of(sess, nomination),
    )


def _state(nomination: Nomination) -> str:
    """Return the nomination's workflow state now."""
    return subjects.state(db.session(), nomination)


def _open_names(nomination: Nomination, state: str) -> list[tuple[int, str]]:
    """Return the (nominee id, name) of the open vote's ballot paper; [] for a single choice."""
    which = noms.open_vote(db.session(), state)
    if which is None:
        return []
    return [(n.id, f"{n.name} — {n.award}") for n in noms.ballot_names(db.session(), nomination,
                                                                       which)]  # fmt: skip


def _receipt_message(done: str, receipt: str | None) -> str:
    """Say a ballot was recorded and give its receipt, to check it once the vote is closed."""
    if receipt is None:
        return done
    code = noms.show_receipt(receipt)
    return (
        done
        + " "
        + _(
            "Receipt: %(code)s. Note it: once the vote is closed, the list of ballots shows it"
            " with the vote it holds.",
            code=code,
        )
    )


@bp.route("/nominations/<int:nomination_id>/vote", methods=["POST"])
@login_required
def vote(nomination_id: int) -> WResponse:
    """Cast the user's ballot (a member unit's head, a council member)."""
    nomination = visible(Nomination, nomination_id)
    names = _open_names(nomination, _state(nomination))
    if names:
        paper = forms.paper(names)
        if not paper.validate_on_submit():
            abort(422, description=_("Vote yes, no or abstain for every name on the ballot "
                                     "paper."))  # fmt: skip
        done = noms.cast_vote(db.session(), engine(), user=user(), nomination=nomination,
                              paper=paper.picks())  # fmt: skip
    else:
        form = VoteForm()
        if not form.validate_on_submit():
            abort(422, description=_("Vote yes, no or abstain."))
        done = noms.cast_vote(db.session(), engine(), user=user(), nomination=nomination,
                              choice=form.choice.data or "")  # fmt: skip
    flash(_receipt_message(_("Your vote was recorded. It stays secret."), done.receipt), "success")
    return _back(nomination)


@bp.route("/nominations/<int:nomination_id>/written-vote", methods=["POST"])
@login_required
def written_vote(nomination_id: int) -> WResponse:
    """Enter an absent council member's written ballot (the secretariat)."""
    nomination = visible(Nomination, nomination_id)
    names = _open_names(nomination, _state(nomination))
    form = forms.paper(names, forms.WrittenPaperForm) if names else WrittenVoteForm()
    form.member_id.choices = noms.absent_members(db.session(), nomination)
    if not form.validate_on_submit():
        abort(422, description=_("Choose an absent member and the vote."))
    choice = form.choice.data if isinstance(form, WrittenVoteForm) else None
    done = noms.record_written_vote(
        db.session(),
        engine(),
        user=user(),
        nomination=nomination,
        member_id=form.member_id.data or 0,
        choice=choice,
        paper=form.picks() if isinstance(form, forms.PaperForm) else None,
    )
    flash(_receipt_message(_("The written ballot was recorded."), done.receipt), "success")
    return _back(nomination)


@bp.route("/nominations/<int:nomination_id>/close", methods=["POST"])
@login_required
def close(nomination_id: int) -> WResponse:
    """Close the open vote and record its result (the block's leader; the secretariat)."""
    nomination = visible(Nomination, nomination_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    result = noms.close_vote(
        db.session(),
        engine(),
        user=user(),
        nomination=nomination,
        expected_version=arg_int("expected_version"),
    )
    flash(
        _(
            "The vote is closed: %(result)s.",
            result=engine()
            .definition(noms.WORKFLOW)
            .states[result.state]
            .label.get(current_user.locale or "vi"),
        ),
        "success",
    )
    return _back(nomination)


@bp.route("/nominations/<int:nomination_id>/dossier", methods=["POST"])
@login_required
def dossier(nomination_id: int) -> WResponse:
    """Save the dossier's texts before submission (the block's leading unit)."""
    nomination = visible(Nomination, nomination_id)
    form = DossierForm()
    if not form.validate_on_submit():
        abort(422, description="; ".join(e for errs in form.errors.values() for e in errs))
    noms.save_dossier(
        db.session(),
        user=user(),
        nomination=nomination,
        cover_letter=form.cover_letter.data or "",
        achievements=form.achievements.data or "",
        minutes=form.minutes.data or "",
    )
    flash(_("The dossier was saved."), "success")
    return _back(nomination)


@bp.route("/nominations/<int:nomination_id>/submit", methods=["POST"])
@login_required
def submit(nomination_id: int) -> WResponse | tuple[str, int]:
    """Sign the dossier's forms with the leading unit's key and submit it (its head).

    A missing or wrong password keeps the person on the nomination's page, the form with the
    reason.
    """
    nomination = visible(Nomination, nomination_id)
    form = SubmitDossierForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return show(nomination_id, submit_form=form), 422
    try:
        noms.submit_dossier(
            db.session(),
            engine(),
            user=user(),
            nomination=nomination,
            password=form.password.data or "",
            code=request.form.get("code", ""),
            address=request.remote_addr,
        )
    except WrongPassword as exc:
        form_error(form, exc)
        return show(nomination_id, submit_form=form), exc.status
    flash(_("The dossier was signed and submitted."), "success")
    return _back(nomination)


@bp.route("/nominations/<int:nomination_id>/fire", methods=["POST"])
@login_required
def fire(nomination_id: int) -> WResponse:
    """Open the vote, accept, return, refer, reject, revoke or withdraw (with a reason)."""
    nomination = visible(Nomination, nomination_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    trigger = request.form.get("trigger", "")
    if trigger not in (*PLAIN_TRIGGERS, *REASON_TRIGGERS, "refer_to_council"):
        abort(404, description=_("Unknown action."))
    data: dict[str, str] = {}
    if trigger in REASON_TRIGGERS:
        data["reason"] = request.form.get("reason", "").strip()
    if trigger == "refer_to_council":
        data["session_id"] = request.form.get("session_id", "").strip()
    subjects.fire(
        db.session(),
        engine(),
        user=user(),
        subject=nomination,
        trigger=trigger,
        data=data,
        expected_version=arg_int("expected_version"),
    )
    flash(_("Done."), "success")
    return _back(nomination)


@bp.route("/nominations/<int:nomination_id>/preview/<kind>.pdf")
@login_required
def preview(nomination_id: int, kind: str) -> Response:
    """A draft of one dossier form as it would be signed now (not stored, not signed)."""
    nomination = visible(Nomination, nomination_id)
    if kind not in docs.DOSSIER_KINDS:
        abort(404)
    pdf, _page, _box = docs.render_dossier_form(
        db.session(), nomination, kind, utcnow().date(), draft=_("DRAFT")
    )
    return pdf_response(pdf, f"nomination-{nomination.id}-{kind}-draft")


@bp.route("/nominations/<int:nomination_id>/documents/<int:document_id>.pdf")
@login_required
def document(nomination_id: int, document_id: int) -> Response:
    """Download a signed form of the dossier."""
    nomination = visible(Nomination, nomination_id)
    doc = load_or_404(Document, document_id)
    if doc.nomination_id != nomination.id:
        abort(404)
    return stored_pdf(doc, f"nomination-{nomination.id}-{doc.kind}-{doc.id}")

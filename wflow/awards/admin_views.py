"""Admin pages of the award catalogue (types, rules, prize multiples) and the base salary."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from wflow import db
from wflow.awards import catalogue as awards
from wflow.awards import prerequisites as prereq
from wflow.awards.forms import LEVELS, AwardForm, SettingsForm
from wflow.awards.models import Award
from wflow.core.access import Action
from wflow.core.errors import ServiceError
from wflow.councils import service as councils
from wflow.web.guard import ensure, load_or_404, user
from wflow.web.lists import export, wanted_format

bp = Blueprint("award_admin", __name__, url_prefix="/admin")

Page = str | Response | tuple[str, int]


@bp.before_request
@login_required
def _admins_only() -> None:
    ensure(Action.ADMIN)


@bp.route("/awards")
def awards_list() -> Page:
    """The award catalogue; export as CSV or XLSX."""
    rows = awards.catalogue(db.session())
    fmt = wanted_format()
    if fmt:
        data = [
            {
                "code": a.code,
                "name": a.name,
                "level": a.level,
                "max_rank": a.max_rank,
                "min_score": a.min_score_percent,
                "block": f"{a.block_threshold} ({a.block_of})",
                "council": f"{a.council_threshold} ({a.council_of})",
                "prize": str(a.prize_multiple),
                "active": a.active,
            }
            for a in rows
        ]
        cols = [
            ("code", _("Code")),
            ("name", _("Name")),
            ("level", _("Level")),
            ("max_rank", _("Rank needed")),
            ("min_score", _("Score needed (%)")),
            ("block", _("Block vote")),
            ("council", _("Council vote")),
            ("prize", _("Prize (× base salary)")),
            ("active", _("Granted")),
        ]
        return export(fmt, "awards", cols, data)
    needs = {a.id: prereq.as_text(a.prerequisites).replace("\n", "; ") for a in rows}
    return render_template(
        "admin/awards.html",
        rows=rows,
        salary=awards.base_salary(db.session()),
        needs=needs,
        levels=dict(LEVELS),
    )


def _raw(form: AwardForm) -> dict[str, Any]:
    return {name: field.data for name, field in form._fields.items() if name != "csrf_token"}


def _edit(award: Award | None) -> Page:
    form = AwardForm(obj=award)
    if award is None and request.method == "GET":
        form.proposers.data = ["block_leader"]
        form.block_threshold.data = form.block_quorum.data = "2/3"
        form.council_threshold.data = form.council_quorum.data = "2/3"
        form.block_of.data, form.council_of.data = "present", "all"
    if award is not None and request.method == "GET":
        form.min_score_percent.data = str(award.min_score_percent or "")
        form.prize_multiple.data = str(award.prize_multiple)
        form.prerequisites.data = prereq.as_text(award.prerequisites)
    status = 200
    if form.validate_on_submit():
        try:
            saved = awards.save_award(db.session(), award, _raw(form))
        except ServiceError as exc:
            field = getattr(form, exc.field or "", None)
            if field is not None:
                field.errors = [*field.errors, str(exc.message)]
            flash(str(exc.message), "error")
            status = exc.status
        else:
            flash(_("Award %(name)s saved.", name=saved.name), "success")
            return redirect(url_for("award_admin.awards_list"))
    elif request.method == "POST":
        status = 422
    return render_template("admin/award_form.html", form=form, award=award), status


@bp.route("/awards/new", methods=["GET", "POST"])
def award_new() -> Page:
    """Add an award type."""
    return _edit(None)


@bp.route("/awards/<int:award_id>", methods=["GET", "POST"])
def award_edit(award_id: int) -> Page:
    """Change an award type (running nominations keep the rules they were proposed with)."""
    return _edit(load_or_404(Award, award_id))


@bp.route("/settings", methods=["GET", "POST"])
def settings() -> Page:
    """The base salary prize money is a multiple of, and the council's signatories."""
    sess = db.session()
    form = SettingsForm()
    body = councils.of_user(sess, user())  # the administrator's council's signatories
    members = [(u.id or 0, u.display_name) for u in awards.council_members(sess, body)]
    form.council_chair.choices = [(0, "—"), *members]
    form.council_vice_chairs.choices = members
    status = 200
    if request.method == "GET":
        form.base_salary.data = str(awards.base_salary(sess))
        chair = awards.council_chair(sess, body)
        form.council_chair.data = chair.id if chair is not None else 0
        form.council_vice_chairs.data = [u.id or 0 for u in awards.council_vice_chairs(sess, body)]
    elif form.validate_on_submit():
        try:
            chair = form.council_chair.data or None
            awards.save_settings(sess, user(), form.base_salary.data, chair,
                                 list(form.council_vice_chairs.data or []), body)  # fmt: skip
        except ServiceError as exc:
            field = getattr(form, exc.field or "", form.base_salary)
            field.errors = [*field.errors, str(exc.message)]
            status = exc.status
        else:
            flash(_("Settings saved."), "success")
            return redirect(url_for("award_admin.settings"))
    else:
        status = 422
    return render_template("admin/award_settings.html", form=form), status

"""Campaign pages: the list, launching and editing, the campaign with its steps, the summary."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import login_required
from sqlmodel import col, select
from werkzeug.wrappers import Response as WResponse

from wflow import db
from wflow.awards.campaign_dossiers import campaign_awards
from wflow.campaigns import service as campaigns
from wflow.campaigns import summary as summaries
from wflow.campaigns.forms import (
    AUDIENCES,
    EXTRA_TARGETS,
    KINDS,
    CampaignForm,
    fields_of,
    figures_form,
)
from wflow.campaigns.models import Audience, Campaign, CampaignCheckpoint, FigureKind
from wflow.campaigns.subject import sees_all
from wflow.core import subjects
from wflow.core import workflow as wf
from wflow.core.errors import ServiceError
from wflow.councils import service as councils
from wflow.i18n import state_name
from wflow.org.models import Block, Unit, User
from wflow.web import charts, formats
from wflow.web.forms import EmptyForm
from wflow.web.guard import user, visible
from wflow.web.lists import export, filter_periods, matches, wanted_format
from wflow.workflow_setup import engine

bp = Blueprint("campaign", __name__)
REASON_TRIGGERS = ("cancel",)  # the step asks for a reason
FIRE_TRIGGERS = ("open_registration", "begin", "end_window", "close", *REASON_TRIGGERS)
STATUSES = ("registered", "not_registered", "reported", "not_reported", "all_met")


def num(value: Decimal | None) -> str:
    """Return a figure as people of the page's language write it (204.650 in Vietnamese)."""
    return "—" if value is None else formats.number(value, places=2)


def pct(value: int | None) -> str:
    """Return a share of a target as "205 %" (in the page language's style)."""
    return "—" if value is None else formats.percent(value)


@bp.route("/campaigns")
@login_required
def index() -> str | WResponse:
    """List the campaigns the user sees, filtered by year, state and text; export them."""
    sess, me = db.session(), user()
    rows = campaigns.visible_campaigns(sess, me)
    states = subjects.states(sess, rows)
    names = dict(sess.exec(select(Unit.id, Unit.name)).all())
    council = _("The emulation and commendation council")
    launcher = {c.id: names.get(c.unit_id, "") if c.unit_id else council for c in rows}
    rows = filter_periods(rows, states, lambda c: (c.title, c.theme, launcher.get(c.id)))
    defn = engine().definition(campaigns.WORKFLOW)
    fmt = wanted_format()
    if fmt:
        data = [
            {"title": c.title, "kind": str(KINDS.get(c.kind, c.kind)), "launcher": launcher[c.id],
             "starts_on": c.starts_on, "ends_on": c.ends_on,
             "basis": c.basis_number,
             "state": state_name(defn, states.get(c.id or 0, defn.initial))}
            for c in rows
        ]  # fmt: skip
        cols = [("title", _("Title")), ("kind", _("Kind")), ("launcher", _("Launched by")),
                ("starts_on", _("Start date")), ("ends_on", _("End date")),
                ("basis", _("Superior plan")), ("state", _("State"))]  # fmt: skip
        return export(fmt, "campaigns", cols, data)
    return render_template("campaign/list.html", rows=rows, states=states, launcher=launcher,
                           defn=defn, args=request.args, kinds=KINDS,
                           may_launch=campaigns.may_launch(me))  # fmt: skip


# --- launching and editing -----------------------------------------------------------------


def _choices(form: CampaignForm, unit_id: int | None) -> None:
    """Fill the participants' choices: the launching unit's own units, or the whole council."""
    sess = db.session()
    if unit_id is not None:
        units = campaigns.own_units(sess, unit_id)
        form.audience.choices = [
            (Audience.ALL.value, _("My unit and every unit under it")),
            (Audience.UNITS.value, AUDIENCES[Audience.UNITS.value]),
        ]
        form.block_ids.choices, form.block_ids.data = [], []  # a unit's campaign takes no block
    else:
        body = councils.of_user(sess, user())  # the council's own units and blocks
        units = list(sess.exec(select(Unit).where(Unit.council_id == body)
                               .order_by(col(Unit.name))).all())  # fmt: skip
        blocks = sess.exec(select(Block).where(Block.council_id == body)
                           .order_by(col(Block.name))).all()  # fmt: skip
        form.block_ids.choices = [(b.id or 0, b.name) for b in blocks]
    form.unit_ids.choices = [(u.id or 0, u.name) for u in units]
    for i, entry in enumerate(form.checkpoints.entries, start=1):
        entry.label.text = _("Checkpoint %(n)d", n=i)


def _given(form: CampaignForm) -> campaigns.CampaignInput:
    return campaigns.CampaignInput(
        title=form.title.data or "", kind=form.kind.data or "", theme=form.theme.data or "",
        starts_on=form.starts_on.data, ends_on=form.ends_on.data,
        reports_due=form.reports_due.data,
        checkpoints=[e.data for e in form.checkpoints.entries if e.data],
        basis_number=form.basis_number.data or "", basis_date=form.basis_date.data,
        basis_issuer=form.basis_issuer.data or "", description=form.description.data or "",
        criteria=form.criteria.data or "", audience=form.audience.data or "",
        block_ids=list(form.block_ids.data or []), unit_ids=list(form.unit_ids.data or []),
        targets=[campaigns.TargetInput(e.form.title.data or "", e.form.measure.data or "")
                 for e in form.targets.entries],
    )  # fmt: skip


def _form_error(form: Any, exc: ServiceError) -> None:
    """Show a refusal on the field it names (or as a message at the top)."""
    wanted = exc.field or ""
    found = next((f for f in fields_of(form) if f.name == wanted), None)
    if found is not None:
        found.errors = [*[e for e in found.errors or [] if isinstance(e, str)], str(exc.message)]
    else:
        flash(str(exc.message), "error")


def _page(form: CampaignForm, campaign: Campaign | None, status: int = 200) -> tuple[str, int]:
    return render_template("campaign/form.html", form=form, campaign=campaign), status


@bp.route("/campaigns/new", methods=["GET", "POST"])
@login_required
def new() -> WResponse | tuple[str, int]:
    """Launch a campaign: the secretariat for units of the council, a unit for its own people."""
    me = user()
    if not campaigns.may_launch(me):
        abort(403, description=_("Only the secretariat or a unit's people launch a campaign."))
    unit_id = campaigns.launching_unit(me)
    form = CampaignForm()
    if request.method == "GET":
        while len(form.targets.entries) < EXTRA_TARGETS:
            form.targets.append_entry()
        if unit_id is not None:
            form.audience.data = Audience.ALL.value
    _choices(form, unit_id)
    if form.validate_on_submit():
        try:
            campaign = campaigns.launch(db.session(), engine(), user=me, given=_given(form))
        except ServiceError as exc:
            _form_error(form, exc)
            return _page(form, None, exc.status)
        flash(_("The campaign was launched as a draft."), "success")
        return redirect(url_for("campaign.show", campaign_id=campaign.id), 303)
    return _page(form, None, 422 if form.errors else 200)


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@login_required
def edit(campaign_id: int) -> WResponse | tuple[str, int]:
    """Change the draft campaign (its launcher)."""
    campaign = visible(Campaign, campaign_id)
    sess, me = db.session(), user()
    if not campaigns.is_launcher(sess, me, campaign):
        abort(403, description=_("Only the launcher changes the campaign."))
    if subjects.state(sess, campaign) not in engine().tagged(campaigns.WORKFLOW, "editable"):
        abort(409, description=_("The campaign can be changed only as a draft."))
    form = CampaignForm(obj=campaign if request.method == "GET" else None)
    if request.method == "GET":
        _fill(form, campaign)
    _choices(form, campaign.unit_id)
    if form.validate_on_submit():
        try:
            campaigns.update(sess, engine(), user=me, campaign=campaign, given=_given(form))
        except ServiceError as exc:
            _form_error(form, exc)
            return _page(form, campaign, exc.status)
        flash(_("The campaign was saved."), "success")
        return redirect(url_for("campaign.show", campaign_id=campaign.id), 303)
    return _page(form, campaign, 422 if form.errors else 200)


def _fill(form: CampaignForm, campaign: Campaign) -> None:
    """Put the campaign's lists in the form: targets, checkpoints, participants."""
    sess = db.session()
    while form.targets.entries:
        form.targets.pop_entry()
    for t in campaigns.targets(sess, campaign):
        form.targets.append_entry({"title": t.title, "measure": t.measure})
    for _i in range(EXTRA_TARGETS):
        form.targets.append_entry()
    while form.checkpoints.entries:
        form.checkpoints.pop_entry()
    days = [c.day for c in campaigns.checkpoints(sess, campaign)]
    for day in [*days, *[None] * max(1, 3 - len(days))]:
        form.checkpoints.append_entry(day)
    form.block_ids.data = list(campaign.block_ids)
    form.unit_ids.data = [u.id for _p, u in campaigns.participants(sess, campaign)]


# --- the campaign's page -------------------------------------------------------------------


def _back(campaign: Campaign) -> WResponse:
    return redirect(url_for("campaign.show", campaign_id=campaign.id), 303)


@bp.route("/campaigns/<int:campaign_id>")
@login_required
def show(campaign_id: int) -> str:
    """Show a campaign: its window, targets, participants, figures and what one may do."""
    campaign = visible(Campaign, campaign_id)
    sess, me = db.session(), user()
    found = wf.view(sess, engine(), me, campaign.instance_id or 0)
    defn, state = found.definition, found.row.state
    tgts = campaigns.targets(sess, campaign)
    point = campaigns.open_checkpoint(sess, campaign) if defn.has_tag(state, "checkpoint") else None
    everything = sees_all(sess, me, campaign)
    rows = campaigns.participants(sess, campaign)
    blocks = dict(sess.exec(select(Block.id, Block.name)).all())
    return render_template(
        "campaign/show.html", campaign=campaign, row=found.row, defn=defn, targets=tgts,
        checkpoints=campaigns.checkpoints(sess, campaign), point=point, participants=rows,
        blocks=blocks, launcher=campaigns.launcher_name(sess, campaign), kinds=KINDS,
        own=_own_figures(campaign, me, tgts), everything=everything,
        triggers=[t for t in found.triggers if t in FIRE_TRIGGERS],
        reason_triggers=REASON_TRIGGERS,
        may_edit=defn.has_tag(state, "editable") and "open_registration" in found.triggers,
        register_form=figures_form(tgts, formdata=None) if "register" in found.triggers else None,
        report_form=figures_form(tgts, formdata=None) if "report" in found.triggers else None,
        form=EmptyForm(), num=num, pct=pct, **_awards(campaign, me),
    )  # fmt: skip


def _awards(campaign: Campaign, me: User) -> dict[str, Any]:
    """Return what the awards section of the campaign's pages needs."""
    return {"awards": campaign_awards(db.session(), me, campaign), "award_form": EmptyForm(),
            "nomination_defn": engine().definition("nomination")}  # fmt: skip


def _own_figures(campaign: Campaign, me: User, tgts: list[Any]) -> list[tuple[Any, ...]]:
    """Return the user's unit's figures: (target, registered, achieved, share) per target."""
    sess = db.session()
    if me.unit_id is None or not any(
        u.id == me.unit_id for _p, u in campaigns.participants(sess, campaign)
    ):
        return []  # fmt: skip
    registered = campaigns.figures(sess, campaign, FigureKind.REGISTERED)
    achieved = campaigns.figures(sess, campaign, FigureKind.ACHIEVED)
    out = []
    for t in tgts:
        r, a = registered.get((me.unit_id, t.id or 0)), achieved.get((me.unit_id, t.id or 0))
        out.append((t, r, a, summaries.percent(a, r)))
    return out


@bp.route("/campaigns/<int:campaign_id>/fire", methods=["POST"])
@login_required
def fire(campaign_id: int) -> WResponse:
    """Open registration, start now, end the window, close or cancel."""
    campaign = visible(Campaign, campaign_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    trigger = request.form.get("trigger", "")
    if trigger not in FIRE_TRIGGERS:
        abort(404, description=_("Unknown action."))
    expected = request.form.get("expected_version", type=int)
    sess = db.session()
    if trigger == "open_registration":
        campaigns.open_registration(sess, engine(), user=user(), campaign=campaign,
                                    expected_version=expected)  # fmt: skip
    else:
        campaigns.act(sess, engine(), user=user(), campaign=campaign, trigger=trigger,
                      reason=request.form.get("reason", ""), expected_version=expected)  # fmt: skip
    flash(_("Done."), "success")
    return _back(campaign)


def _figures(campaign: Campaign, verb: str) -> str | WResponse | tuple[str, int]:
    """Take a participant's figures (a registration or a report); show refusals on the form."""
    sess, me = db.session(), user()
    tgts = campaigns.targets(sess, campaign)
    form = figures_form(tgts)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        problems = "; ".join(f"{form[k].label.text}: {' '.join(map(str, v))}"
                             for k, v in form.errors.items())  # fmt: skip
        abort(422, description=problems)
    given = {t.id or 0: form[f"t{t.id}"].data for t in tgts}
    do = campaigns.register if verb == "register" else campaigns.report
    try:
        do(sess, engine(), user=me, campaign=campaign, given=given)
    except ServiceError as exc:
        if exc.field and exc.field in form:
            label = form[exc.field].label.text
            abort(exc.status, description=f"{label}: {exc.message}")
        raise
    done = _("Your unit's targets are registered.") if verb == "register" else _(
        "Your unit's results are reported.")  # fmt: skip
    flash(done, "success")
    return _back(campaign)


@bp.route("/campaigns/<int:campaign_id>/register", methods=["POST"])
@login_required
def register(campaign_id: int) -> str | WResponse | tuple[str, int]:
    """Register the user's unit's own figure for every target (a participant, once)."""
    return _figures(visible(Campaign, campaign_id), "register")


@bp.route("/campaigns/<int:campaign_id>/report", methods=["POST"])
@login_required
def report(campaign_id: int) -> str | WResponse | tuple[str, int]:
    """Report what the user's unit achieved per target (at a checkpoint or at the end)."""
    return _figures(visible(Campaign, campaign_id), "report")


# --- the summary ------------------------------------------------------------------------------


def _checkpoint(campaign: Campaign) -> CampaignCheckpoint | None:
    raw = request.args.get("report", "")
    if raw in ("", "final"):
        return None
    found = next((c for c in campaigns.checkpoints(db.session(), campaign) if str(c.id) == raw),
                 None)  # fmt: skip
    if found is None:
        abort(404, description=_("This campaign has no such checkpoint."))
    return found


def _keep(line: summaries.Line, status: str, block: int | None, q: str) -> bool:
    wanted = {
        "registered": line.registered, "not_registered": not line.registered,
        "reported": line.reported, "not_reported": line.registered and not line.reported,
        "all_met": line.reported and line.counted > 0 and line.met == line.counted,
    }  # fmt: skip
    return (
        (not status or wanted.get(status, True))
        and (block is None or line.block_id == block)
        and matches(q, line.name, line.code)
    )


@bp.route("/campaigns/<int:campaign_id>/summary")
@login_required
def summary(campaign_id: int) -> str | WResponse:
    """Show each participant's figures against its targets and the totals; chart; export."""
    campaign = visible(Campaign, campaign_id)
    sess, me = db.session(), user()
    point = _checkpoint(campaign)
    found = summaries.build(sess, campaign, point)
    status = request.args.get("status", "")
    if status and status not in STATUSES:
        abort(400, description=_("Choose a status from the list."))
    block = request.args.get("block", type=int)
    everything = sees_all(sess, me, campaign)
    lines = [line for line in found.lines if (everything or line.unit_id == me.unit_id)
             and _keep(line, status, block, request.args.get("q", ""))]  # fmt: skip
    fmt = wanted_format()
    if fmt:
        return _export(fmt, campaign, found, lines)
    groups = [(_("Total"), _("All participants"), [_share(t.percent) for t in found.totals])]
    groups += [(line.code, line.name, [_share(line.cells[t.id].percent) for t in found.targets])
               for line in lines]  # fmt: skip
    chart = charts.columns(groups, [t.title for t in found.targets], Decimal(100))
    described = "; ".join(
        f"{name}: "
        + ", ".join(f"{t.title} {pct(int(v))}"
                    for t, v in zip(found.targets, values, strict=True) if v is not None)
        for _label, name, values in groups
    )  # fmt: skip
    block_ids = {line.block_id for line in found.lines if line.block_id}
    blocks = dict(sess.exec(select(Block.id, Block.name).where(col(Block.id).in_(block_ids))).all())
    return render_template(
        "campaign/summary.html", campaign=campaign, summary=found, lines=lines, chart=chart,
        described=described or _("No figures yet."), everything=everything, blocks=blocks,
        checkpoints=campaigns.checkpoints(sess, campaign), point=point, args=request.args,
        statuses=STATUSES, num=num, pct=pct, targets={t.id: t for t in found.targets},
        **(_awards(campaign, me) if point is None else {}),
    )  # fmt: skip


def _share(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _export(fmt: str, campaign: Campaign, found: summaries.Summary,
            lines: list[summaries.Line]) -> WResponse:  # fmt: skip
    cols = [("unit", _("Participant")), ("code", _("Code")), ("target", _("Target")),
            ("measure", _("Unit of measure")), ("registered", pgettext("figure", "Registered")),
            ("achieved", _("Achieved")), ("percent", _("Share of the target (percent)")),
            ("met", _("Met"))]  # fmt: skip
    yes, no = _("yes"), _("no")
    rows: list[dict[str, Any]] = []
    for line in lines:
        for t in found.targets:
            cell = line.cells[t.id]
            rows.append({"unit": line.name, "code": line.code, "target": t.title,
                         "measure": t.measure, "registered": _number(cell.registered),
                         "achieved": _number(cell.achieved), "percent": cell.percent,
                         "met": (yes if cell.met else no) if cell.counted else ""})  # fmt: skip
    for t, total in zip(found.targets, found.totals, strict=True):
        rows.append({"unit": _("Total"), "code": "", "target": t.title, "measure": t.measure,
                     "registered": _number(total.registered), "achieved": _number(total.achieved),
                     "percent": total.percent, "met": ""})  # fmt: skip
    suffix = f"-{found.checkpoint}" if found.checkpoint else ""
    return export(fmt, f"campaign-{campaign.id}-summary{suffix}", cols, rows)


def _number(value: Decimal | None) -> int | float | None:
    """Return a figure as a spreadsheet number: an int when whole."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)

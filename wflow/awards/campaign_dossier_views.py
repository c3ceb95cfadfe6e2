"""A closed campaign's award dossiers: open one for a participant from the campaign's page."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response as WResponse

from wflow import db
from wflow.awards import campaign_dossiers as dossiers
from wflow.awards.blueprint import bp
from wflow.campaigns.models import Campaign
from wflow.web.forms import EmptyForm
from wflow.web.guard import user, visible
from wflow.workflow_setup import engine


@bp.route("/campaigns/<int:campaign_id>/dossiers", methods=["POST"])
@login_required
def open_campaign_dossier(campaign_id: int) -> WResponse:
    """Open a dossier for a participant's results in the closed campaign (its head, its leader)."""
    campaign = visible(Campaign, campaign_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    unit_id = request.form.get("unit_id", type=int)
    award_id = request.form.get("award_id", type=int)
    if not unit_id or not award_id:
        abort(422, description=_("Choose the participant and the award."))
    created = dossiers.propose(db.session(), engine(), user=user(), campaign=campaign,
                               unit_id=unit_id, award_id=award_id)  # fmt: skip
    flash(_("The dossier for this campaign was opened."), "success")
    return redirect(url_for("nomination.show", nomination_id=created.id), 303)

"""The features of wflow in the order of the year: the blueprints each one adds to the app."""

from __future__ import annotations

from flask import Blueprint, Flask

from wflow.accounts import second_factor_views, token_views
from wflow.accounts import views as accounts_views
from wflow.adhoc import views as adhoc_views
from wflow.awards import admin_views as award_admin
from wflow.awards import blueprint as award_pages
from wflow.awards import (
    campaign_dossier_views,
    nomination_views,
    nominee_views,
    register_views,
    session_views,
)
from wflow.campaigns import views as campaign_views
from wflow.committee import views as committee_views
from wflow.initiatives import views as initiative_views
from wflow.inspections import views as inspection_views
from wflow.instances import views as instance_views
from wflow.notifications import views as notification_views
from wflow.org import admin_views as org_admin
from wflow.org import signer_views
from wflow.org import views as org_views
from wflow.pacts import views as pact_views
from wflow.people import registration_views as person_registration_views
from wflow.people import views as people_views
from wflow.plans import more_views as plan_more_views
from wflow.plans import views as plan_views
from wflow.programmes import views as programme_views
from wflow.reviews import views as review_views
from wflow.scoreboard import views as scoreboard_views
from wflow.signatures import own_key_views
from wflow.signatures import views as signature_views
from wflow.statistics import views as statistics_views
from wflow.summary import views as summary_views
from wflow.titles import views as title_views
from wflow.web import branding
from wflow.yearturn import views as yearturn_views

BLUEPRINTS: tuple[Blueprint, ...] = (
    accounts_views.bp,
    org_views.bp,
    org_admin.bp,
    signer_views.bp,
    own_key_views.bp,
    branding.bp,
    people_views.bp,
    initiative_views.bp,
    title_views.bp,
    instance_views.bp,
    token_views.bp,
    second_factor_views.bp,
    plan_views.bp,
    signature_views.bp,
    pact_views.bp,
    programme_views.bp,
    campaign_views.bp,
    notification_views.bp,
    committee_views.bp,
    statistics_views.bp,
    scoreboard_views.bp,
    review_views.bp,
    award_pages.bp,
    award_admin.bp,
    adhoc_views.bp,
    inspection_views.bp,
    summary_views.bp,
    yearturn_views.bp,
)
assert plan_more_views.bp is plan_views.bp  # the plan's second page module adds to one blueprint
assert person_registration_views.bp is people_views.bp  # registrations add to the people pages
# The nomination, council session and register pages add their routes to one blueprint.
assert nomination_views.bp is session_views.bp is register_views.bp is award_pages.bp
assert nominee_views.bp is campaign_dossier_views.bp is award_pages.bp


def init_app(app: Flask) -> None:
    """Register every feature's blueprint."""
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)

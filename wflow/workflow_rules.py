"""Every name the definitions in workflows/ use, and every subject kind, from all features."""

from __future__ import annotations

from wflow.adhoc import rules as adhoc_rules
from wflow.adhoc.subject import ADHOC
from wflow.awards import rules as award_rules
from wflow.awards.decision_subject import AWARD_DECISION
from wflow.awards.subject import NOMINATION
from wflow.campaigns import rules as campaign_rules
from wflow.campaigns.subject import CAMPAIGN
from wflow.core import registry as org_rules
from wflow.engine import Registry
from wflow.inspections import rules as inspection_rules
from wflow.inspections.subject import INSPECTION
from wflow.notifications import service as notifications
from wflow.pacts import rules as pact_rules
from wflow.pacts.subject import PACT
from wflow.plans import rules as plan_rules
from wflow.plans.subject import PLAN
from wflow.programmes import rules as programme_rules
from wflow.programmes.subject import PROGRAMME
from wflow.reviews import rules as review_rules
from wflow.reviews.subject import REVIEW

# registered on import; listed for the reader
SUBJECTS = (PLAN, PACT, REVIEW, NOMINATION, AWARD_DECISION, PROGRAMME, CAMPAIGN, ADHOC, INSPECTION)

REGISTRARS = (
    org_rules.register,
    plan_rules.register,
    pact_rules.register,
    review_rules.register,
    award_rules.register,
    programme_rules.register,
    campaign_rules.register,
    adhoc_rules.register,
    inspection_rules.register,
    notifications.register,
)


def build_registry() -> Registry:
    """Return a registry with every role, resolver, guard, effect and hook the YAML names."""
    reg = Registry()
    for register in REGISTRARS:
        register(reg)
    return reg

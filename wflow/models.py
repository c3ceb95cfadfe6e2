"""Every table of wflow; importing this registers them all on SQLModel's metadata (Alembic)."""

from wflow.accounts.models import ApiToken
from wflow.awards.models import Award, CouncilSession, Decision, Nomination, Setting
from wflow.notifications.models import Notification
from wflow.org.models import Block, BlockMembership, Unit, User
from wflow.pacts.models import Document, Pact
from wflow.plans.models import (
    Criterion,
    CriterionGroup,
    Plan,
    PlanComment,
    PlanRevision,
    Registration,
    RegistrationTarget,
)
from wflow.programmes.models import Programme, ProgrammeParty, ProgrammeReview
from wflow.reviews.models import Review, ReviewEvidence, ReviewScore
from wflow.signatures.models import UnitCertificate

TABLES = (
    ApiToken, Award, CouncilSession, Decision, Nomination, Setting, Notification, Block,
    BlockMembership, Unit, User, Document, Pact, Criterion, CriterionGroup, Plan, PlanComment,
    PlanRevision, Programme, ProgrammeParty, ProgrammeReview, Registration, RegistrationTarget,
    Review, ReviewEvidence, ReviewScore,
    UnitCertificate,
)  # fmt: skip

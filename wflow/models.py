"""Every table of wflow; importing this registers them all on SQLModel's metadata (Alembic)."""

from wflow.accounts.models import ApiToken, LoginThrottle
from wflow.adhoc.models import AdhocAward
from wflow.awards.models import (
    Award,
    CouncilSession,
    Decision,
    DossierNominee,
    Nomination,
    Setting,
)
from wflow.campaigns.models import (
    Campaign,
    CampaignCheckpoint,
    CampaignFigure,
    CampaignParticipant,
    CampaignTarget,
)
from wflow.initiatives.models import Initiative, InitiativeAuthor
from wflow.inspections.models import Inspection, Recommendation
from wflow.notifications.models import Notification
from wflow.ops.models import AuditAlert, AuditRun
from wflow.org.models import AccessEpoch, Block, BlockMembership, Unit, User
from wflow.pacts.models import Document, Pact
from wflow.people.models import Person, PersonPosting, TitleRegistration
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
from wflow.signatures.models import TrustRoot, UnitCertificate
from wflow.summary.models import SummaryReport
from wflow.titles.models import PersonTitle, TitleDecision
from wflow.yearturn.models import BlockRotation, LeadershipElection

TABLES = (
    ApiToken, AuditAlert, AuditRun, Award, CouncilSession, Decision, Nomination, Setting,
    Notification, Block, BlockMembership, Unit, User, Document, Pact, Criterion, CriterionGroup,
    Plan, PlanComment, PlanRevision, Programme, ProgrammeParty, ProgrammeReview, Registration,
    RegistrationTarget, Review, ReviewEvidence, ReviewScore, UnitCertificate, LoginThrottle,
    Person, PersonPosting, TitleRegistration, Initiative, InitiativeAuthor,
    Campaign, CampaignCheckpoint, CampaignFigure, CampaignParticipant, CampaignTarget,
    TitleDecision, PersonTitle, AdhocAward, DossierNominee, TrustRoot, SummaryReport,
    BlockRotation, LeadershipElection, Inspection, Recommendation, AccessEpoch,
)  # fmt: skip

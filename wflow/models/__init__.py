"""SQLModel tables, one module per aggregate; importing this registers them all."""

from wflow.models.award import Award, CouncilSession, Decision, Nomination, Setting  # noqa: F401
from wflow.models.notification import Notification, NotificationKind  # noqa: F401
from wflow.models.org import Block, BlockMembership, Position, Role, Unit, UnitKind, User
from wflow.models.pact import Document, Pact  # noqa: F401
from wflow.models.pki import CertificateSource, UnitCertificate  # noqa: F401
from wflow.models.plan import (  # noqa: F401
    Criterion,
    CriterionGroup,
    Plan,
    PlanComment,
    PlanRevision,
    Registration,
    RegistrationTarget,
)
from wflow.models.review import Review, ReviewEvidence, ReviewScore  # noqa: F401
from wflow.models.token import ApiToken  # noqa: F401

__all__ = ["Block", "BlockMembership", "Position", "Role", "Unit", "UnitKind", "User"]

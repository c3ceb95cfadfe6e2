"""Verbs on summary reports: who sees and issues one, its drafts, and the signed issue.

Who sees a report: the committee (secretariat, council members, administrators) every one;
a block's leading unit (head or staff) its block's; a campaign's launcher (the launching
unit's head or staff, or the committee for the council's campaigns) its campaign's. Who
issues it: the secretariat, with the council's key, any report; the head of the block's
leading unit, or of the campaign's launching unit, its own, with that unit's key. The issued
version is the generated PDF, or the secretariat's edited version (from the DOCX) uploaded
as a PDF; either is signed (PAdES, B-LT) after the signer re-enters the password, and
stored as a document that /verify checks like every other.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.accounts import service as auth
from wflow.campaigns.models import Campaign
from wflow.campaigns.subject import sees_all
from wflow.clock import utcnow
from wflow.core import installation
from wflow.core.access import Action, acts_in, may, oversees
from wflow.core.errors import Conflict, Forbidden, ServiceError
from wflow.core.uow import transactional
from wflow.councils import service as councils
from wflow.documents.verify import BadDocument, Limits, open_pdf
from wflow.engine import Engine
from wflow.org import signers
from wflow.org.models import Block, Role, Unit, UnitKind, User
from wflow.org.service import clean_text
from wflow.pacts.documents import add_document
from wflow.pacts.models import Document
from wflow.signatures import keys
from wflow.summary import documents as docs
from wflow.summary import report as gather
from wflow.summary.models import ReportScope, ReportSource, SummaryReport

DOCUMENT_KIND = "summary_report"
SIGN_FIELD = "issuer"
UPLOAD_MAX_BYTES = 20 * 1024 * 1024  # an edited report, exported to PDF
COUNCIL_NUMBER_CODE = "HĐTĐKT"  # as the council's decisions are numbered


@dataclass(frozen=True)
class Subject:
    """What a report is about: the council's year, a block's year, or a campaign."""

    scope: ReportScope
    year: int
    block: Block | None = None
    campaign: Campaign | None = None
    council_id: int | None = None  # the council whose year it reports (None: the first)


def council_year(year: int, council_id: int | None = None) -> Subject:
    """Return the subject of a council's report of `year` (None: the first council's)."""
    return Subject(ReportScope.COUNCIL, year, council_id=council_id)


def block_year(block: Block, year: int) -> Subject:
    """Return the subject of a block's report of `year`."""
    return Subject(ReportScope.BLOCK, year, block=block)


def of_campaign(campaign: Campaign) -> Subject:
    """Return the subject of a campaign's report."""
    return Subject(ReportScope.CAMPAIGN, campaign.year, campaign=campaign)


def subject_of(session: Session, row: SummaryReport) -> Subject:
    """Return the subject an issued report is about."""
    if row.block_id is not None:
        block = session.get(Block, row.block_id)
        assert block is not None
        return block_year(block, row.year)
    if row.campaign_id is not None:
        campaign = session.get(Campaign, row.campaign_id)
        assert campaign is not None
        return of_campaign(campaign)
    return council_year(row.year, row.signed_for_unit_id)  # the council signed it


# --- who may ---------------------------------------------------------------------------------


def may_view(session: Session, user: User | None, subject: Subject) -> bool:
    """Tell whether `user` sees the report (and may download its drafts and issues)."""
    if user is None or not user.is_active:
        return False
    if subject.block is not None and oversees(session, user, subject.block.council_id):
        return True
    if (
        subject.campaign is None
        and subject.block is None
        and oversees(session, user, _council_of(session, subject))
    ):
        return True  # the council's year: its committee, and the committees above it
    if subject.block is not None:
        return may(session, user, Action.ACT, block_id=subject.block.id, year=subject.year)
    if subject.campaign is not None:
        return sees_all(session, user, subject.campaign)
    return False


def owner_unit(session: Session, subject: Subject) -> Unit | None:
    """Return the unit that issues its own report: the block's leader, the launching unit."""
    if subject.block is not None:
        return gather.leader_unit(session, subject.block.id or 0, subject.year)
    if subject.campaign is not None and subject.campaign.unit_id is not None:
        return session.get(Unit, subject.campaign.unit_id)
    return None


def _own_unit(session: Session, user: User, subject: Subject) -> Unit | None:
    """Return the unit issuing its own report when `user` is its head, else None."""
    owner = owner_unit(session, subject)
    if owner is not None and signers.signs_for(session, user, owner.id):
        return owner
    return None


def may_issue(session: Session, user: User | None, subject: Subject) -> bool:
    """Tell whether `user` may issue (sign) the report: the secretariat, the issuer's head."""
    if user is None or not user.is_active:
        return False
    if user.has_role(Role.SECRETARIAT) and acts_in(session, user, _council_of(session, subject)):
        return True
    return _own_unit(session, user, subject) is not None


def _council_of(session: Session, subject: Subject) -> int | None:
    """Return the council the report belongs to: its block's, its campaign's, the first's."""
    if subject.block is not None:
        return subject.block.council_id
    if subject.campaign is not None:
        return subject.campaign.council_id
    if subject.council_id is not None:
        return subject.council_id
    return councils.of_scope(session, None, None)


def signing_unit(session: Session, user: User, subject: Subject) -> Unit | None:
    """Return the unit whose key signs when `user` issues the report (None: may not issue)."""
    if not may_issue(session, user, subject):
        return None
    if user.has_role(Role.SECRETARIAT) and acts_in(session, user, _council_of(session, subject)):
        return session.get(Unit, _council_of(session, subject))  # the council signs
    return _own_unit(session, user, subject)


# --- drafts ----------------------------------------------------------------------------------


def build(session: Session, engine: Engine, subject: Subject) -> gather.Report:
    """Gather the report's content from the data as it stands."""
    if subject.block is not None:
        return gather.for_block(session, engine, subject.block, subject.year)
    if subject.campaign is not None:
        return gather.for_campaign(session, engine, subject.campaign)
    return gather.for_council(session, engine, subject.year, _council_of(session, subject))


def issuer_code(session: Session, subject: Subject, user: User | None = None) -> str:
    """Return the code in the report's number: the council's (the secretariat issues), or the
    issuing unit's."""
    owner = owner_unit(session, subject)
    if owner is None or (user is not None and user.has_role(Role.SECRETARIAT)):
        return COUNCIL_NUMBER_CODE
    return owner.code


def draft_pdf(session: Session, engine: Engine, subject: Subject) -> bytes:
    """Render the report as a draft PDF (no number, marked as a draft)."""
    today = installation.local_date(session, utcnow())
    report = build(session, engine, subject)
    pdf, _page, _box = docs.render_pdf(report, docs.Issue("", today),
                                       issuer_code(session, subject))  # fmt: skip
    return pdf


def draft_docx(session: Session, engine: Engine, subject: Subject) -> bytes:
    """Render the report as a DOCX to edit (no number, marked as a draft)."""
    today = installation.local_date(session, utcnow())
    report = build(session, engine, subject)
    return docs.render_docx(report, docs.Issue("", today), issuer_code(session, subject))


# --- issued reports --------------------------------------------------------------------------


def issued(session: Session, subject: Subject) -> list[SummaryReport]:
    """Return the issued versions of the report, newest first."""
    query = select(SummaryReport).where(
        SummaryReport.scope == subject.scope.value, SummaryReport.year == subject.year
    )
    if subject.block is not None:
        query = query.where(SummaryReport.block_id == subject.block.id)
    if subject.campaign is not None:
        query = query.where(SummaryReport.campaign_id == subject.campaign.id)
    if subject.scope == ReportScope.COUNCIL:  # the council's own, signed with its key
        query = query.where(SummaryReport.signed_for_unit_id == _council_of(session, subject))
    return list(session.exec(query.order_by(col(SummaryReport.id).desc())).all())


def next_number(session: Session, subject: Subject, when: date, user: User) -> str:
    """Propose the next report number of the issuer's year: "NN/BC-<code>"."""
    code = issuer_code(session, subject, user)
    count = session.exec(
        select(sa.func.count()).select_from(SummaryReport).where(
            col(SummaryReport.number).like(f"%/BC-{code}"),
            sa.extract("year", col(SummaryReport.issued_on)) == when.year,
        )
    ).one()  # fmt: skip
    return f"{int(count) + 1:02d}/BC-{code}"


def _taken(session: Session, unit_id: int, number: str, year: int) -> bool:
    query = select(SummaryReport.id).where(
        SummaryReport.signed_for_unit_id == unit_id, SummaryReport.number == number,
        sa.extract("year", col(SummaryReport.issued_on)) == year,
    )  # fmt: skip
    return session.exec(query).first() is not None


def _checked_upload(data: bytes) -> bytes:
    """Return an uploaded PDF once it opens safely, refusing anything else."""
    try:
        open_pdf(data, Limits(max_bytes=UPLOAD_MAX_BYTES))
    except BadDocument as exc:
        raise ServiceError(_l("The file is not a PDF that can be issued: %(why)s", why=str(exc)),
                           "file") from None  # fmt: skip
    return data


@transactional
def issue(
    session: Session,
    engine: Engine,
    *,
    user: User,
    subject: Subject,
    number: str,
    issued_on: date | None,
    password: str,
    code: str = "",
    address: str | None = None,
    upload: bytes | None = None,
) -> SummaryReport:
    """Sign and store the issued report: the generated PDF, or the uploaded edited one."""
    unit = signing_unit(session, user, subject)
    if unit is None:
        raise Forbidden(_l("Only the secretariat or the issuing unit's head issues this report."))
    text = clean_text(number, "number", max_len=50)
    today = installation.local_date(session, utcnow())
    if issued_on is None or not date(subject.year, 1, 1) <= issued_on <= today:
        raise ServiceError(_l("Give the report's date, in or after the year it reports on and "
                              "today at the latest."), "issued_on")  # fmt: skip
    if _taken(session, unit.id or 0, text, issued_on.year):
        raise Conflict(_l("Another report of this issuer has this number."), "number")
    pdf = _checked_upload(upload) if upload else None
    auth.confirm_signer(session, user, password, code=code, address=address)
    reason = f"Ban hành báo cáo số {text}"
    if pdf is None:
        report = build(session, engine, subject)
        by_secretariat = unit.kind == UnitKind.COUNCIL.value
        if by_secretariat:  # the council issues it, whoever drafted it: its header and block
            report = replace(report, issuer=unit.name, issuer_parent="", by_council=True)
        when = docs.Issue(text, issued_on, user.display_name, draft=False,
                          secretariat=by_secretariat)  # fmt: skip
        pdf, page, box = docs.render_pdf(report, when, issuer_code(session, subject, user))
        signed = keys.sign_for_unit(session, user, unit, pdf, SIGN_FIELD, box, page=page,
                                    reason=reason)  # fmt: skip
    else:  # the edited layout is the issuer's: an invisible signature, no box to place
        signed = keys.sign_for_unit(session, user, unit, pdf, SIGN_FIELD, None, reason=reason)
    doc = add_document(session, None, signed, kind=DOCUMENT_KIND, user_id=user.id)
    row = SummaryReport(
        scope=subject.scope.value, year=subject.year,
        block_id=subject.block.id if subject.block else None,
        campaign_id=subject.campaign.id if subject.campaign else None, number=text,
        issued_on=issued_on, document_id=doc.id or 0, signed_for_unit_id=unit.id or 0,
        source=(ReportSource.UPLOADED if upload else ReportSource.GENERATED).value,
        issued_by_user_id=user.id,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def document_of(session: Session, row: SummaryReport) -> Document | None:
    """Return the signed PDF of an issued report."""
    return session.get(Document, row.document_id)

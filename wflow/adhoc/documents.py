"""The ad-hoc award's printable certificate, on the awards' certificate page."""

from __future__ import annotations

from sqlmodel import Session

from wflow.adhoc.models import AdhocAward
from wflow.adhoc.subject import nominee_name
from wflow.awards import decisions as council
from wflow.awards import documents as award_docs
from wflow.awards.models import Award


def certificate_page(session: Session, row: AdhocAward) -> award_docs.CertificatePage:
    """Return the certificate of a decided ad-hoc award: the achievement is its reason."""
    award = session.get(Award, row.award_id)
    assert row.decision_number is not None and row.decision_date is not None
    return award_docs.CertificatePage(
        award=award.name if award else "", nominee=nominee_name(session, row),
        reason=f"Đã có thành tích xuất sắc đột xuất: {row.title}",
        decision_number=row.decision_number, decision_date=row.decision_date,
        register=f"ĐX-{row.id}",
    )  # fmt: skip


def render_certificate(session: Session, row: AdhocAward) -> bytes:
    """Render the printable certificate of a decided ad-hoc award (the decision is signed)."""
    pages = [certificate_page(session, row)]
    return award_docs.render_certificates(council.council_unit(session), pages)[0]

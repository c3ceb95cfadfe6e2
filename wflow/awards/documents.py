"""The award documents: the nomination dossier (Form 01, Form 02, minutes), the decision and
the certificates, rendered from `templates/pdf/` and stored like the pact's documents.

The dossier's forms are generated from the review data and the block vote, with the texts the
leading unit edited; each is signed with the leading unit's key when the dossier is submitted.
The decision is signed with the council's key. Certificates are printed on demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from wflow.awards import levels
from wflow.awards.catalogue import prize
from wflow.awards.models import Award, CouncilSession, Decision, DossierNominee, Nomination
from wflow.awards.signatories import Signatory
from wflow.awards.votes import VoteRule, show
from wflow.campaigns import summary as campaign_summary
from wflow.campaigns.models import Campaign
from wflow.core import subjects
from wflow.documents.render import render_html
from wflow.engine import WfInstance
from wflow.org.models import Block, BlockMembership, Position, Unit
from wflow.pacts.documents import SIGN_BOX_MM, add_document, box_of, html_to_pdf
from wflow.pacts.models import Document
from wflow.people.models import Person
from wflow.plans.models import Criterion, CriterionGroup
from wflow.reviews.models import PERIOD_ORDER, Review, ReviewScore
from wflow.reviews.subject import REVIEW
from wflow.scoreboard.service import plan_of_year, year_ranking

DOSSIER_KINDS = ("form01", "form02", "minutes")
TITLES = {
    "form01": "Tờ trình đề nghị khen thưởng",
    "form02": "Báo cáo thành tích",
    "minutes": "Biên bản họp bình xét thi đua",
    "decision": "Quyết định khen thưởng",
    "certificate": "Giấy chứng nhận khen thưởng",
    "certificates": "Giấy chứng nhận khen thưởng cá nhân",
    "proposal": "Tờ trình của Hội đồng cấp dưới",
}
TEMPLATES = {
    "form01": "pdf/nomination_form01.html",
    "form02": "pdf/nomination_form02.html",
    "minutes": "pdf/nomination_minutes.html",
}
PERIOD_NAMES = {
    "q1": "Quý I",
    "mid_year": "6 tháng đầu năm",
    "q3": "9 tháng",
    "year_end": "Tổng kết năm",
}
SIGN_ANCHOR = "sig-box"
CERTIFICATE_KIND = "certificate"  # a Document's kind: an award certificate, signed
NOMINEES_KIND = "certificates"  # the signed certificates of a dossier's individual nominees
COUNCIL_FIELD = "council"


def field_name(unit_id: int) -> str:
    """Return the signature field of a unit in a dossier form."""
    return f"unit-{unit_id}"


def leader_unit(session: Session, nomination: Nomination) -> Unit | None:
    """Return the unit leading the nomination's block in its year."""
    query = (
        select(Unit)
        .join(BlockMembership, col(BlockMembership.unit_id) == Unit.id)
        .where(
            BlockMembership.block_id == nomination.block_id,
            BlockMembership.year == nomination.year,
            BlockMembership.position == Position.LEADER.value,
        )
    )
    return session.exec(query).first()


def reviews_of(session: Session, nomination: Nomination) -> list[Review]:
    """Return the unit's accepted (or locked) reviews of the year, in the year's order."""
    rows = session.exec(
        select(Review)
        .join(WfInstance, col(WfInstance.id) == Review.instance_id)
        .where(
            Review.unit_id == nomination.unit_id,
            Review.block_id == nomination.block_id,
            Review.year == nomination.year,
            col(WfInstance.state).in_(subjects.tagged(session, REVIEW, "counted")),
        )
    ).all()
    return sorted(rows, key=lambda r: PERIOD_ORDER.get(r.period, 9))


def scores_of(session: Session, review: Review) -> list[dict[str, Any]]:
    """Return the review's criteria with the figures achieved and the scores given."""
    query = (
        select(ReviewScore, Criterion, CriterionGroup)
        .join(Criterion, col(Criterion.id) == ReviewScore.criterion_id)
        .join(CriterionGroup, col(CriterionGroup.id) == Criterion.group_id)
        .where(ReviewScore.review_id == review.id)
        .order_by(col(CriterionGroup.position), col(Criterion.position), col(Criterion.id))
    )
    return [
        {
            "group": g.code,
            "code": c.code,
            "title": c.title,
            "max": c.max_points,
            "achieved": s.achieved,
            "score": s.score,
            "bonus": s.bonus,
        }
        for s, c, g in session.exec(query).all()
    ]


def _tally_text(nomination: Nomination) -> dict[str, Any]:
    tally = nomination.block_tally or {}
    rule = VoteRule.from_json(nomination.block_rule) if nomination.block_rule else None
    return {
        "tally": tally,
        "threshold": show(rule.threshold) if rule else "",
        "quorum": show(rule.quorum) if rule and rule.quorum else "",
        "base": "tổng số thành viên" if rule and rule.of == "all" else "số phiếu biểu quyết",
    }


def default_texts(session: Session, nomination: Nomination) -> dict[str, str]:
    """Return the dossier's texts as first proposed (the leading unit edits them)."""
    unit = session.get(Unit, nomination.unit_id)
    block = session.get(Block, nomination.block_id)
    award = session.get(Award, nomination.award_id)
    name = unit.name if unit else ""
    tally = nomination.block_tally or {}
    return {
        "cover_letter": (
            f"Căn cứ kết quả chấm điểm, xếp hạng thi đua năm {nomination.year} và kết quả bình "
            f"xét của {block.name if block else 'khối'}, khối kính đề nghị Hội đồng Thi đua - "
            f"Khen thưởng xét, trình tặng {award.name if award else ''} cho {name}, đơn vị xếp "
            f"thứ {nomination.rank} với tổng điểm {nomination.total}."
        ),
        "achievements": (
            f"Năm {nomination.year}, {name} đã hoàn thành toàn diện các chỉ tiêu giao ước thi "
            "đua, đạt kết quả nổi bật trong các nội dung được chấm điểm (bảng kèm theo)."
        ),
        "minutes": (
            f"Hội nghị bình xét thi đua năm {nomination.year} có {tally.get('present', 0)}/"
            f"{tally.get('members', 0)} đơn vị thành viên tham dự và biểu quyết bằng phiếu kín."
        ),
    }


@dataclass(frozen=True)
class CampaignResult:
    """A campaign dossier's results: the campaign, its targets and the nominee's figures."""

    campaign: Campaign
    targets: list[campaign_summary.Target]
    line: campaign_summary.Line | None


def campaign_result(session: Session, nomination: Nomination) -> CampaignResult | None:
    """Return the campaign figures a campaign dossier reports (None for the year's ranking)."""
    campaign = session.get(Campaign, nomination.campaign_id) if nomination.campaign_id else None
    if campaign is None:
        return None
    summary = campaign_summary.build(session, campaign)
    line = next((ln for ln in summary.lines if ln.unit_id == nomination.unit_id), None)
    return CampaignResult(campaign, summary.targets, line)


def dossier_context(
    session: Session, nomination: Nomination, kind: str, when: date
) -> dict[str, Any]:
    """Return what a dossier form shows: the unit, the award, the ranking or the campaign's
    figures, scores, the vote."""
    unit = session.get(Unit, nomination.unit_id)
    block = session.get(Block, nomination.block_id)
    award = session.get(Award, nomination.award_id)
    leader = leader_unit(session, nomination)
    plan = plan_of_year(session, nomination.block_id, nomination.year)
    reviews = reviews_of(session, nomination)
    last = reviews[-1] if reviews else None
    texts = default_texts(session, nomination)
    return {
        "nomination": nomination,
        "unit": unit,
        "block": block,
        "award": award,
        "leader": leader,
        "plan": plan,
        "reviews": reviews,
        "period_names": PERIOD_NAMES,
        "scores": scores_of(session, last) if last else [],
        "last_review": last,
        "ranking": year_ranking(session, nomination.block_id, nomination.year),
        "campaign": campaign_result(session, nomination),
        "cover_letter": nomination.cover_letter or texts["cover_letter"],
        "achievements": nomination.achievements or texts["achievements"],
        "minutes": nomination.minutes or texts["minutes"],
        **_tally_text(nomination),
        "box_mm": SIGN_BOX_MM,
        "anchor": SIGN_ANCHOR,
        "date": when,
        "place": "……",
        "number": f"{nomination.id:02d}/TTr-{block.code if block else ''}"
        if kind == "form01"
        else "",
        "issuer_parent": block.name if block else "",
        "issuer": leader.name if leader else "",
        "doc_title_text": TITLES[kind],
    }


def render_dossier_form(
    session: Session, nomination: Nomination, kind: str, when: date, *, draft: str = ""
) -> tuple[bytes, int, tuple[int, int, int, int]]:
    """Render one dossier form; return the PDF and the page and box of its signature."""
    context = dossier_context(session, nomination, kind, when)
    if draft:
        context["draft"] = draft
    pdf, anchors = html_to_pdf(render_html(TEMPLATES[kind], context))
    page, box = box_of(anchors[SIGN_ANCHOR])
    return pdf, page, box


def certificate_of(
    session: Session, nomination_id: int, kind: str = CERTIFICATE_KIND
) -> Document | None:
    """Return the signed certificate (or nominees' certificates) of a decided nomination,
    None if it has none (decided before certificates were signed)."""
    query = select(Document).where(Document.nomination_id == nomination_id,
                                   Document.kind == kind)  # fmt: skip
    return session.exec(query.order_by(col(Document.id).desc())).first()


def store(
    session: Session,
    data: bytes,
    *,
    kind: str,
    nomination_id: int | None = None,
    decision_id: int | None = None,
    user_id: int | None = None,
    verify_code: str | None = None,
) -> Document:
    """Store a nomination's or a decision's PDF (flushed, not committed)."""
    return add_document(
        session,
        None,
        data,
        kind=kind,
        user_id=user_id,
        nomination_id=nomination_id,
        decision_id=decision_id,
        verify_code=verify_code,
    )


def dossier_documents(session: Session, nomination: Nomination) -> list[Document]:
    """Return every stored form of the nomination, newest first."""
    query = select(Document).where(Document.nomination_id == nomination.id)
    return list(session.exec(query.order_by(col(Document.id).desc())).all())


# --- the decision and the certificates ---------------------------------------------------


def awarded_names(session: Session, nomination_ids: list[int]) -> dict[int, list[DossierNominee]]:
    """Return the names each dossier awards, in the list's order: those the council approved
    one by one, or every name where it voted on the dossier whole (approved None)."""
    query = (
        select(DossierNominee)
        .where(col(DossierNominee.nomination_id).in_(nomination_ids))
        .where(col(DossierNominee.approved).is_not(False))
        .order_by(col(DossierNominee.position), col(DossierNominee.id))
    )
    out: dict[int, list[DossierNominee]] = {}
    for row in session.exec(query).all():
        out.setdefault(row.nomination_id, []).append(row)
    return out


def decision_rows(
    session: Session, nominations: list[Nomination], salary: Decimal
) -> list[dict[str, Any]]:
    """Return the annex, in award then name order: who (a unit, or a person of a unit), block,
    award, prize money. A dossier with a list of names gives a line per name it awards."""

    units = {u.id: u for u in session.exec(select(Unit))}
    blocks = {b.id: b for b in session.exec(select(Block))}
    award_map = {a.id: a for a in session.exec(select(Award))}
    names = awarded_names(session, [n.id or 0 for n in nominations])
    ids = [r.person_id for rows in names.values() for r in rows if r.person_id]
    people = {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(ids)))}
    rows: list[dict[str, Any]] = []
    for n in nominations:
        listed: list[DossierNominee | None] = list(names.get(n.id or 0, [])) or [None]
        for row in listed:
            award = award_map[row.award_id if row else n.award_id]
            unit = units[row.unit_id if row else n.unit_id]
            person = people.get(row.person_id) if row and row.person_id else None
            rows.append(
                {
                    "nomination": n,
                    "nominee": row,
                    "person": person,
                    "name": person.full_name if person else unit.name,
                    "unit": unit,
                    "block": blocks[n.block_id],
                    "award": award,
                    "multiple": award.prize_multiple,
                    "prize": prize(award.prize_multiple, salary),
                }
            )
    rows.sort(key=lambda r: (int(r["award"].position), r["person"] is not None, str(r["name"])))
    return rows


def proposers(session: Session, nominations: list[Nomination]) -> list[str]:
    """Return the names of the councils below that proposed some of `nominations`, in order."""
    names: list[str] = []
    for n in nominations:
        lower = session.get(Nomination, n.proposed_from_id) if n.proposed_from_id else None
        council = session.get(Unit, levels.council_of(session, lower) or 0) if lower else None
        if council is not None and council.name not in names:
            names.append(council.name)
    return names


def render_decision(
    session: Session,
    decision: Decision,
    council: Unit,
    nominations: list[Nomination],
    signatory: Signatory,
    verify: dict[str, str] | None = None,
) -> tuple[bytes, int, tuple[int, int, int, int]]:
    """Render the decision with its annex; return the PDF and the signature's page and box.

    `signatory` gives the capacity lines and the name under the signature; `verify` is the
    verification code's footer (wflow.signatures.codes.footer), printed last. Without a
    `verify` the document is a draft, and says so.
    """
    council_session = session.get(CouncilSession, decision.session_id)
    rows = decision_rows(session, nominations, decision.base_salary)
    kinds: list[Award] = []
    for r in rows:
        if r["award"] not in kinds:
            kinds.append(r["award"])
    context = {
        "decision": decision,
        "council_session": council_session,
        "council": council,
        "proposers": proposers(session, nominations),
        "from_blocks": any(n.proposed_from_id is None for n in nominations),
        "rows": rows,
        "awards": kinds,
        "total": sum((r["prize"] for r in rows), Decimal(0)),
        "collectives": sum(1 for r in rows if r["person"] is None),
        "individuals": sum(1 for r in rows if r["person"] is not None),
        "box_mm": SIGN_BOX_MM,
        "anchor": SIGN_ANCHOR,
        "date": decision.issued_on,
        "place": "……",
        "number": decision.number,
        "issuer_parent": "",
        "issuer": council.name,
        "doc_title_text": TITLES["decision"],
        "verify": verify,
        "signatory": signatory,
        "draft": None if verify else "DỰ THẢO",
    }
    pdf, anchors = html_to_pdf(render_html("pdf/award_decision.html", context))
    page, box = box_of(anchors[SIGN_ANCHOR])
    return pdf, page, box


def render_certificate(
    session: Session,
    nomination: Nomination,
    decision: Decision,
    council: Unit,
    signatory: Signatory | None = None,
    verify: dict[str, str] | None = None,
) -> tuple[bytes, int, tuple[int, int, int, int] | None]:
    """Render the certificate of an awarded unit; with a `signatory`, with the signature block
    (capacity lines, box, name) and the verification code: return the PDF and the box."""
    context = {
        "nomination": nomination,
        "unit": session.get(Unit, nomination.unit_id),
        "block": session.get(Block, nomination.block_id),
        "award": session.get(Award, nomination.award_id),
        "decision": decision,
        "council": council,
        "date": decision.issued_on,
        "place": "……",
        "number": "",
        "issuer_parent": "",
        "issuer": council.name,
        "doc_title_text": "Giấy chứng nhận khen thưởng",
        "signatory": signatory,
        "anchor": SIGN_ANCHOR,
        "box_mm": SIGN_BOX_MM,  # box_of places the field at this size
        "code_footer": verify,  # printed beside the signature, on the one page
    }
    pdf, anchors = html_to_pdf(render_html("pdf/award_certificate.html", context))
    if signatory is None:
        return pdf, -1, None
    page, box = box_of(anchors[SIGN_ANCHOR])
    return pdf, page, box


@dataclass(frozen=True)
class CertificatePage:
    """One certificate of a batch: the award, who receives it, why, and by which decision."""

    award: str
    nominee: str
    reason: str
    decision_number: str
    decision_date: date
    register: str  # the number in the register of awards (số vào sổ)


def render_certificates(
    council: Unit,
    pages: list[CertificatePage],
    signatory: Signatory | None = None,
    verify: dict[str, str] | None = None,
) -> tuple[bytes, int, tuple[int, int, int, int] | None]:
    """Render certificates, one A4 landscape page each, into one printable PDF; with a
    `signatory`, each page prints the signature block and the last one the box: return the
    PDF and the box (page -1 and None without a signatory)."""
    context = {
        "pages": pages,
        "council": council,
        "date": pages[0].decision_date if pages else date.today(),
        "place": "……",
        "number": "",
        "issuer_parent": "",
        "issuer": council.name,
        "doc_title_text": "Giấy chứng nhận khen thưởng",
        "signatory": signatory,
        "anchor": SIGN_ANCHOR,
        "box_mm": SIGN_BOX_MM,
        "code_footer": verify,
    }
    pdf, anchors = html_to_pdf(render_html("pdf/award_certificates.html", context))
    if signatory is None:
        return pdf, -1, None
    page, box = box_of(anchors[SIGN_ANCHOR])
    return pdf, page, box

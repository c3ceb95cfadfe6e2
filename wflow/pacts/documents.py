"""The pact's PDF: rendered once with an empty signature field per member unit, then stored.

Every field exists in the first revision, so the pages never change between signatures:
each head fills its own named field (`unit-<id>`) as an incremental update. Files are kept
by content hash under `instance/documents/<sha256>.pdf`, written atomically.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from typing import Any

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields
from sqlmodel import Session, col, select
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from wflow.core import installation
from wflow.core.blobs import store_on_commit
from wflow.documents.render import STATIC, LocalFetcher, render_html
from wflow.org.models import Block, BlockMembership, Position, Unit
from wflow.org.signers import heads_of
from wflow.pacts.models import Document, Pact
from wflow.plans.criteria import load_groups
from wflow.plans.models import Plan

SIGN_BOX_MM = (80, 30)  # width, height of each signature box (CSS and PDF agree)
PX_TO_PT = 0.75  # WeasyPrint anchors are CSS px (1/96 in); PDF points are 1/72 in
MM_TO_PT = 72 / 25.4
# PDF/A-3u (WeasyPrint): the empty fields and every signature are incremental updates on top,
# and pdfsig and pyHanko report them all valid (tests/pacts/test_views.py). None: plain PDF.
PDF_VARIANT: str | None = "pdf/a-3u"
POSITIONS = {Position.LEADER.value: "Trưởng khối", Position.DEPUTY.value: "Phó khối"}
_ORDER = {Position.LEADER.value: 0, Position.DEPUTY.value: 1}
_fonts = FontConfiguration()


@dataclass(frozen=True)
class Signer:
    """A member unit's box on the signature page."""

    unit_id: int
    name: str
    position: str
    head_title: str = ""  # the head's position, printed above the box ("Bí thư Tỉnh đoàn")
    head_name: str = ""  # the head's full name, printed under it (Decree 30/2020, art. 8)
    role: str = "member"  # the stored position ("leader"), which pages name in their language

    @property
    def field(self) -> str:
        """Return the name of the unit's signature field."""
        return field_name(self.unit_id)

    @property
    def anchor(self) -> str:
        """Return the HTML id of the unit's box (WeasyPrint reports its position)."""
        return f"sig-{self.field}"


def field_name(unit_id: int) -> str:
    """Return the signature field of a unit in a pact."""
    return f"unit-{unit_id}"


def field_units(session: Session) -> dict[str, str]:
    """Return the name of the unit behind each signature field (people see names, not fields)."""
    return {field_name(u.id or 0): u.name for u in session.exec(select(Unit)).all()}


def signers_of(session: Session, block_id: int, year: int) -> list[Signer]:
    """Return the block's member units in `year`, leader and deputy first, then by name."""
    query = (
        select(Unit.id, Unit.name, BlockMembership.position)
        .join(BlockMembership, col(BlockMembership.unit_id) == Unit.id)
        .where(BlockMembership.block_id == block_id, BlockMembership.year == year)
    )
    rows = sorted(session.exec(query).all(), key=lambda r: (_ORDER.get(r[2], 2), r[1]))
    heads = heads_of(session, [uid or 0 for uid, _name, _pos in rows])
    out = []
    for uid, name, pos in rows:
        title, head = heads.get(uid or 0, ("", ""))
        role = pos if pos in POSITIONS else "member"
        printed = POSITIONS.get(role, "Thành viên")
        out.append(Signer(uid or 0, name, printed, title, head, role=role))
    return out


def pact_html(session: Session, pact: Pact, when: date) -> tuple[str, list[Signer]]:
    """Return the pact's HTML (the template with plan, criteria, boxes) and its signers."""
    plan = session.get(Plan, pact.plan_id)
    block = session.get(Block, pact.block_id)
    if plan is None or block is None:
        raise LookupError(f"pact {pact.id} has lost its plan or block")
    signers = signers_of(session, pact.block_id, pact.year)
    leader = next((s for s in signers if s.position == POSITIONS["leader"]), None)
    context: dict[str, Any] = {
        "pact": pact,
        "plan": plan,
        "block": block,
        "groups": load_groups(session, plan.id or 0),
        "signers": signers,
        "box_mm": SIGN_BOX_MM,
        "number": pact.number,
        "date": when,
        "place": str(plan.rules.get("place", "……")),
        "issuer_parent": block.name,
        "issuer": leader.name if leader else "",
        "doc_title_text": pact.title,
    }
    return render_html("pdf/pact.html", context), signers


def html_to_pdf(html: str, variant: str | None = PDF_VARIANT) -> tuple[bytes, dict[str, Any]]:
    """Lay out `html` and return the PDF with the position of every anchor (page, x, y px)."""
    doc = HTML(string=html, base_url=STATIC.as_uri() + "/", url_fetcher=LocalFetcher()).render(
        font_config=_fonts
    )
    anchors: dict[str, Any] = {}
    for i, page in enumerate(doc.pages):
        for name, corners in page.anchors.items():
            anchors[name] = (i, tuple(corners), page.height)
    pdf = doc.write_pdf(pdf_variant=variant)
    assert pdf is not None
    return bytes(pdf), anchors


def box_of(anchor: tuple[int, tuple[float, ...], float]) -> tuple[int, tuple[int, int, int, int]]:
    """Return (page, PDF box in points from the bottom-left) of a box anchored in CSS px.

    WeasyPrint gives the anchor's top-left corner (older versions) or its box (x1, y1, x2, y2)
    from the page's top-left; the box's size is fixed in CSS (SIGN_BOX_MM) either way.
    """
    page, corners, height_px = anchor
    x, y = corners[0], corners[1]
    width, height = (v * MM_TO_PT for v in SIGN_BOX_MM)
    left, top = x * PX_TO_PT, (height_px - y) * PX_TO_PT
    return page, (round(left), round(top - height), round(left + width), round(top))


def with_signature_fields(pdf: bytes, boxes: Sequence[tuple[str, int, Any]]) -> bytes:
    """Return `pdf` with an empty signature field per (name, page, box)."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    for name, page, box in boxes:
        fields.append_signature_field(
            writer, fields.SigFieldSpec(sig_field_name=name, on_page=page, box=box)
        )
    out = BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]  # pyHanko leaves write() unannotated
    return out.getvalue()


def render_pact_pdf(
    session: Session, pact: Pact, when: date, variant: str | None = PDF_VARIANT
) -> bytes:
    """Render the pact to PDF with one empty signature field per member unit."""
    html, signers = pact_html(session, pact, when)
    return pdf_with_boxes(html, signers, variant)


def pdf_with_boxes(
    html: str, signers: Sequence[Signer], variant: str | None = PDF_VARIANT
) -> bytes:
    """Lay out `html` with an empty signature field over each signer's box (its anchor)."""
    pdf, anchors = html_to_pdf(html, variant)
    return with_signature_fields(pdf, [(s.field, *box_of(anchors[s.anchor])) for s in signers])


# --- storage -----------------------------------------------------------------------------


def store_bytes(session: Session, data: bytes) -> tuple[str, str]:
    """Stage `data` for documents/<sha256>.pdf, stored when the unit commits; (sha256, path)."""
    blobs = installation.of(session).blobs
    return store_on_commit(session, blobs, data, lambda sha: f"documents/{sha}.pdf")


def read_document(session: Session, doc: Document) -> bytes:
    """Return a stored document's bytes, refusing a file whose hash no longer matches."""
    return installation.of(session).blobs.read(doc.path, doc.sha256, f"document {doc.id}")


def add_document(
    session: Session,
    pact: Pact | None,
    data: bytes,
    *,
    kind: str = "pact",
    field: str = "",
    parent_id: int | None = None,
    user_id: int | None = None,
    nomination_id: int | None = None,
    decision_id: int | None = None,
    programme_id: int | None = None,
    pact_id: int | None = None,
    verify_code: str | None = None,
) -> Document:
    """Store `data` and add its Document row to the session (flushed, not committed).

    The document belongs to the pact, or (pact None) to a nomination, an award decision or a
    programme. `verify_code` is the code printed on it (wflow.signatures.codes).
    """
    sha, path = store_bytes(session, data)
    doc = Document(
        pact_id=pact.id if pact is not None else pact_id, nomination_id=nomination_id,
        decision_id=decision_id, programme_id=programme_id, parent_id=parent_id, kind=kind,
        field=field, sha256=sha, size=len(data), path=path, created_by_user_id=user_id,
        verify_code=verify_code,
    )  # fmt: skip
    session.add(doc)
    session.flush()
    return doc


def revisions_of(session: Session, pact_id: int) -> list[Document]:
    """Return every stored document of the pact, oldest first."""
    query = select(Document).where(Document.pact_id == pact_id).order_by(col(Document.id))
    return list(session.exec(query).all())

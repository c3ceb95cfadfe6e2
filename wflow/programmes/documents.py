"""The programme's PDF: the text, then one empty signature box per party, in order."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from wflow.documents.render import render_html
from wflow.org.models import Unit
from wflow.pacts.documents import SIGN_BOX_MM, Signer, pdf_with_boxes
from wflow.programmes.models import Programme
from wflow.programmes.subject import party_ids

POSITION = "Thủ trưởng đơn vị"  # the head of each party signs for it


def signers(session: Session, programme: Programme) -> list[Signer]:
    """Return a signature box per party, in the document's order."""
    ids = party_ids(session, programme)
    names = dict(session.exec(select(Unit.id, Unit.name).where(col(Unit.id).in_(ids))).all())
    return [Signer(uid, names.get(uid, ""), POSITION) for uid in ids]


def render_programme_pdf(session: Session, programme: Programme, when: date) -> bytes:
    """Render the programme to PDF with one empty signature field per party."""
    boxes = signers(session, programme)
    context: dict[str, Any] = {
        "programme": programme,
        "signers": boxes,
        "tasks": [line.strip() for line in programme.tasks.splitlines() if line.strip()],
        "box_mm": SIGN_BOX_MM,
        "number": programme.number,
        "date": when,
        "place": programme.place or "……",
        "issuer_parent": "",
        "issuer": " - ".join(s.name for s in boxes),  # a joint document names every party
        "doc_title_text": programme.title,
    }
    return pdf_with_boxes(render_html("pdf/programme.html", context), boxes)

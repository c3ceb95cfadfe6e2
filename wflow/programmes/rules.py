"""The guards and effects `workflows/programme.yaml` names, registered on the registry."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from wflow.core import installation
from wflow.core.numbers import NumberRefused, read_int
from wflow.core.registry import unit_ids
from wflow.engine import FireContext, Registry
from wflow.programmes.documents import render_programme_pdf
from wflow.programmes.models import Programme, ProgrammeReview
from wflow.programmes.service import ROUND


def _programme(ctx: FireContext) -> tuple[Session, Programme]:
    session: Session = ctx.session  # type: ignore[assignment]
    programme = session.get(Programme, ctx.scope.subject_id)
    if programme is None:
        raise LookupError(f"programme {ctx.scope.subject_id} of instance {ctx.instance_id} lost")
    return session, programme


def two_parties(ctx: FireContext) -> bool | str:
    """Pass when the data names at least two parties."""
    raw = ctx.data.get("parties", ctx.scope.data.get("parties", []))
    if len(unit_ids(raw if isinstance(raw, list) else [])) < 2:
        return str(_l("A programme is agreed between at least two parties."))
    return True


def review_year_open(ctx: FireContext) -> bool | str:
    """Pass for a year of the period, not after this one, not reviewed yet."""
    session, programme = _programme(ctx)
    try:
        year = read_int(ctx.data.get("review_year"), "review_year", maximum=9999) or 0
    except NumberRefused:
        year = 0
    if not programme.year <= year <= min(programme.year_end, ctx.now.year):
        return str(_l("Review a year of the programme's period, up to this year."))
    query = select(ProgrammeReview.id).where(
        ProgrammeReview.programme_id == programme.id, ProgrammeReview.year == year
    )
    if session.exec(query).first() is not None:
        return str(_l("That year has already been reviewed."))
    return True


def render_programme(ctx: FireContext) -> None:
    """Render the agreed programme with an empty signature box per party and store it."""
    session, programme = _programme(ctx)
    pdf = render_programme_pdf(session, programme, installation.local_date(session, ctx.now))
    ROUND.make_current(session, programme, ROUND.store(session, programme, pdf,
                                                       user_id=ctx.actor.user_id))  # fmt: skip


def seal_programme(ctx: FireContext) -> None:
    """Date the programme's entry into force."""
    session, programme = _programme(ctx)
    programme.in_force_at = programme.updated_at = ctx.now
    session.add(programme)
    session.flush()


def record_review(ctx: FireContext) -> None:
    """Store the year's review the act carries."""
    session, programme = _programme(ctx)
    session.add(ProgrammeReview(
        programme_id=programme.id or 0, year=read_int(ctx.data["review_year"], "review_year") or 0,
        summary=str(ctx.data["review_summary"]),
        next_steps=str(ctx.data.get("review_next_steps", "")),
        unit_id=ctx.actor.unit_id, created_by_user_id=ctx.actor.user_id, created_at=ctx.now,
    ))  # fmt: skip
    session.flush()


def register(reg: Registry) -> None:
    """Register the programme workflow's guards and effects."""
    reg.guard("two_parties")(two_parties)
    reg.guard("signed_programme")(ROUND.signed_revision)
    reg.guard("review_year_open")(review_year_open)
    reg.effect("render_programme")(render_programme)
    reg.effect("seal_programme")(seal_programme)
    reg.effect("record_review")(record_review)

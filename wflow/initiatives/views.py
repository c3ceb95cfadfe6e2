"""Pages of the initiatives register: the list with counts per unit, one initiative, its forms."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import login_required
from sqlalchemy import and_, or_
from sqlmodel import col, select
from werkzeug.wrappers import Response as WResponse

from wflow import db
from wflow.core.access import current_year, is_committee
from wflow.core.errors import ServiceError
from wflow.councils import service as councils
from wflow.initiatives import service as initiatives
from wflow.initiatives.forms import InitiativeForm
from wflow.initiatives.models import Initiative
from wflow.initiatives.text import KIND_LABELS, LEVEL_LABELS
from wflow.org.models import Unit
from wflow.people import service as people
from wflow.people.models import Person
from wflow.people.views import form_error
from wflow.web.forms import EmptyForm
from wflow.web.guard import load_or_404, user
from wflow.web.lists import export, wanted_format

bp = Blueprint("initiatives", __name__)
Page = str | WResponse | tuple[str, int]


def _visible(initiative_id: int) -> Initiative:
    row = load_or_404(Initiative, initiative_id)
    if not initiatives.may_see(db.session(), user(), row):
        abort(403)
    return row


def _filters() -> dict[str, Any]:
    args = {
        "q": request.args.get("q", "").strip(),
        "unit": request.args.get("unit", type=int),
        "year": request.args.get("year", type=int),
        "kind": request.args.get("kind", ""),
        "level": request.args.get("level", ""),
    }
    if args["kind"] not in KIND_LABELS:
        args["kind"] = ""
    if args["level"] not in LEVEL_LABELS:
        args["level"] = ""
    return args


@bp.route("/initiatives")
@login_required
def index() -> Page:
    """List the initiatives the user sees, filtered, with counts per unit; export them."""
    sess, me = db.session(), user()
    args = _filters()
    rows = initiatives.visible_initiatives(sess, me, args["year"])
    names = people.unit_names(sess, me)
    authors = initiatives.author_names(sess, [r.id or 0 for r in rows])
    q = people.fold(args["q"])
    rows = [
        r for r in rows
        if q in people.fold(r.title) + " " + people.fold(" ".join(authors.get(r.id or 0, [])))
        and (not args["kind"] or r.kind == args["kind"])
        and (not args["level"] or r.level == args["level"])
    ]  # fmt: skip
    if args["unit"]:
        unit_rows = initiatives.visible_rows(sess, [args["unit"]], args["year"])
        keep = {r.id for r in unit_rows}
        rows = [r for r in rows if r.id in keep]
    fmt = wanted_format()
    if fmt:
        data = [{"kind": str(KIND_LABELS.get(r.kind, r.kind)), "title": r.title, "year": r.year,
                 "unit": names.get(r.unit_id, ""), "authors": "; ".join(authors.get(r.id or 0, [])),
                 "level": str(LEVEL_LABELS.get(r.level, r.level)),
                 "decision": r.decision_number, "decision_date": r.decision_date,
                 "issuer": r.decision_issuer} for r in rows]  # fmt: skip
        cols = [
            ("kind", _("Kind")),
            ("title", pgettext("initiative", "Title")),
            ("year", _("Year")),
            ("unit", _("Unit")),
            ("authors", _("Authors")),
            ("level", _("Recognition level")),
            ("decision", _("Decision number")),
            ("decision_date", _("Decision date")),
            ("issuer", _("Issued by")),
        ]
        return export(fmt, "initiatives", cols, data)
    year = args["year"] or current_year()
    committee = is_committee(me)
    if committee or not me.unit_id:
        seen = councils.seen_by(sess, me)  # the units read inside the statement, not as ids
        counted, by = sorted(councils.unit_ids_in(sess, seen)), councils.units_in(seen)
    else:
        counted, by = [me.unit_id], None
    counts = {
        u: c
        for u, c in initiatives.counts_by_unit(sess, counted, year, by).items()
        if c["total"] or not committee
    }
    can_add = bool(me.unit_id and people.may_manage(sess, me, me.unit_id)) or people.is_clerk(me)
    return render_template(
        "initiatives/list.html", rows=rows, names=names, authors=authors, args=args,
        counts=sorted(counts.items(), key=lambda uc: names.get(uc[0], "")), count_year=year,
        units=sorted(names.items(), key=lambda item: item[1]), can_add=can_add,
        committee=is_committee(me), KIND_LABELS=KIND_LABELS, LEVEL_LABELS=LEVEL_LABELS,
    )  # fmt: skip


def _choices(form: InitiativeForm, unit_id: int, named: list[int]) -> None:
    """Offer the unit's working people (and those named already) and every unit as authors."""
    sess = db.session()
    query = select(Person).where(
        or_(and_(col(Person.unit_id) == unit_id, col(Person.active)), col(Person.id).in_(named))
    )
    found = sess.exec(query.order_by(col(Person.full_name))).all()
    form.person_ids.choices = [(p.id or 0, f"{p.full_name} — {p.position}") for p in found]
    form.unit_ids.choices = sorted(people.unit_names(sess, user()).items(),
                                   key=lambda item: item[1])  # fmt: skip


def _recognition(form: InitiativeForm) -> initiatives.Recognition:
    return initiatives.Recognition(
        level=form.level.data or "",
        decision_number=form.decision_number.data or "",
        decision_date=form.decision_date.data,
        decision_issuer=form.decision_issuer.data or "",
    )


def _authors(form: InitiativeForm) -> initiatives.Authors:
    return initiatives.Authors(
        person_ids=list(form.person_ids.data or []), unit_ids=list(form.unit_ids.data or [])
    )


@bp.route("/initiatives/new", methods=["GET", "POST"])
@login_required
def new() -> Page:
    """Record an initiative of the user's unit (the committee's clerks: of the unit chosen)."""
    sess, me = db.session(), user()
    clerk = people.is_clerk(me)
    unit_id = request.args.get("unit", type=int) if clerk else me.unit_id
    if not clerk and not (unit_id and people.may_manage(sess, me, unit_id)):
        abort(403)
    units = sorted(people.unit_names(sess, me).items(), key=lambda item: item[1])
    unit = sess.get(Unit, unit_id) if unit_id else None
    if unit is None:  # a clerk chooses the unit first: its people are the authors offered
        return render_template("initiatives/choose_unit.html", units=units)
    form = InitiativeForm()
    _choices(form, unit.id or 0, [])
    if request.method == "GET":
        form.year.data = current_year()
    status = 200
    if form.validate_on_submit():
        try:
            row = initiatives.create_initiative(
                sess, user=me, unit_id=unit.id or 0, kind=form.kind.data or "",
                title=form.title.data or "", year=form.year.data,
                recognition=_recognition(form), authors=_authors(form),
                description=form.description.data or "",
            )  # fmt: skip
        except ServiceError as exc:
            status = form_error(form, exc)
        else:
            flash(_("The initiative was recorded."), "success")
            return redirect(url_for("initiatives.show", initiative_id=row.id), 303)
    elif request.method == "POST":
        status = 422
    return render_template("initiatives/form.html", form=form, unit=unit, initiative=None), status


@bp.route("/initiatives/<int:initiative_id>")
@login_required
def show(initiative_id: int) -> str:
    """Show an initiative: recognition, authors, description."""
    row = _visible(initiative_id)
    sess = db.session()
    authors = initiatives.authors_by_initiative(sess, [row.id or 0])[row.id or 0]
    person_ids = [a.person_id for a in authors if a.person_id]
    found = sess.exec(select(Person).where(col(Person.id).in_(person_ids))).all()
    return render_template(
        "initiatives/show.html", initiative=row, authors=authors, names=people.unit_names(sess),
        persons={p.id: p for p in found}, may_change=initiatives.may_change(sess, user(), row),
        visible={p.id for p in found if people.may_see(sess, user(), p)}, form=EmptyForm(),
        KIND_LABELS=KIND_LABELS, LEVEL_LABELS=LEVEL_LABELS,
    )  # fmt: skip


@bp.route("/initiatives/<int:initiative_id>/edit", methods=["GET", "POST"])
@login_required
def edit(initiative_id: int) -> Page:
    """Change an initiative's record (the unit it belongs to, or the committee's clerks)."""
    row = _visible(initiative_id)
    sess, me = db.session(), user()
    if not initiatives.may_change(sess, me, row):
        abort(403)
    authors = initiatives.authors_by_initiative(sess, [row.id or 0])[row.id or 0]
    form = InitiativeForm(obj=row if request.method == "GET" else None)
    _choices(form, row.unit_id, [a.person_id for a in authors if a.person_id])
    if request.method == "GET":
        form.person_ids.data = [a.person_id for a in authors if a.person_id]
        form.unit_ids.data = [a.unit_id for a in authors if a.unit_id]
    status = 200
    if form.validate_on_submit():
        try:
            initiatives.update_initiative(
                sess, user=me, initiative=row, kind=form.kind.data or "",
                title=form.title.data or "", year=form.year.data,
                recognition=_recognition(form), authors=_authors(form),
                description=form.description.data or "",
            )  # fmt: skip
        except ServiceError as exc:
            status = form_error(form, exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("initiatives.show", initiative_id=row.id), 303)
    elif request.method == "POST":
        status = 422
    unit = sess.get(Unit, row.unit_id)
    return render_template("initiatives/form.html", form=form, unit=unit, initiative=row), status


@bp.route("/initiatives/<int:initiative_id>/delete", methods=["POST"])
@login_required
def delete(initiative_id: int) -> WResponse:
    """Remove an initiative recorded by mistake."""
    row = _visible(initiative_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    unit_id = row.unit_id
    initiatives.delete_initiative(db.session(), user=user(), initiative=row)
    flash(_("The initiative was removed."), "success")
    return redirect(url_for("initiatives.index", unit=unit_id), 303)

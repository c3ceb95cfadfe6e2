"""People pages: the directory per unit and across units, a person, adding, editing, moving, import.

Title registration pages are in `wflow.people.registration_views` (same blueprint).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import login_required
from sqlmodel import col, select
from werkzeug.wrappers import Response as WResponse

from wflow import db
from wflow.core.access import Action, is_committee
from wflow.core.errors import ServiceError
from wflow.councils import service as councils
from wflow.initiatives import service as initiatives
from wflow.initiatives.text import LEVEL_LABELS
from wflow.org.models import Unit, User
from wflow.people import registration as regs
from wflow.people import service as people
from wflow.people.forms import ImportForm, MoveForm, PersonForm
from wflow.people.models import Person
from wflow.people.spreadsheet import HEADERS, MAX_ROWS, RowsRejected, import_people
from wflow.people.text import POSITIONS, SEX_LABELS, TITLE_LABELS
from wflow.titles import history
from wflow.web.guard import ensure, load_or_404, user
from wflow.web.lists import export, wanted_format

bp = Blueprint("people", __name__)
Page = str | WResponse | tuple[str, int]
STATUSES = ("active", "inactive", "all")  # the list's "working" filter


def form_error(form: Any, exc: ServiceError) -> int:
    """Show a service refusal on its field (or as a message); return the HTTP status."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*list(field.errors or []), str(exc.message)]
    else:
        flash(str(exc.message), "error")
    return exc.status


def manageable(unit_id: int) -> None:
    """Answer 403 unless the user may change the unit's people."""
    if not people.may_manage(db.session(), user(), unit_id):
        abort(403)


def visible_person(person_id: int) -> Person:
    """Load a person the user may see (their unit's people and the committee), or 404/403."""
    person = load_or_404(Person, person_id)
    if not people.may_see(db.session(), user(), person):
        abort(403)
    return person


# --- lists ---------------------------------------------------------------------------------


def _filtered(rows: list[Person], *, by_unit: bool) -> tuple[list[Person], dict[str, Any]]:
    """Keep the people matching ?q= (name), ?position=, ?birth_year=, ?unit=, ?active=."""
    args: dict[str, Any] = {
        "q": request.args.get("q", "").strip(),
        "position": request.args.get("position", "").strip(),
        "birth_year": request.args.get("birth_year", type=int),
        "unit": request.args.get("unit", type=int) if by_unit else None,
        "active": request.args.get("active", "active"),
    }
    if args["active"] not in STATUSES:
        args["active"] = "active"
    name, position = people.fold(args["q"]), people.fold(args["position"])
    kept = [
        p for p in rows
        if name in people.fold(p.full_name)
        and position in people.fold(p.position)
        and (not args["birth_year"] or p.birth_year == args["birth_year"])
        and (not args["unit"] or p.unit_id == args["unit"])
        and (args["active"] == "all" or p.active == (args["active"] == "active"))
    ]  # fmt: skip
    return kept, args


def _export(fmt: str, filename: str, rows: list[Person], names: dict[int, str]) -> WResponse:
    data = [
        {
            "full_name": p.full_name,
            "position": p.position,
            "unit": names.get(p.unit_id, ""),
            "sex": str(SEX_LABELS.get(p.sex, p.sex)),
            "birth_year": p.birth_year,
            "staff_number": p.staff_number or "",
            "active": _("yes") if p.active else _("no"),
        }
        for p in rows
    ]
    cols = [
        ("full_name", _("Full name")),
        ("position", pgettext("person", "Position")),
        ("unit", _("Unit")),
        ("sex", _("Sex")),
        ("birth_year", _("Year of birth")),
        ("staff_number", _("Staff number")),
        ("active", _("Still working")),
    ]
    return export(fmt, filename, cols, data)


@bp.route("/people")
@login_required
def index() -> Page:
    """List the people of every unit (the committee), filtered; export as CSV or XLSX."""
    if not is_committee(user()):
        abort(403)
    sess = db.session()
    seen = councils.units_seen_by(sess, user())  # the council's units and those below it
    names = {uid: name for uid, name in people.unit_names(sess).items() if uid in seen}
    rows, args = _filtered(people.people_of(sess, sorted(seen)), by_unit=True)
    fmt = wanted_format()
    if fmt:
        return _export(fmt, "people", rows, names)
    units = sorted(names.items(), key=lambda item: item[1])
    return render_template("people/list.html", rows=rows, names=names, unit=None, units=units,
                           args=args, statuses=STATUSES, may_manage=False,
                           SEX_LABELS=SEX_LABELS)  # fmt: skip


@bp.route("/units/<int:unit_id>/people")
@login_required
def unit_people(unit_id: int) -> Page:
    """List a unit's people (its own people and the committee), filtered; export them."""
    unit = load_or_404(Unit, unit_id)
    ensure(Action.VIEW, unit_id=unit_id)
    sess = db.session()
    rows, args = _filtered(people.people_of(sess, [unit_id]), by_unit=False)
    fmt = wanted_format()
    if fmt:
        return _export(fmt, f"people-{unit.code}", rows, {unit_id: unit.name})
    return render_template(
        "people/list.html", rows=rows, names={unit_id: unit.name}, unit=unit, units=[],
        args=args, statuses=STATUSES, may_manage=people.may_manage(sess, user(), unit_id),
        SEX_LABELS=SEX_LABELS,
    )  # fmt: skip


# --- one person ----------------------------------------------------------------------------


@bp.route("/units/<int:unit_id>/people/new", methods=["GET", "POST"])
@login_required
def new(unit_id: int) -> Page:
    """Add a person to the unit (its head or staff, or the committee's clerks)."""
    unit = load_or_404(Unit, unit_id)
    manageable(unit_id)
    form = PersonForm()
    del form.active, form.account_id
    status = 200
    if form.validate_on_submit():
        try:
            person = people.create_person(
                db.session(), user=user(), unit_id=unit_id, full_name=form.full_name.data or "",
                position=form.position.data or "", sex=form.sex.data or "",
                birth_year=form.birth_year.data, staff_number=form.staff_number.data,
                since=form.since.data,
            )  # fmt: skip
        except ServiceError as exc:
            status = form_error(form, exc)
        else:
            flash(_("%(name)s was added.", name=person.full_name), "success")
            return redirect(url_for("people.show", person_id=person.id), 303)
    elif request.method == "POST":
        status = 422
    return render_template("people/form.html", form=form, unit=unit, person=None,
                           positions=POSITIONS), status  # fmt: skip


@bp.route("/people/<int:person_id>")
@login_required
def show(person_id: int) -> str:
    """Show a person: details, postings, title registrations, titles and awards, initiatives."""
    person = visible_person(person_id)
    sess, me = db.session(), user()
    authored = initiatives.initiatives_of_person(sess, person.id or 0)
    return render_template(
        "people/show.html", person=person, names=people.unit_names(sess),
        postings=people.postings_of(sess, person.id or 0),
        registrations=regs.registrations_of_person(sess, person.id or 0),
        awarded=history.history_of_person(sess, person.id or 0),
        initiatives=[(i, initiatives.may_see(sess, me, i)) for i in authored],
        account=sess.get(User, person.user_id) if person.user_id else None,
        may_manage=people.may_manage(sess, me, person.unit_id),
        SEX_LABELS=SEX_LABELS, TITLE_LABELS=TITLE_LABELS, LEVEL_LABELS=LEVEL_LABELS,
    )  # fmt: skip


def _account_choices(form: PersonForm, person: Person) -> None:
    sess = db.session()
    others = select(Person.user_id).where(
        col(Person.user_id).is_not(None), col(Person.id) != person.id
    )
    taken = set(sess.exec(others).all())
    accounts = sess.exec(
        select(User).where(User.unit_id == person.unit_id).order_by(col(User.display_name))
    ).all()
    form.account_id.choices = [(0, _("(none)"))] + [
        (a.id or 0, f"{a.display_name} ({a.login})") for a in accounts if a.id not in taken
    ]


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@login_required
def edit(person_id: int) -> Page:
    """Correct a person's details, mark them gone, link their account."""
    person = visible_person(person_id)
    manageable(person.unit_id)
    sess = db.session()
    form = PersonForm(obj=person if request.method == "GET" else None)
    del form.since
    _account_choices(form, person)
    if request.method == "GET":
        form.account_id.data = person.user_id or 0
    status = 200
    if form.validate_on_submit():
        try:
            people.update_person(
                sess, user=user(), person=person, full_name=form.full_name.data or "",
                position=form.position.data or "", sex=form.sex.data or "",
                birth_year=form.birth_year.data, staff_number=form.staff_number.data,
                active=bool(form.active.data), account_id=form.account_id.data or None,
            )  # fmt: skip
        except ServiceError as exc:
            status = form_error(form, exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("people.show", person_id=person.id), 303)
    elif request.method == "POST":
        status = 422
    unit = sess.get(Unit, person.unit_id)
    return render_template("people/form.html", form=form, unit=unit, person=person,
                           positions=POSITIONS), status  # fmt: skip


@bp.route("/people/<int:person_id>/move", methods=["GET", "POST"])
@login_required
def move(person_id: int) -> Page:
    """Move a person to another unit or position: the history moves with them."""
    person = visible_person(person_id)
    manageable(person.unit_id)
    sess, old_unit = db.session(), person.unit_id
    form = MoveForm()
    names = people.unit_names(sess)
    form.unit_id.choices = sorted(names.items(), key=lambda item: item[1])
    if request.method == "GET":
        form.unit_id.data, form.position.data = person.unit_id, person.position
    status = 200
    if form.validate_on_submit():
        try:
            people.move_person(sess, user=user(), person=person, unit_id=form.unit_id.data or 0,
                               position=form.position.data or "", on=form.on.data)  # fmt: skip
        except ServiceError as exc:
            status = form_error(form, exc)
        else:
            flash(_("%(name)s now works in %(unit)s.", name=person.full_name,
                    unit=names.get(person.unit_id, "")), "success")  # fmt: skip
            if people.may_see(sess, user(), person):
                return redirect(url_for("people.show", person_id=person.id), 303)
            return redirect(url_for("people.unit_people", unit_id=old_unit), 303)
    elif request.method == "POST":
        status = 422
    return render_template("people/move.html", form=form, person=person, names=names,
                           positions=POSITIONS), status  # fmt: skip


# --- import --------------------------------------------------------------------------------


@bp.route("/units/<int:unit_id>/people/import", methods=["GET", "POST"])
@login_required
def import_file(unit_id: int) -> Page:
    """Import the unit's people from an XLSX or CSV file: every row is accepted, or none."""
    unit = load_or_404(Unit, unit_id)
    manageable(unit_id)
    form = ImportForm()
    rejected: list[tuple[int, str]] = []
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            done = import_people(db.session(), user=user(), unit_id=unit_id, data=upload.read(),
                                 filename=upload.filename or "")  # fmt: skip
        except RowsRejected as exc:
            rejected, status = exc.rows, exc.status
        except ServiceError as exc:
            status = form_error(form, exc)
        else:
            flash(_("%(created)d people added, %(updated)d updated.", created=done.created,
                    updated=done.updated), "success")  # fmt: skip
            return redirect(url_for("people.unit_people", unit_id=unit_id), 303)
    elif request.method == "POST":
        if "csrf_token" in form.errors:
            abort(400)
        status = 422
    return render_template("people/import.html", form=form, unit=unit, rejected=rejected,
                           headers=HEADERS, max_rows=MAX_ROWS), status  # fmt: skip


@bp.route("/people/import-template")
@login_required
def import_template() -> WResponse:
    """Download an empty list with the columns the import reads (XLSX, or CSV)."""
    fmt = wanted_format() or "xlsx"
    return export(fmt, "danh-sach-can-bo", list(HEADERS.items()), [])

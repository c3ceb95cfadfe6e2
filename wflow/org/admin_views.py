"""Admin pages: units, blocks (members, leader and deputy per year) and users."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlmodel import col, select
from werkzeug.wrappers import Response

from wflow import db
from wflow.core.access import Action, current_year
from wflow.core.errors import ServiceError
from wflow.councils import service as councils
from wflow.org import directory
from wflow.org import service as org
from wflow.org.models import Block, Role, Unit, UnitKind, User
from wflow.web.args import arg_int, arg_year
from wflow.web.forms import (
    BlockForm,
    BlockYearForm,
    NewBlockForm,
    UnitForm,
    UserForm,
    form_error,
    submit,
)
from wflow.web.guard import ensure, load_or_404, user
from wflow.web.labels import BLOCK_KINDS as KIND_WORDS
from wflow.web.labels import COUNCIL_LEVELS, POSITIONS, ROLES, UNIT_KINDS
from wflow.web.lists import export, matches, wanted_format

bp = Blueprint("admin", __name__, url_prefix="/admin")

Page = str | Response | tuple[str, int]


@bp.before_request
@login_required
def _admins_only() -> None:
    ensure(Action.ADMIN)


def _seen() -> frozenset[int]:
    """Return the councils the administrator keeps: their own and those below it."""
    return councils.seen_by(db.session(), user())


def _kept(council_id: int | None) -> None:
    """Answer 404 for a row of a council the administrator does not keep."""
    if council_id not in _seen():
        abort(404)


def _units() -> list[Unit]:
    query = select(Unit).where(col(Unit.council_id).in_(sorted(_seen())))
    return list(db.session().exec(query.order_by(col(Unit.name))).all())


def _council_choices() -> list[tuple[int, str]]:
    return [(u.id or 0, u.name) for u in _units() if u.kind == UnitKind.COUNCIL.value]


def _unit_choices(blank: str | None = None) -> list[tuple[int, str]]:
    choices = [(u.id or 0, f"{u.name} ({u.code})") for u in _units()]
    return [(0, blank), *choices] if blank is not None else choices


# --- units -------------------------------------------------------------------------------


@bp.route("/units")
def units() -> Page:
    """List units, filtered by text and kind; export as CSV or XLSX."""
    q, kind = request.args.get("q", "").strip(), request.args.get("kind", "")
    rows = [u for u in _units() if matches(q, u.name, u.code) and (not kind or u.kind == kind)]
    fmt = wanted_format()
    if fmt:
        names = {u.id: u.name for u in _units()}
        data = [
            {
                "code": u.code,
                "name": u.name,
                "kind": str(UNIT_KINDS.get(u.kind, u.kind)),
                "parent": names.get(u.parent_id, ""),
            }
            for u in rows
        ]
        cols = [
            ("code", _("Code")),
            ("name", _("Name")),
            ("kind", _("Kind")),
            ("parent", _("Parent unit")),
        ]
        return export(fmt, "units", cols, data)
    return render_template("admin/units.html", units=rows, q=q, kind=kind, kinds=UNIT_KINDS)


def _unit_form(unit: Unit | None) -> UnitForm:
    form = UnitForm(obj=unit)
    form.kind.choices = [(k, str(v)) for k, v in UNIT_KINDS.items()]
    form.parent_id.choices = [c for c in _unit_choices(_("(none)")) if not unit or c[0] != unit.id]
    # a new unit may take its parent's council; a unit kept is moved by choosing another
    form.council_id.choices = ([] if unit else [(0, _("(the parent unit's)"))]) + _council_choices()
    form.level.choices = [("", _("(not a council)")),
                          *((k, str(v)) for k, v in COUNCIL_LEVELS.items())]  # fmt: skip
    return form


@bp.route("/units/new", methods=["GET", "POST"])
def unit_new() -> Page:
    """Create a unit."""
    form = _unit_form(None)
    status = 200
    if request.method == "POST":
        done = submit(
            form,
            lambda: org.create_unit(
                db.session(),
                name=form.name.data or "",
                code=form.code.data or "",
                kind=form.kind.data or "",
                parent_id=form.parent_id.data or None,
                council_id=form.council_id.data or None,
                level=form.level.data or "",
            ),
        )
        if done.ok and done.value is not None:
            flash(_("Unit %(name)s created.", name=done.value.name), "success")
            return redirect(url_for("admin.units"))
        status = done.status
    return render_template("admin/unit_form.html", form=form, unit=None), status


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
def unit_edit(unit_id: int) -> Page:
    """Change a unit."""
    unit = load_or_404(Unit, unit_id)
    _kept(unit.council_id)
    form = _unit_form(unit)
    status = 200
    if request.method == "POST":
        done = submit(
            form,
            lambda: org.update_unit(
                db.session(),
                unit,
                name=form.name.data or "",
                code=form.code.data or "",
                kind=form.kind.data or "",
                parent_id=form.parent_id.data or None,
                council_id=form.council_id.data or None,
            ),
        )
        if done.ok:
            flash(_("Unit %(name)s saved.", name=unit.name), "success")
            return redirect(url_for("admin.units"))
        status = done.status
    return render_template("admin/unit_form.html", form=form, unit=unit), status


# --- blocks ------------------------------------------------------------------------------


@bp.route("/blocks")
def blocks() -> Page:
    """List blocks with their members in a year, filtered by text; export as CSV or XLSX."""
    q = request.args.get("q", "").strip()
    year = arg_year() or current_year()
    kind = request.args.get("kind", "")
    seen = _seen()

    def shown(name: str, code: str, block_kind: str) -> bool:
        return matches(q, name, code) and kind in ("", block_kind)

    fmt = wanted_format()
    if fmt:  # the export names every member unit: the blocks with their members
        found = directory.block_years(db.session(), year=year, councils=seen)
        data = [
            {
                "code": by.block.code,
                "kind": str(KIND_WORDS.get(by.block.kind, by.block.kind)),
                "name": by.block.name,
                "year": by.year,
                "leader": by.leader.name if by.leader else "",
                "deputy": by.deputy.name if by.deputy else "",
                "members": "; ".join(u.name for u, _p in by.members),
            }
            for by in found
            if shown(by.block.name, by.block.code, by.block.kind)
        ]
        cols = [
            ("code", _("Code")),
            ("kind", _("Kind")),
            ("name", _("Name")),
            ("year", _("Year")),
            ("leader", _("Leader")),
            ("deputy", _("Deputy")),
            ("members", _("Member units")),
        ]
        return export(fmt, f"blocks-{year}", cols, data)
    listed = directory.block_rows(db.session(), year=year, councils=seen)
    rows = [r for r in listed if shown(r.name, r.code, r.kind)]
    every = list(db.session().exec(select(Block).where(col(Block.council_id).in_(
        sorted(seen))).order_by(col(Block.name))).all())  # fmt: skip
    ids = {r.id for r in listed}
    without = [b for b in every if b.id not in ids and shown(b.name, b.code, b.kind)]
    return render_template("admin/blocks.html", rows=rows, without=without, q=q, year=year,
                           positions=POSITIONS, kind=kind, kinds=KIND_WORDS)  # fmt: skip


def _year_form(form: BlockYearForm) -> None:
    form.member_ids.choices = _unit_choices()
    form.leader_id.choices = _unit_choices(_("(none)"))
    form.deputy_id.choices = _unit_choices(_("(none)"))


@bp.route("/blocks/new", methods=["GET", "POST"])
def block_new() -> Page:
    """Create a block with its member units, leader and deputy for a year."""
    form = NewBlockForm()
    _year_form(form)
    form.council_id.choices = _council_choices()
    if request.method == "GET":
        form.year.data = current_year()
    status = 200
    if request.method == "POST":
        done = submit(
            form,
            lambda: org.create_block(
                db.session(),
                name=form.name.data or "",
                code=form.code.data or "",
                description=form.description.data or "",
                year=form.year.data or 0,
                member_ids=form.member_ids.data or [],
                leader_id=form.leader_id.data or None,
                deputy_id=form.deputy_id.data or None,
                council_id=form.council_id.data or None,
                kind=form.kind.data or "",
            ),
        )
        if done.ok and done.value is not None:
            flash(_("Block %(name)s created.", name=done.value.name), "success")
            block_id, year = done.value.id, form.year.data
            return redirect(url_for("admin.block_edit", block_id=block_id, year=year))
        status = done.status
    return render_template("admin/block_new.html", form=form), status


@bp.route("/blocks/<int:block_id>", methods=["GET", "POST"])
def block_edit(block_id: int) -> Page:
    """Change a block, and its members, leader and deputy for a year."""
    block = load_or_404(Block, block_id)
    _kept(block.council_id)
    year = arg_year() or current_year()
    form = BlockForm(obj=block, prefix="block")
    year_form = BlockYearForm(prefix="year")
    _year_form(year_form)
    found = directory.block_years(db.session(), block_id=block_id, year=year)
    if request.method == "GET":
        year_form.year.data = year
        if found:
            by = found[0]
            year_form.member_ids.data = [u.id for u, _p in by.members]
            year_form.leader_id.data = by.leader.id if by.leader else 0
            year_form.deputy_id.data = by.deputy.id if by.deputy else 0
    status = 200
    try:
        if "block-name" in request.form and form.validate_on_submit():
            org.update_block(
                db.session(),
                block,
                name=form.name.data or "",
                code=form.code.data or "",
                description=form.description.data or "",
                kind=form.kind.data or "",
            )
            flash(_("Block %(name)s saved.", name=block.name), "success")
            return redirect(url_for("admin.block_edit", block_id=block_id, year=year))
        if "year-year" in request.form and year_form.validate_on_submit():
            chosen = year_form.year.data or year
            org.set_block_year(
                db.session(),
                block,
                year=chosen,
                member_ids=year_form.member_ids.data or [],
                leader_id=year_form.leader_id.data or None,
                deputy_id=year_form.deputy_id.data or None,
            )
            flash(_("Members for %(year)d saved.", year=chosen), "success")
            return redirect(url_for("admin.block_edit", block_id=block_id, year=chosen))
        if request.method == "POST":
            status = 422
    except ServiceError as exc:
        form_error(year_form if "year-year" in request.form else form, exc)
        status = exc.status
    years = directory.block_years_of(db.session(), block_id)
    return render_template(
        "admin/block_edit.html",
        block=block,
        form=form,
        year_form=year_form,
        year=year,
        years=years,
    ), status


# --- users -------------------------------------------------------------------------------


@bp.route("/users")
def users() -> Page:
    """List users, filtered by text, unit and role; export as CSV or XLSX."""
    q = request.args.get("q", "").strip()
    unit_id = arg_int("unit", minimum=1)
    role = request.args.get("role", "")
    units = {u.id: u for u in _units()}
    every = db.session().exec(select(User).order_by(col(User.display_name))).all()
    seen = _seen()
    rows = [
        u
        for u in every
        if (u.unit_id in units or (u.unit_id is None and councils.of_user(db.session(), u) in seen))
        and matches(q, u.login, u.display_name)
        and (not unit_id or u.unit_id == unit_id)
        and (not role or role in u.roles)
    ]
    fmt = wanted_format()
    if fmt:
        data: list[dict[str, Any]] = [
            {
                "login": u.login,
                "name": u.display_name,
                "unit": units[u.unit_id].name if u.unit_id in units else "",
                "roles": ", ".join(str(ROLES.get(r, r)) for r in u.roles),
                "active": _("yes") if u.active else _("no"),
                "locale": u.locale,
            }
            for u in rows
        ]
        cols = [
            ("login", _("Login")),
            ("name", _("Display name")),
            ("unit", _("Unit")),
            ("roles", _("Roles")),
            ("active", _("Active")),
            ("locale", _("Language")),
        ]
        return export(fmt, "users", cols, data)
    return render_template(
        "admin/users.html", users=rows, units=units, q=q, unit_id=unit_id, role=role, roles=ROLES
    )


def _user_form(user: User | None) -> UserForm:
    form = UserForm(obj=user)
    form.unit_id.choices = _unit_choices(_("(none)"))
    form.roles.choices = [(r.value, str(ROLES[r.value])) for r in Role]
    return form


@bp.route("/users/new", methods=["GET", "POST"])
def user_new() -> Page:
    """Create a user."""
    form = _user_form(None)
    status = 200
    if request.method == "POST":
        done = submit(
            form,
            lambda: org.create_user(
                db.session(),
                login=form.login.data or "",
                display_name=form.display_name.data or "",
                password=form.password.data or "",
                unit_id=form.unit_id.data or None,
                roles=form.roles.data or [],
                locale=form.locale.data or "vi",
                email=form.email.data or None,
            ),
        )
        if done.ok and done.value is not None:
            flash(_("User %(login)s created.", login=done.value.login), "success")
            return redirect(url_for("admin.users"))
        status = done.status
    return render_template("admin/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int) -> Page:
    """Change a user (the login stays)."""
    edited = load_or_404(User, user_id)
    _kept(councils.of_user(db.session(), edited))
    form = _user_form(edited)
    form.login.data = edited.login
    status = 200
    if request.method == "POST":
        done = submit(
            form,
            lambda: org.update_user(
                db.session(),
                edited,
                display_name=form.display_name.data or "",
                unit_id=form.unit_id.data or None,
                roles=form.roles.data or [],
                active=bool(form.active.data),
                password=form.password.data or None,
                email=form.email.data or "",
            ),
        )
        if done.ok:
            flash(_("User %(login)s saved.", login=edited.login), "success")
            return redirect(url_for("admin.users"))
        status = done.status
    return render_template("admin/user_form.html", form=form, user=edited), status

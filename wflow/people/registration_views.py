"""Title registration pages: a unit's registrations of a year, registering, withdrawing."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import login_required
from werkzeug.wrappers import Response as WResponse

from wflow import db
from wflow.core.access import Action, current_year
from wflow.core.errors import ServiceError
from wflow.org.models import Unit
from wflow.people import registration as regs
from wflow.people import service as people
from wflow.people.forms import RegistrationForm
from wflow.people.models import TitleRegistration
from wflow.people.text import TITLE_LABELS
from wflow.people.views import Page, bp, form_error
from wflow.web.forms import EmptyForm
from wflow.web.guard import ensure, load_or_404, user
from wflow.web.lists import export, wanted_format


@bp.route("/units/<int:unit_id>/registrations", methods=["GET", "POST"])
@login_required
def registrations(unit_id: int) -> Page:
    """List the unit's registrations for a year (?year=, default this one); register people."""
    unit = load_or_404(Unit, unit_id)
    ensure(Action.VIEW, unit_id=unit_id)
    sess, me = db.session(), user()
    year = request.args.get("year", type=int) or current_year()
    can = people.may_manage(sess, me, unit_id)
    form = RegistrationForm(year=year)
    form.person_ids.choices = [
        (p.id or 0, f"{p.full_name} — {p.position}")
        for p in people.people_of(sess, [unit_id])
        if p.active
    ]
    status = 200
    if request.method == "POST":
        if not can:
            abort(403)
        if form.validate_on_submit():
            try:
                done = regs.register(sess, user=me, unit_id=unit_id, year=form.year.data,
                                     title=form.title.data or "",
                                     person_ids=form.person_ids.data or [])  # fmt: skip
            except ServiceError as exc:
                status = form_error(form, exc)
            else:
                message = _("%(n)d people registered.", n=done.added)
                if done.already:
                    message += " " + _("%(n)d were registered already.", n=done.already)
                flash(message, "success")
                return redirect(url_for("people.registrations", unit_id=unit_id,
                                        year=form.year.data), 303)  # fmt: skip
        else:
            status = 422
    rows = regs.registrations_of_unit(sess, unit_id, year)
    fmt = wanted_format()
    if fmt:
        data = [{"title": str(TITLE_LABELS.get(r.title, r.title)), "full_name": p.full_name,
                 "position": p.position, "year": r.year} for r, p in rows]  # fmt: skip
        cols = [
            ("year", _("Year")),
            ("title", pgettext("honour", "Title")),
            ("full_name", _("Full name")),
            ("position", pgettext("person", "Position")),
        ]
        return export(fmt, f"registrations-{unit.code}-{year}", cols, data)
    years = sorted({year, current_year(), *regs.registration_years(sess, unit_id)}, reverse=True)
    return render_template(
        "people/registrations.html", unit=unit, year=year, years=years, rows=rows, form=form,
        may_manage=can, withdraw_form=EmptyForm(), TITLE_LABELS=TITLE_LABELS,
    ), status  # fmt: skip


@bp.route("/registrations/<int:registration_id>/withdraw", methods=["POST"])
@login_required
def withdraw(registration_id: int) -> WResponse:
    """Withdraw a person's registration (the unit that made it, or the committee's clerks)."""
    row = load_or_404(TitleRegistration, registration_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    regs.withdraw(db.session(), user=user(), registration=row)
    flash(_("The registration was withdrawn."), "success")
    return redirect(url_for("people.registrations", unit_id=row.unit_id, year=row.year), 303)

"""Titles pages: a unit's decisions on its people's titles, and the award history look-up."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import login_required
from werkzeug.wrappers import Response as WResponse

from wflow import db
from wflow.awards.models import Award
from wflow.core.access import Action, current_year, is_committee
from wflow.core.errors import ServiceError
from wflow.org.models import Unit
from wflow.people import registration as regs
from wflow.people import service as people
from wflow.people.models import Person
from wflow.titles import history, rules
from wflow.titles import service as titles
from wflow.titles.forms import DecisionForm
from wflow.web.forms import form_error
from wflow.web.guard import ensure, load_or_404, user
from wflow.web.lists import export, wanted_format

bp = Blueprint("titles", __name__)
Page = str | WResponse | tuple[str, int]


def _grants(values: list[str]) -> list[titles.Grant]:
    """Read the form's "award_code:person_id" choices (400 when forged)."""
    out = []
    for value in values:
        code, _sep, person = str(value).partition(":")
        if not person.isdigit():
            abort(400)
        out.append(titles.Grant(person_id=int(person), award_code=code))
    return out


def _keep_choices(form: DecisionForm, unit_id: int, by_code: dict[str, Award]) -> None:
    """Keep on the form the unit's people chosen but not offered (e.g. not registered)."""
    offered = {value for value, _label in form.grants.choices or []}
    sess = db.session()
    for value in request.form.getlist("grants"):
        code, _sep, pid = value.partition(":")
        found = sess.get(Person, int(pid)) if pid.isdigit() and value not in offered else None
        if found is not None and found.unit_id == unit_id and code in by_code:
            label = f"{found.full_name} — {by_code[code].name}"
            form.grants.choices = [*(form.grants.choices or []), (value, label)]


@bp.route("/units/<int:unit_id>/titles", methods=["GET", "POST"])
@login_required
def unit_titles(unit_id: int) -> Page:
    """The unit's decisions on its people's titles for a year (?year=); its head decides."""
    unit = load_or_404(Unit, unit_id)
    ensure(Action.VIEW, unit_id=unit_id)
    sess, me = db.session(), user()
    year = request.args.get("year", type=int) or current_year() - 1
    can = titles.may_decide(me, unit_id)
    form = DecisionForm(year=year)
    awards = titles.unit_head_awards(sess)
    by_code = {a.code: a for a in awards}
    candidates = [
        (r, p) for r, p in regs.registrations_of_unit(sess, unit_id, year) if r.title in by_code
    ]
    form.grants.choices = [
        (f"{r.title}:{p.id}", f"{p.full_name} — {by_code[r.title].name}") for r, p in candidates
    ]
    status = 200
    if request.method == "POST":
        if not can:
            abort(403)
        _keep_choices(form, unit_id, by_code)
        if form.validate_on_submit():
            try:
                decision = titles.decide(
                    sess, user=me, unit_id=unit_id, year=form.year.data,
                    number=form.number.data, issued_on=form.issued_on.data,
                    grants=_grants(form.grants.data or []),
                )  # fmt: skip
            except ServiceError as exc:
                form_error(form, exc)
                status = exc.status
            else:
                flash(_("Decision %(number)s recorded.", number=decision.number), "success")
                return redirect(url_for("titles.unit_titles", unit_id=unit_id,
                                        year=decision.year), 303)  # fmt: skip
        else:
            if "csrf_token" in form.errors:
                abort(400)
            status = 422
    names = titles.award_names(sess)
    prerequisites = [(a, [rules.describe(r, names) for r in a.prerequisites]) for a in awards]
    years = sorted({year, current_year(), current_year() - 1,
                    *titles.decision_years(sess, unit_id)}, reverse=True)  # fmt: skip
    return render_template(
        "titles/unit.html", unit=unit, year=year, years=years, form=form, may_decide=can,
        decisions=titles.decisions_of_unit(sess, unit_id, year), prerequisites=prerequisites,
        adhoc=[e for e in history.adhoc_entries(sess, unit_id) if e.year == year],
    ), status  # fmt: skip


@bp.route("/titles/history")
@login_required
def lookup() -> Page:
    """Search the award history of people and units (tra cứu); export as CSV or XLSX."""
    sess, me = db.session(), user()
    only = history.scope(me)
    if only is None and not is_committee(me):
        abort(403)
    kind = request.args.get("kind", "")
    query = history.Query(
        q=request.args.get("q", "").strip(),
        year=request.args.get("year", type=int),
        award=request.args.get("award", ""),
        unit_id=request.args.get("unit", type=int),
        kind=kind if kind in history.KINDS else "",
    )
    rows = history.search(sess, me, query)
    fmt = wanted_format()
    if fmt:
        data = [
            {
                "year": e.year,
                "kind": _("Person") if e.kind == "person" else _("Unit"),
                "name": e.name,
                "unit": e.unit_name,
                "award": e.award_name,
                "decision": e.decision_number,
                "date": e.decision_date,
                "decided_by": e.decided_by,
                "revoked": _("yes") if e.revoked else "",
                "adhoc": e.adhoc,
            }
            for e in rows
        ]
        cols = [
            ("year", _("Year")),
            ("kind", _("Person or unit")),
            ("name", pgettext("nominee", "Name")),
            ("unit", _("Unit")),
            ("award", _("Title or award")),
            ("decision", _("Decision")),
            ("date", _("Date")),
            ("decided_by", _("Decided by")),
            ("revoked", _("Revoked")),
            ("adhoc", _("Ad-hoc award for")),
        ]
        return export(fmt, "award-history", cols, data)
    names = people.unit_names(sess, me)
    units = sorted(names.items(), key=lambda item: item[1]) if only is None else []
    awards = titles.award_names(sess)
    return render_template(
        "titles/history.html", rows=rows, query=query, units=units, awards=awards,
        only=names.get(only, "") if only else "",
    )  # fmt: skip

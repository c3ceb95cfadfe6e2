"""Summary report pages: the preview with its totals, the draft PDF and DOCX, the signed issue."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response as WResponse

from wflow import db
from wflow.campaigns.models import Campaign
from wflow.clock import utcnow
from wflow.core import installation
from wflow.core.access import current_year
from wflow.core.errors import ServiceError
from wflow.councils import service as councils
from wflow.org import directory
from wflow.org.models import Block
from wflow.summary import service as reports
from wflow.summary.forms import IssueForm
from wflow.summary.models import SummaryReport
from wflow.web.args import arg_year
from wflow.web.downloads import pdf_response, stored_pdf
from wflow.web.forms import form_error
from wflow.web.guard import load_or_404, user
from wflow.web.labels import PERIODS
from wflow.workflow_setup import engine

bp = Blueprint("summary", __name__)
Page = str | WResponse | tuple[str, int]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ISSUE_FIELDS = ("number", "issued_on", "password", "code", "file")


def _seen(subject: reports.Subject) -> reports.Subject:
    """Return the subject, or answer 403 unless the user sees its report."""
    if not reports.may_view(db.session(), user(), subject):
        abort(403)
    return subject


def _council() -> reports.Subject:
    mine = councils.of_user(db.session(), user())  # the reader's council's year
    return _seen(reports.council_year(arg_year() or current_year(), mine))


def _block(block_id: int) -> reports.Subject:
    block = load_or_404(Block, block_id)
    years = directory.block_years_of(db.session(), block_id)
    year = arg_year() or (years[0] if years else current_year())
    return _seen(reports.block_year(block, year))


def _campaign(campaign_id: int) -> reports.Subject:
    return _seen(reports.of_campaign(load_or_404(Campaign, campaign_id)))


def _name(subject: reports.Subject) -> str:
    """Return the files' name: summary-report-<what>-<year>."""
    what = (subject.block.code if subject.block else
            f"campaign-{subject.campaign.id}" if subject.campaign else "council")  # fmt: skip
    return f"summary-report-{what}-{subject.year}"


def _urls(subject: reports.Subject) -> dict[str, str]:
    """Return the page's, the PDF's, the DOCX's and the issue form's addresses."""
    if subject.block is not None:
        args = {"endpoint": "block", "block_id": subject.block.id, "year": subject.year}
    elif subject.campaign is not None:
        args = {"endpoint": "campaign", "campaign_id": subject.campaign.id}
    else:
        args = {"endpoint": "council", "year": subject.year}
    base = f"summary.{args.pop('endpoint')}"
    return {kind: url_for(f"{base}{suffix}", **args)  # type: ignore[arg-type]
            for kind, suffix in (("page", ""), ("pdf", "_pdf"), ("docx", "_docx"),
                                 ("issue", "_issue"))}  # fmt: skip


def _show(subject: reports.Subject, form: IssueForm | None = None, status: int = 200) -> Page:
    sess, me = db.session(), user()
    report = reports.build(sess, engine(), subject)
    may_issue = reports.may_issue(sess, me, subject)
    if form is None and may_issue:
        form = IssueForm(formdata=None)
        today = installation.local_date(sess, utcnow())
        form.number.data = reports.next_number(sess, subject, today, me)
        form.issued_on.data = today
    years = directory.block_years_of(sess, subject.block.id or 0) if subject.block else []
    return render_template(
        "summary/show.html", subject=subject, report=report, urls=_urls(subject),
        issued=reports.issued(sess, subject), form=form if may_issue else None,
        period=str(PERIODS.get(report.reference, report.reference)), years=years,
    ), status  # fmt: skip


def _pdf(subject: reports.Subject) -> Response:
    body = reports.draft_pdf(db.session(), engine(), subject)
    return pdf_response(body, _name(subject))


def _docx(subject: reports.Subject) -> Response:
    body = reports.draft_docx(db.session(), engine(), subject)
    disposition = f'attachment; filename="{_name(subject)}.docx"'
    headers = {"Content-Disposition": disposition, "Cache-Control": "private, no-store"}
    return Response(body, mimetype=DOCX, headers=headers)


def _issue(subject: reports.Subject) -> Page:
    """Sign and issue the report from the posted form; a refusal stays on the form."""
    form = IssueForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _show(subject, form, 422)
    # one byte more than allowed is enough to refuse the file (the service names the limit)
    upload = form.file.data.read(reports.UPLOAD_MAX_BYTES + 1) if form.file.data else None
    try:
        reports.issue(
            db.session(), engine(), user=user(), subject=subject, number=form.number.data or "",
            issued_on=form.issued_on.data, password=form.password.data or "",
            code=request.form.get("code", ""), address=request.remote_addr, upload=upload,
        )  # fmt: skip
    except ServiceError as exc:
        if exc.status >= 500 or (exc.status != 403 and exc.field not in ISSUE_FIELDS):
            raise
        if exc.status == 403:
            abort(403, description=str(exc.message))
        form_error(form, exc)
        return _show(subject, form, exc.status)
    flash(_("The report was signed and issued."), "success")
    return redirect(_urls(subject)["page"], 303)


# --- the council's year --------------------------------------------------------------------


@bp.route("/council/report")
@login_required
def council() -> Page:
    """Show the council's summary report of a year: totals, rankings, awards, initiatives."""
    return _show(_council())


@bp.route("/council/report.pdf")
@login_required
def council_pdf() -> Response:
    """Download the council's report as a draft PDF."""
    return _pdf(_council())


@bp.route("/council/report.docx")
@login_required
def council_docx() -> Response:
    """Download the council's report as a DOCX to edit."""
    return _docx(_council())


@bp.route("/council/report/issue", methods=["POST"])
@login_required
def council_issue() -> Page:
    """Sign and issue the council's report (the secretariat)."""
    return _issue(_council())


# --- a block's year ------------------------------------------------------------------------


@bp.route("/blocks/<int:block_id>/report")
@login_required
def block(block_id: int) -> Page:
    """Show a block's summary report of a year."""
    return _show(_block(block_id))


@bp.route("/blocks/<int:block_id>/report.pdf")
@login_required
def block_pdf(block_id: int) -> Response:
    """Download a block's report as a draft PDF."""
    return _pdf(_block(block_id))


@bp.route("/blocks/<int:block_id>/report.docx")
@login_required
def block_docx(block_id: int) -> Response:
    """Download a block's report as a DOCX to edit."""
    return _docx(_block(block_id))


@bp.route("/blocks/<int:block_id>/report/issue", methods=["POST"])
@login_required
def block_issue(block_id: int) -> Page:
    """Sign and issue a block's report (its leading unit's head, or the secretariat)."""
    return _issue(_block(block_id))


# --- a campaign ----------------------------------------------------------------------------


@bp.route("/campaigns/<int:campaign_id>/report")
@login_required
def campaign(campaign_id: int) -> Page:
    """Show a campaign's summary report."""
    return _show(_campaign(campaign_id))


@bp.route("/campaigns/<int:campaign_id>/report.pdf")
@login_required
def campaign_pdf(campaign_id: int) -> Response:
    """Download a campaign's report as a draft PDF."""
    return _pdf(_campaign(campaign_id))


@bp.route("/campaigns/<int:campaign_id>/report.docx")
@login_required
def campaign_docx(campaign_id: int) -> Response:
    """Download a campaign's report as a DOCX to edit."""
    return _docx(_campaign(campaign_id))


@bp.route("/campaigns/<int:campaign_id>/report/issue", methods=["POST"])
@login_required
def campaign_issue(campaign_id: int) -> Page:
    """Sign and issue a campaign's report (its launching unit's head, or the secretariat)."""
    return _issue(_campaign(campaign_id))


# --- issued reports ------------------------------------------------------------------------


@bp.route("/reports/<int:report_id>.pdf")
@login_required
def issued_pdf(report_id: int) -> Response:
    """Download an issued (signed) report, to whoever sees its subject."""
    row = load_or_404(SummaryReport, report_id)
    sess = db.session()
    _seen(reports.subject_of(sess, row))
    doc = reports.document_of(sess, row)
    if doc is None:
        abort(404)
    return stored_pdf(doc, f"summary-report-{row.id}")

"""Signature verification (public), the CA's CRL (public), unit certificates, the trust store."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlmodel import Session, col, select
from werkzeug.utils import secure_filename
from wtforms import HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from wflow import db
from wflow.core.access import Action, may
from wflow.core.errors import ServiceError
from wflow.core.numbers import INT32
from wflow.documents import pki
from wflow.documents.verify import Limits
from wflow.org import signers
from wflow.org.models import Unit, User
from wflow.pacts.documents import read_document
from wflow.pacts.models import Document
from wflow.signatures import codes, keys, own_key_views, own_keys, trust, validation
from wflow.signatures.models import TrustRoot, UnitCertificate
from wflow.web import formats
from wflow.web.args import read_request_int
from wflow.web.guard import ensure, load_or_404, user

bp = Blueprint("documents", __name__)


class VerifyForm(FlaskForm):
    """Upload a signed PDF to check its signatures."""

    file = FileField(_l("Signed PDF"), validators=[FileRequired()])


class Pkcs12Form(FlaskForm):
    """Upload the unit's own key and certificate (PKCS#12)."""

    file = FileField(_l("PKCS#12 file (.p12, .pfx)"), validators=[FileRequired()])
    password = PasswordField(_l("Password of the file"), validators=[Length(max=256)])


class TokenForm(FlaskForm):
    """Register the certificate of one's token (PEM: the certificate, then its issuers)."""

    certificate = TextAreaField(
        _l("Certificate of your token (PEM)"), validators=[DataRequired(), Length(max=65536)]
    )


class RevokeForm(FlaskForm):
    """Revoke a unit certificate, saying why."""

    cert_id = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class AddRootForm(FlaskForm):
    """Trust a root certificate (PEM) under a name."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    file = FileField(_l("Root certificate (PEM)"), validators=[FileRequired()])


class RemoveRootForm(FlaskForm):
    """Stop trusting a root, saying why."""

    root_id = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


def _show_error(form: FlaskForm, exc: ServiceError) -> int:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, str(exc.message)]
    flash(str(exc.message), "error")
    return exc.status


@bp.route("/verify", methods=["GET", "POST"])
def verify() -> ResponseReturnValue:
    """Check the signatures of an uploaded PDF (public: no sign-in needed)."""
    form = VerifyForm()
    limit = int(current_app.config["VERIFY_MAX_BYTES"])
    reports: list[keys.SignatureReport] | None = None
    status = 200
    if form.validate_on_submit():
        data = form.file.data.stream.read(limit + 1)
        if len(data) > limit:
            abort(413, _("The file is larger than %(n)d MB.", n=limit // (1024 * 1024)))
        try:
            reports = keys.verify_document(db.session(), data, limits=Limits(max_bytes=limit))
        except ServiceError as exc:
            status = _show_error(form, exc)
        if reports is not None and request.form.get("format") == "pdf":
            return _report_download(data, reports, form.file.data.filename or "")
    elif form.is_submitted():
        status = 422
    return render_template(
        "documents/verify.html", form=form, reports=reports, limit_mb=limit // (1024 * 1024)
    ), status


def _coded(sess: Session, code: str) -> Document | None:
    """Return the current document bearing `code` as typed (None when it names none)."""
    canonical = codes.normalise(code)
    return codes.current(sess, canonical) if canonical else None


@bp.route("/v/<code>")
def verify_code(code: str) -> ResponseReturnValue:
    """The public verification page of the document bearing a code (no sign-in needed)."""
    sess = db.session()
    doc = _coded(sess, code)
    if doc is None:
        return render_template("documents/verify_code.html", doc=None, code=code[:40]), 404
    try:
        reports = keys.verify_document(sess, read_document(sess, doc))
    except ServiceError:  # the stored file itself is refused: say so, do not hide it
        reports = None
    issuers = list(dict.fromkeys(r.unit.name for r in reports or [] if r.unit is not None))
    return render_template(
        "documents/verify_code.html",
        doc=doc,
        code=codes.grouped(doc.verify_code or ""),
        facts=codes.facts(sess, doc),
        issuers=issuers,
        reports=reports,
    )


@bp.route("/v/<code>/file")
def verify_code_file(code: str) -> ResponseReturnValue:
    """Download the stored file that a verification code leads to (public)."""
    sess = db.session()
    doc = _coded(sess, code)
    if doc is None:
        abort(404)
    canonical = doc.verify_code or ""
    return Response(read_document(sess, doc), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{canonical}.pdf"',
    })  # fmt: skip


def _report_download(
    data: bytes, reports: list[keys.SignatureReport], file_name: str
) -> ResponseReturnValue:
    """Return the validation report of the checked file as a PDF download."""
    pdf = validation.report_pdf(
        db.session(), data, reports, file_name=file_name[:200], zone=formats.timezone()
    )
    stem = (secure_filename(file_name) or "document.pdf").rsplit(".", 1)[0]
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="validation-{stem}.pdf"',
        "Cache-Control": "no-store",
    })  # fmt: skip


def _page(
    unit: Unit,
    upload: Pkcs12Form,
    revoke: RevokeForm,
    status: int,
    token: TokenForm | None = None,
) -> ResponseReturnValue:
    sess = db.session()
    rows = keys.unit_certificates(sess, unit.id or 0)
    ids = {r.holder_user_id for r in rows if r.holder_user_id}
    holders = dict(sess.exec(select(User.id, User.display_name).where(col(User.id).in_(ids))).all())
    signs = signers.signs_for(sess, user(), unit.id)
    page = render_template(
        "documents/certificates.html",
        unit=unit,
        certificates=rows,
        holders=holders,
        usable=keys.usable_certificate(sess, unit.id or 0),
        upload=upload if signers.is_head_of(user(), unit.id) else None,
        revoke=revoke if may(sess, user(), Action.ADMIN) else None,
        token=(token or TokenForm(formdata=None)) if signs else None,
        nonce=own_key_views.enrol_nonce() if signs else None,
        pretty=pki.format_fingerprint,
    )
    return own_key_views.allow_agent(current_app.make_response((page, status)))


@bp.route("/units/<int:unit_id>/certificates")
@login_required
def certificates(unit_id: int) -> ResponseReturnValue:
    """List the unit's certificates with their SHA-256 fingerprints."""
    unit = load_or_404(Unit, unit_id)
    ensure(Action.VIEW, unit_id=unit_id)
    return _page(unit, Pkcs12Form(formdata=None), RevokeForm(formdata=None), 200)


@bp.route("/units/<int:unit_id>/certificates/import", methods=["POST"])
@login_required
def import_certificate(unit_id: int) -> ResponseReturnValue:
    """Register the unit's own PKCS#12 key and certificate (the unit's head only)."""
    unit = load_or_404(Unit, unit_id)
    if not signers.is_head_of(user(), unit_id):
        abort(403)
    form = Pkcs12Form()
    if not form.validate_on_submit():
        return _page(unit, form, RevokeForm(formdata=None), 422)
    data = form.file.data.stream.read(keys.PKCS12_MAX_BYTES + 1)
    try:
        row = keys.import_pkcs12(db.session(), unit, data, form.password.data or "",
                                 holder=user())  # fmt: skip
    except ServiceError as exc:
        return _page(unit, form, RevokeForm(formdata=None), _show_error(form, exc))
    done = _("Certificate %(fp)s registered.", fp=pki.format_fingerprint(row.fingerprint))
    flash(done, "success")
    return redirect(url_for("documents.certificates", unit_id=unit_id))


@bp.route("/units/<int:unit_id>/certificates/token", methods=["POST"])
@login_required
def register_token(unit_id: int) -> ResponseReturnValue:
    """Register the certificate of the signer's token; its key stays on the token."""
    unit = load_or_404(Unit, unit_id)
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(unit, Pkcs12Form(formdata=None), RevokeForm(formdata=None), 422, form)
    try:
        row = own_keys.register_token_certificate(db.session(), unit, user(),
                                                  form.certificate.data or "")  # fmt: skip
    except ServiceError as exc:
        status = _show_error(form, exc)
        return _page(unit, Pkcs12Form(formdata=None), RevokeForm(formdata=None), status, form)
    done = _("Certificate %(fp)s registered.", fp=pki.format_fingerprint(row.fingerprint))
    flash(done, "success")
    return redirect(url_for("documents.certificates", unit_id=unit_id))


@bp.route("/units/<int:unit_id>/certificates/revoke", methods=["POST"])
@login_required
def revoke_certificate(unit_id: int) -> ResponseReturnValue:
    """Revoke one of the unit's certificates, with a reason (administrators only)."""
    unit = load_or_404(Unit, unit_id)
    ensure(Action.ADMIN)
    form = RevokeForm()
    if not form.validate_on_submit():
        return _page(unit, Pkcs12Form(formdata=None), form, 422)
    cert_id = read_request_int(form.cert_id.data, "cert_id", minimum=1, maximum=INT32)
    cert = db.session().get(UnitCertificate, cert_id) if cert_id else None
    if cert is None or cert.unit_id != unit_id:
        abort(404)
    try:
        keys.revoke_certificate(db.session(), cert, form.reason.data or "")
    except ServiceError as exc:
        return _page(unit, Pkcs12Form(formdata=None), form, _show_error(form, exc))
    done = _("Certificate %(fp)s revoked.", fp=pki.format_fingerprint(cert.fingerprint))
    flash(done, "success")
    return redirect(url_for("documents.certificates", unit_id=unit_id))


@bp.route("/pki/crl.der")
def crl() -> ResponseReturnValue:
    """The instance CA's certificate revocation list (public: certificates point here)."""
    sess = db.session()
    store = keys.key_store(sess)
    if not store.has_ca():
        abort(404)
    der = keys.current_crl(sess, store).public_bytes(serialization.Encoding.DER)
    return Response(der, mimetype="application/pkix-crl", headers={"Cache-Control": "max-age=300"})


@bp.route("/pki/ca.pem")
def ca_certificate() -> ResponseReturnValue:
    """The instance CA's certificate (public: to add it to a PDF reader's trusted roots)."""
    store = keys.key_store(db.session())
    if not store.has_ca():
        abort(404)
    return Response(pki.cert_to_pem(store.ca_cert()), mimetype="application/x-pem-file")


def _trust_page(add: AddRootForm, remove: RemoveRootForm, status: int) -> ResponseReturnValue:
    sess = db.session()
    removed = trust.removed_roots(sess)
    people = {u.id: u for u in sess.exec(select(User).where(col(User.id).in_(
        [r.removed_by_id for r in removed if r.removed_by_id]))).all()}  # fmt: skip
    return render_template(
        "documents/trust.html",
        roots=trust.roots(sess, keys.key_store(sess)),
        removed=removed,
        people=people,
        add=add,
        remove=remove,
        fingerprint=lambda c: pki.format_fingerprint(pki.fingerprint(c)),
        pretty=pki.format_fingerprint,
    ), status


@bp.route("/admin/trust")
@login_required
def trust_store() -> ResponseReturnValue:
    """List the trusted roots and the removed ones (administrators only)."""
    ensure(Action.ADMIN)
    return _trust_page(AddRootForm(formdata=None), RemoveRootForm(formdata=None), 200)


@bp.route("/admin/trust/add", methods=["POST"])
@login_required
def add_root() -> ResponseReturnValue:
    """Trust an uploaded root certificate under a name (administrators only)."""
    ensure(Action.ADMIN)
    form = AddRootForm()
    if not form.validate_on_submit():
        return _trust_page(form, RemoveRootForm(formdata=None), 422)
    data = form.file.data.stream.read(trust.PEM_MAX_BYTES + 1)
    sess = db.session()
    try:
        row = trust.add_root(sess, form.name.data or "", data, keys.key_store(sess), by=user())
    except ServiceError as exc:
        return _trust_page(form, RemoveRootForm(formdata=None), _show_error(form, exc))
    flash(_("The root “%(name)s” is now trusted.", name=row.name), "success")
    return redirect(url_for("documents.trust_store"))


@bp.route("/admin/trust/remove", methods=["POST"])
@login_required
def remove_root() -> ResponseReturnValue:
    """Stop trusting a root, with a reason (administrators only)."""
    ensure(Action.ADMIN)
    form = RemoveRootForm()
    if not form.validate_on_submit():
        return _trust_page(AddRootForm(formdata=None), form, 422)
    root_id = read_request_int(form.root_id.data, "root_id", minimum=1, maximum=INT32)
    row = db.session().get(TrustRoot, root_id) if root_id else None
    if row is None:
        abort(404)
    try:
        trust.remove_root(db.session(), row, form.reason.data or "", by=user())
    except ServiceError as exc:
        return _trust_page(AddRootForm(formdata=None), form, _show_error(form, exc))
    flash(_("The root “%(name)s” is no longer trusted.", name=row.name), "success")
    return redirect(url_for("documents.trust_store"))

"""Keys the signer holds, on the web: enrol a browser key or a token, sign with either.

The signing endpoints speak JSON to the page's script (wflow/static/js/signing.js): prepare
returns the bytes the signer's key signs, finish takes the signature back. Refusals answer
JSON with the reason; nothing changes.
"""

from __future__ import annotations

import base64
from typing import TypeVar

from flask import Blueprint, Response, abort, flash, jsonify, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from wflow import db
from wflow.core.errors import describe
from wflow.core.numbers import INT32
from wflow.core.uow import discard
from wflow.documents import pki
from wflow.engine import Engine
from wflow.errors import Refusal
from wflow.org.models import Unit
from wflow.security import CSP
from wflow.signatures import own_keys
from wflow.signatures.models import UnitCertificate
from wflow.signatures.rounds import Signable, SigningRound, Stale
from wflow.web.args import read_request_int
from wflow.web.forms import EmptyForm
from wflow.web.guard import load_or_404, user

bp = Blueprint("own_keys", __name__)
NONCE_KEY = "enrol_nonce"
# The page may reach the signing agent on the signer's own computer, and nothing else.
AGENT_CSP = CSP + "; connect-src 'self' http://127.0.0.1:* http://localhost:*"

T = TypeVar("T", bound=Signable)


def allow_agent(response: Response) -> Response:
    """Let the page's script reach the signing agent on 127.0.0.1 (the CSP's connect-src)."""
    response.headers["Content-Security-Policy"] = AGENT_CSP
    return response


def enrol_nonce() -> str:
    """Return the enrolment challenge of this session (a new one each page view)."""
    nonce = own_keys.new_nonce()
    session[NONCE_KEY] = nonce
    return nonce


def _refusal(exc: Refusal) -> ResponseReturnValue:
    discard(db.session())
    return jsonify(error=describe(exc), retry=isinstance(exc, Stale)), exc.status


def _checked_form() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


@bp.route("/units/<int:unit_id>/certificates/browser", methods=["POST"])
@login_required
def enrol_browser(unit_id: int) -> ResponseReturnValue:
    """Certify a key made in this browser, from its signed request (JSON answer)."""
    unit = load_or_404(Unit, unit_id)
    _checked_form()
    nonce = session.pop(NONCE_KEY, None)
    try:
        row = own_keys.enrol_browser_key(
            db.session(), unit, user(), nonce=nonce or "",
            spki=own_keys.decode(request.form.get("spki", ""), "spki"),
            proof=own_keys.decode(request.form.get("proof", ""), "proof"),
        )  # fmt: skip
    except Refusal as exc:
        return _refusal(exc)
    flash(_("A signing key was created in this browser; certificate %(fp)s.",
            fp=pki.format_fingerprint(row.fingerprint)), "success")  # fmt: skip
    target = url_for("documents.certificates", unit_id=unit_id)
    return jsonify(fingerprint=row.fingerprint, redirect=target)


def signing_choices(unit_id: int | None) -> list[UnitCertificate]:
    """Return the keys the signed-in person may sign for their unit with (held by them first):
    none when the server keeps their only key (the password alone signs)."""
    rows = own_keys.choices(db.session(), user(), unit_id) if unit_id else []
    return rows if any(r.held_by_signer for r in rows) else []


def prepare(round_: SigningRound[T], engine: Engine, subject: T, title: str) -> ResponseReturnValue:
    """Prepare the subject's PDF for the signer's own key; answer what it must sign."""
    _checked_form()
    cert_id = read_request_int(request.form.get("key"), "key", minimum=1, maximum=INT32)
    try:
        pending = round_.prepare_external(
            db.session(), engine, user=user(), subject=subject,
            password=request.form.get("password", ""), certificate_id=cert_id or 0,
            code=request.form.get("code", ""), address=request.remote_addr,
        )  # fmt: skip
    except Refusal as exc:
        return _refusal(exc)
    return jsonify(
        pending=pending.id,
        to_sign=base64.b64encode(pending.signed_attrs).decode("ascii"),
        document=title,
        signer=user().display_name,
    )


def finish(
    round_: SigningRound[T], engine: Engine, subject: T, back: str, done: str
) -> ResponseReturnValue:
    """Embed the signature the signer's key made; answer where to go next."""
    _checked_form()
    pending_id = read_request_int(request.form.get("pending"), "pending", minimum=1, maximum=INT32)
    try:
        signature = own_keys.decode(request.form.get("signature", ""), "signature")
        round_.finish_external(db.session(), engine, user=user(), subject=subject,
                               pending_id=pending_id or 0, signature=signature)  # fmt: skip
    except Refusal as exc:
        return _refusal(exc)
    flash(done, "success")
    return jsonify(redirect=back)

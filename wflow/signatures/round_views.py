"""The web face of a document kind its parties sign in rounds (a pact, a programme).

Two functions add the kind's routes to its blueprint: the signing routes (sign with the
password and second-factor code on the server's key, or prepare and finish a signature with
the signer's own key) and the downloads (the current PDF, one stored revision).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response as WResponse

from wflow import db
from wflow.core.errors import WrongPassword
from wflow.pacts.models import Document
from wflow.signatures import own_key_views
from wflow.signatures.rounds import Signable, SigningRound
from wflow.web.downloads import stored_pdf
from wflow.web.forms import EmptyForm
from wflow.web.guard import load_or_404, user, visible
from wflow.workflow_setup import engine


class Titled(Signable, Protocol):
    """A subject signed in rounds; its title names the document to the signer's key."""

    title: str


T = TypeVar("T", bound=Titled)
# The kind's page view, called again with the reason a signature was refused and its status.
ShowPage = Callable[..., WResponse]


def add_signing_routes(
    bp: Blueprint,
    round_: SigningRound[T],
    *,
    prefix: str,
    id_arg: str,
    show: ShowPage,
    done: LazyString,
) -> None:
    """Add the POST routes `sign`, `sign_prepare` and `sign_finish` under prefix/<id_arg> to `bp`.

    Each loads the subject visible to the user (404, 403), then checks the CSRF token (400);
    `done` is flashed once the unit's signature is added, and the person goes back to `show`.
    """
    base = f"{prefix}/<int:{id_arg}>"
    page = f"{bp.name}.{show.__name__}"  # the page's endpoint, named after its view

    def back(ident: int) -> str:
        """Return the address of the subject's page."""
        args: dict[str, Any] = {id_arg: ident}
        return url_for(page, **args)

    @login_required
    def sign(**ids: int) -> WResponse:
        """Sign for the user's unit with the password (its head); if refused, show the reason."""
        ident = ids[id_arg]
        subject = visible(round_.model, ident)
        if not EmptyForm().validate_on_submit():
            abort(400)
        password = request.form.get("password", "")
        if not password:
            return show(ident, sign_error=_("Enter your password to sign."), status=422)
        try:
            round_.sign(db.session(), engine(), user=user(), subject=subject, password=password,
                        code=request.form.get("code", ""), address=request.remote_addr)  # fmt: skip
        except WrongPassword as exc:
            return show(ident, sign_error=str(exc.message), status=exc.status)
        flash(str(done), "success")
        return redirect(back(ident), 303)

    @login_required
    def sign_prepare(**ids: int) -> ResponseReturnValue:
        """Prepare the subject for the signer's own key (browser, token): what it must sign."""
        subject = visible(round_.model, ids[id_arg])
        return own_key_views.prepare(round_, engine(), subject, subject.title)

    @login_required
    def sign_finish(**ids: int) -> ResponseReturnValue:
        """Embed the signature the signer's key made of the prepared subject (JSON)."""
        ident = ids[id_arg]
        subject = visible(round_.model, ident)
        return own_key_views.finish(round_, engine(), subject, back(ident), str(done))

    for view in (sign, sign_prepare, sign_finish):
        path = view.__name__.replace("_", "/")
        bp.add_url_rule(f"{base}/{path}", view.__name__, view, methods=["POST"])


def add_document_routes(
    bp: Blueprint,
    round_: SigningRound[T],
    *,
    prefix: str,
    id_arg: str,
    not_rendered: LazyString,
    revision_name: Callable[[T, Document], str],
) -> None:
    """Add the GET routes `pdf` (prefix/<id_arg>.pdf) and `document` (one revision) to `bp`.

    Both load the subject visible to the user (404, 403); `pdf` answers 404 with
    `not_rendered` before the first revision, `document` 404 for another subject's document.
    """
    base = f"{prefix}/<int:{id_arg}>"

    @login_required
    def pdf(**ids: int) -> Response:
        """Download the subject's current PDF (its parties and the committee)."""
        subject = visible(round_.model, ids[id_arg])
        doc = round_.current(db.session(), subject)
        if doc is None:
            abort(404, description=str(not_rendered))
        return stored_pdf(doc, f"{round_.kind}-{subject.id}")

    @login_required
    def document(document_id: int, **ids: int) -> Response:
        """Download one stored revision of the subject."""
        subject = visible(round_.model, ids[id_arg])
        doc = load_or_404(Document, document_id)
        if getattr(doc, round_.owner) != subject.id:
            abort(404)
        return stored_pdf(doc, revision_name(subject, doc))

    bp.add_url_rule(f"{base}.pdf", "pdf", pdf)
    bp.add_url_rule(f"{base}/documents/<int:document_id>.pdf", "document", document)

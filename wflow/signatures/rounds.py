"""A signing round: the parties of a document each sign their own field of one stored PDF.

A pact and a coordination programme are signed alike: the PDF is rendered once with an empty
field per party; each party's head signs its field after re-entering the password, as an
incremental update stored as a new revision (`Document.parent_id` chains them); the
workflow's act then names that revision (the guard `signed_revision`), so the state and the
document never disagree. Two heads signing at the same moment are serialised by the
instance's version: the later one signs the fresh revision again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.clock import utcnow
from wflow.core import uow
from wflow.core import workflow as wf
from wflow.core.errors import Conflict, Forbidden, NotFound
from wflow.engine import Engine, FireContext, StaleVersion, WfInstance
from wflow.org.models import User
from wflow.pacts.documents import Signer, add_document, field_name, read_document
from wflow.pacts.models import Document
from wflow.signatures import keys, own_keys
from wflow.signatures.models import PendingSignature

SIGN_ATTEMPTS = 4  # tries when another head signs at the same moment


class Stale(Conflict):
    """Another party signed since the revision was prepared: prepare and sign again."""

    def __init__(self) -> None:
        """Say so in the signer's language."""
        super().__init__(_l("Another party signed meanwhile: your signature is made again on "
                            "the new revision."))  # fmt: skip


class Signable(Protocol):
    """A row whose PDF its parties sign: a pact, a programme."""

    id: int | None
    instance_id: int | None
    document_id: int | None
    updated_at: datetime


T = TypeVar("T", bound=Signable)


@dataclass(frozen=True)
class SigningRound(Generic[T]):
    """How one kind of document is signed: where its revisions are, who signs, and why."""

    model: type[T]
    owner: str  # the Document column naming the subject, e.g. "pact_id"
    kind: str  # Document.kind of its revisions, e.g. "pact"
    signers: Callable[[Session, T], list[Signer]]  # the parties, in the document's order
    reason: Callable[[T], str]  # the signature's stated reason, e.g. "Ký giao ước số 01/…"

    def current(self, session: Session, subject: T) -> Document | None:
        """Return the subject's current PDF revision, if it was rendered."""
        return session.get(Document, subject.document_id) if subject.document_id else None

    def signed_fields(self, session: Session, subject: T) -> dict[str, Document]:
        """Return the fields filled in the current revision, with the revision that filled each."""
        out: dict[str, Document] = {}
        doc = self.current(session, subject)
        while doc is not None and doc.field:
            out[doc.field] = doc
            doc = session.get(Document, doc.parent_id) if doc.parent_id else None
        return out

    def progress(self, session: Session, subject: T) -> Progress:
        """Return who signed the current revision and who is missing."""
        done = self.signed_fields(session, subject)
        everyone = self.signers(session, subject)
        return Progress(
            signed=[(s, done[s.field]) for s in everyone if s.field in done],
            missing=[s for s in everyone if s.field not in done],
        )

    def revisions(self, session: Session, subject: T) -> list[Document]:
        """Return every stored document of the subject, oldest first."""
        query = select(Document).where(getattr(Document, self.owner) == subject.id)
        return list(session.exec(query.order_by(col(Document.id))).all())

    def store(
        self,
        session: Session,
        subject: T,
        pdf: bytes,
        *,
        user_id: int | None,
        field: str = "",
        parent_id: int | None = None,
    ) -> Document:
        """Store a revision of the subject's PDF (flushed; the caller makes it current)."""
        owner: dict[str, Any] = {self.owner: subject.id}  # the owner column of Document
        return add_document(session, None, pdf, kind=self.kind, user_id=user_id, field=field,
                            parent_id=parent_id, **owner)  # fmt: skip

    def make_current(self, session: Session, subject: T, doc: Document) -> None:
        """Make `doc` the subject's current revision."""
        subject.document_id, subject.updated_at = doc.id, utcnow()
        session.add(subject)
        session.flush()

    def sign(
        self,
        session: Session,
        engine: Engine,
        *,
        user: User,
        subject: T,
        password: str,
        code: str = "",
        address: str | None = None,
    ) -> Document:
        """Sign the subject's PDF for the user's unit (its head, who proves who they are).

        When another head signed meanwhile, sign again on the fresh revision (a few attempts),
        so that neither signature is lost. A refusal leaves the document and the state as
        they were.
        """
        for _attempt in range(SIGN_ATTEMPTS):
            fresh, current, version = self._open(session, engine, user, subject.id)
            field = field_name(user.unit_id or 0)
            signed = keys.sign_as_unit(session, user, password, read_document(session, current),
                                       field, None, reason=self.reason(fresh),
                                       code=code, address=address)  # fmt: skip
            try:
                return self._record(session, engine, user, fresh, signed, current, version)
            except StaleVersion:
                continue  # another head signed meanwhile: sign the fresh revision
        raise Conflict(_l("The document was changed meanwhile; reload the page and try again."))

    def prepare_external(
        self,
        session: Session,
        engine: Engine,
        *,
        user: User,
        subject: T,
        password: str,
        certificate_id: int,
        code: str = "",
        address: str | None = None,
    ) -> PendingSignature:
        """Prepare the subject's PDF for the user's own key (browser, token): committed, it
        waits for the signature their side makes of `signed_attrs`."""
        fresh, current, _version = self._open(session, engine, user, subject.id)
        unit = keys.confirm_signer(session, user, password, code=code, address=address)
        row = own_keys.own_certificate(session, user, unit, certificate_id)
        with uow.unit_of_work(session):
            pending = own_keys.prepare(
                session, user, unit, row, read_document(session, current),
                subject=self._key(fresh), document_id=current.id or 0,
                field=field_name(unit.id or 0), reason=self.reason(fresh),
            )  # fmt: skip
        return pending

    def finish_external(
        self, session: Session, engine: Engine, *, user: User, subject: T, pending_id: int,
        signature: bytes,
    ) -> Document:  # fmt: skip
        """Embed the signature the user's side made of a prepared revision, and record it.

        If another party signed since it was prepared, refuse (Stale): the page prepares again.
        """
        pending = own_keys.pending_of(session, user, pending_id, self._key(subject))
        fresh, current, version = self._open(session, engine, user, subject.id)
        if current.id != pending.document_id:
            raise Stale()
        signed = own_keys.finish(session, pending, signature)
        try:
            doc = self._record(session, engine, user, fresh, signed, current, version, pending)
        except StaleVersion:
            raise Stale() from None
        return doc

    def _key(self, subject: T) -> str:
        return f"{self.kind}:{subject.id}"

    def _open(
        self, session: Session, engine: Engine, user: User, subject_id: int | None
    ) -> tuple[T, Document, int]:
        """Return the subject as committed, its current revision and its version, once the user
        may sign it now."""
        uow.fresh(session)  # read the latest revision and version others committed
        fresh = session.get(self.model, subject_id)
        if fresh is None:
            raise NotFound(_l("This document does not exist."))
        # The version first, then the current revision: a signature committed in between
        # then makes this fire stale, instead of pairing an old revision with the new
        # version (READ COMMITTED reads each statement afresh) and losing that signature.
        workflow, state, version = _instance(session, fresh.instance_id)
        session.refresh(fresh)
        if state not in engine.tagged(workflow, "signing"):
            raise Conflict(_l("The document is not open for signing."))
        self._check_may_sign(session, engine, user, fresh)
        current = self.current(session, fresh)
        if current is None:
            raise Conflict(_l("The document has not been rendered yet."))
        return fresh, current, version

    def _record(
        self,
        session: Session,
        engine: Engine,
        user: User,
        subject: T,
        signed: bytes,
        current: Document,
        version: int,
        pending: PendingSignature | None = None,
    ) -> Document:
        """Store the signed revision, fire "sign" naming it and make it current, in one unit."""
        field = field_name(user.unit_id or 0)
        with uow.unit_of_work(session):
            doc = self.store(session, subject, signed, user_id=user.id, field=field,
                             parent_id=current.id)  # fmt: skip
            wf.fire(session, engine, user, subject.instance_id or 0, "sign",
                    {"sha256": doc.sha256}, expected_version=version)  # fmt: skip
            self.make_current(session, subject, doc)
            if pending is not None:
                session.delete(pending)
        return doc

    def _check_may_sign(self, session: Session, engine: Engine, user: User, subject: T) -> None:
        parties = {s.unit_id for s in self.signers(session, subject)}
        if not user.unit_id or user.unit_id not in parties:
            raise Forbidden(_l("Only the heads of the parties' units sign this document."))
        if field_name(user.unit_id) in self.signed_fields(session, subject):
            raise Conflict(_l("Your unit has already signed this document."))
        actor = wf.actor_for(session, user)
        if "sign" not in engine.available(session, subject.instance_id or 0, actor):
            raise Forbidden(_l("It is not your unit's turn to sign yet (see the signing order)."))

    def signed_revision(self, ctx: FireContext) -> bool | str:
        """Guard: pass when the act names the revision in which the actor's unit just signed.

        A head signs through `sign`, which stores the signed PDF first: a bare "sign" from
        elsewhere (the generic instance page, the API) names no revision.
        """
        session: Session = ctx.session  # type: ignore[assignment]
        sha = str(ctx.data.get("sha256", ""))
        # The current revision as committed (the instance row is locked now), not the
        # session's copy of the subject, which may predate another head's signature.
        current = session.exec(
            select(self.model.document_id).where(self.model.id == ctx.scope.subject_id)
        ).first()
        found = session.exec(
            select(Document.id).where(
                getattr(Document, self.owner) == ctx.scope.subject_id,
                Document.kind == self.kind,
                Document.sha256 == sha,
                Document.parent_id == current,
                Document.field == field_name(ctx.actor.unit_id or 0),
            )
        ).first()
        if not sha or found is None:
            return str(_l("Sign on the document's page: your signature goes into the PDF."))
        return True


@dataclass(frozen=True)
class Progress:
    """Who signed the current revision and who is missing."""

    signed: list[tuple[Signer, Document]]
    missing: list[Signer]

    @property
    def total(self) -> int:
        """Return how many parties sign."""
        return len(self.signed) + len(self.missing)


def _instance(session: Session, instance_id: int | None) -> tuple[str, str, int]:
    query = select(WfInstance.workflow, WfInstance.state, WfInstance.lock_version)
    row = session.exec(query.where(WfInstance.id == instance_id)).first()
    if row is None:
        raise NotFound(_l("This document has no workflow."))
    return row[0], row[1], row[2]

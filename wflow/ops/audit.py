"""The audit of the present: every chain, every instance row, every stored file against its hash.

`verify` is what `wflow audit verify` prints: one line per problem, at most one per instance
(its first broken link, else the first field of its row the chain's head does not say) and
one per document or evidence file that is missing or altered on disk. `watch` is the periodic
check `wflow tick` runs once per interval: it reports each breakage once to the
administrators (a notification and a log line) and forgets it once it is gone.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from wflow.core import installation
from wflow.core.blobs import BlobStore, Staged
from wflow.core.uow import unit_of_work
from wflow.engine import verify_instances
from wflow.notifications import service as notifications
from wflow.ops.models import AuditAlert, AuditRun
from wflow.pacts.models import Document
from wflow.reviews.models import ReviewEvidence

log = logging.getLogger(__name__)

RUN_ID = 1  # the one row of audit_run


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem the audit found, as one line for people."""

    line: str

    @property
    def key(self) -> str:
        """Return the finding's identity: the same breakage found again has the same key."""
        return hashlib.sha256(self.line.encode()).hexdigest()


def verify(session: Session, blobs: BlobStore | None = None) -> list[Finding]:
    """Check every chain, instance row, document and evidence file; return what is wrong."""
    store = blobs or installation.of(session).blobs
    found = [Finding(f.line) for f in verify_instances(session)]
    files = [
        ("document", sa.select(col(Document.id), col(Document.path), col(Document.sha256))
         .order_by(col(Document.id))),
        ("evidence", sa.select(col(ReviewEvidence.id), col(ReviewEvidence.path),
                               col(ReviewEvidence.sha256)).order_by(col(ReviewEvidence.id))),
    ]  # fmt: skip
    for kind, query in files:
        for row_id, path, sha256 in session.execute(query).all():
            problem = store.check(path, sha256)
            if problem is not None:
                found.append(Finding(f"{kind} {row_id}: {path}: {problem}"))
    return found


STAGING_GRACE = timedelta(minutes=10)  # a staged file younger than this may still be committing


@dataclass(frozen=True, slots=True)
class SweepReport:
    """What sweeping the staging folder did with the files killed processes left there."""

    published: int = 0  # its record was committed: the file belongs in the store
    deleted: int = 0  # no record vouches for it: never stored


def sweep_staging(session: Session, now: datetime, blobs: BlobStore | None = None) -> SweepReport:
    """Settle the staged files older than the grace: store those a committed record names."""
    store = blobs or installation.of(session).blobs
    published = deleted = 0
    for left in store.leftovers():
        if now - left.modified < STAGING_GRACE:
            continue
        sha = hashlib.sha256(left.path.read_bytes()).hexdigest()
        if _recorded(session, left.relative, sha):
            store.publish(Staged(sha, left.relative, left.path))
            published += 1
            log.warning("staging: stored %s (its record was committed)", left.relative)
        else:
            left.path.unlink(missing_ok=True)
            deleted += 1
            log.warning("staging: deleted %s (no record names it)", left.relative)
    return SweepReport(published=published, deleted=deleted)


def _recorded(session: Session, relative: str, sha256: str) -> bool:
    """Tell whether a committed document or evidence record names this file."""
    for model in (Document, ReviewEvidence):
        query = sa.select(col(model.id)).where(col(model.path) == relative,
                                               col(model.sha256) == sha256)  # fmt: skip
        if session.execute(query.limit(1)).first() is not None:
            return True
    return False


def file_count(session: Session) -> int:
    """Return how many stored files the database records (documents and evidence)."""
    count = sa.select(sa.func.count()).select_from
    docs = session.execute(count(Document)).scalar_one()
    evidence = session.execute(count(ReviewEvidence)).scalar_one()
    return int(docs) + int(evidence)


@dataclass(frozen=True, slots=True)
class WatchReport:
    """What one periodic check did: whether it ran, what it found, what was new."""

    ran: bool
    problems: int = 0
    new: tuple[str, ...] = ()


def watch(session: Session, now: datetime, interval: timedelta | None) -> WatchReport:
    """Run the audit if the last run is `interval` old; report new breakages to the admins."""
    if interval is None or not _claim(session, now, interval):
        return WatchReport(ran=False)
    findings = verify(session)
    with unit_of_work(session):
        new = _remember(session, findings, now)
        for line in new:
            log.error("audit: %s", line)
        notifications.alert_admins(session, new, now)
    return WatchReport(ran=True, problems=len(findings), new=tuple(new))


def _claim(session: Session, now: datetime, interval: timedelta) -> bool:
    """Take this interval's run (one process of several running tick at once gets it)."""
    with unit_of_work(session):
        taken = session.execute(
            sa.update(AuditRun)
            .where(col(AuditRun.id) == RUN_ID, col(AuditRun.checked_at) <= now - interval)
            .values(checked_at=now)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return True
        if session.get(AuditRun, RUN_ID) is not None:
            return False
        first = _insert_new(session, AuditRun).values(id=RUN_ID, checked_at=now, problems=0)
        return session.execute(first.returning(col(AuditRun.id))).first() is not None


def _remember(session: Session, findings: list[Finding], now: datetime) -> list[str]:
    """Record the findings not reported yet (returned), forget the ones that are gone."""
    keys = {f.key: f for f in findings}
    new: list[str] = []
    for key, finding in keys.items():
        stmt = _insert_new(session, AuditAlert).values(key=key, line=finding.line, found_at=now)
        if session.execute(stmt.returning(col(AuditAlert.id))).first() is not None:
            new.append(finding.line)
    gone = sa.delete(AuditAlert)
    if keys:
        gone = gone.where(col(AuditAlert.key).not_in(list(keys)))
    session.execute(gone)
    session.execute(
        sa.update(AuditRun).where(col(AuditRun.id) == RUN_ID).values(problems=len(findings))
    )
    return new


def _insert_new(session: Session, model: type[AuditAlert] | type[AuditRun]) -> sa.Insert:
    """Return an INSERT of `model` that does nothing when the row exists (several ticks race).

    Whether it inserted is told by RETURNING: psycopg's rowcount says -1 for it.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model).on_conflict_do_nothing()


def alerts(session: Session) -> list[AuditAlert]:
    """Return the breakages reported and not gone yet, oldest first."""
    return list(session.exec(select(AuditAlert).order_by(col(AuditAlert.id))).all())

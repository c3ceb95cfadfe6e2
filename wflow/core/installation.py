"""What an installation gives its services: settings, the blob store, the mailer, the key store.

`wflow.create_app` builds one `Installation` per app at `init_app` and attaches it to the
app's database engine; a service finds it from the session it was given (`of(session)`),
so services never read Flask's `current_app` or `g`, and several apps in one process (tests,
a CLI beside a server) each keep their own folder and settings. A session bound to an engine
no app attached (the engine's own tests) has no installation: `maybe(session)` is None.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from wflow.core.blobs import BlobStore
from wflow.documents.pki import KeyStore

if TYPE_CHECKING:  # the mailer renders with the app's templates; only its type is needed here
    from wflow.core.courier import Courier
    from wflow.core.mailer import Mailer
    from wflow.engine import Engine


@dataclass(frozen=True)
class Settings:
    """Typed reads of the configuration services use, live (a test may change a value)."""

    config: Mapping[str, Any] = field(default_factory=dict)

    @property
    def evidence_max_bytes(self) -> int:
        """Return the largest evidence file accepted (REVIEW_EVIDENCE_MAX_BYTES)."""
        return int(self.config.get("REVIEW_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024))

    @property
    def timezone(self) -> str:
        """Return the installation's time zone name (BABEL_DEFAULT_TIMEZONE)."""
        return str(self.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Ho_Chi_Minh")

    @property
    def login_max_failures(self) -> int:
        """Return how many wrong answers a login allows from one address (LOGIN_MAX_FAILURES)."""
        return int(self.config.get("LOGIN_MAX_FAILURES", 5))

    @property
    def login_delay(self) -> timedelta:
        """Return the first wait after those, doubled with each failure (LOGIN_DELAY_SECONDS)."""
        return timedelta(seconds=int(self.config.get("LOGIN_DELAY_SECONDS", 30)))

    @property
    def login_lock(self) -> timedelta:
        """Return the longest wait (LOGIN_LOCK_SECONDS)."""
        return timedelta(seconds=int(self.config.get("LOGIN_LOCK_SECONDS", 15 * 60)))

    @property
    def public_url(self) -> str:
        """Return the installation's public address (PUBLIC_URL), without a final slash."""
        return str(self.config.get("PUBLIC_URL") or "http://localhost:5000").rstrip("/")

    @property
    def crl_url(self) -> str:
        """Return where the instance CA's CRL is published (PUBLIC_URL + /pki/crl.der)."""
        return f"{self.public_url}/pki/crl.der"

    @property
    def tsa_url(self) -> str | None:
        """Return the external time-stamping authority's URL (TSA_URL; None: the built-in)."""
        return str(self.config.get("TSA_URL") or "") or None

    @property
    def notify_in_background(self) -> bool:
        """Tell whether notifications are delivered by a thread of the server process
        (NOTIFY_IN_BACKGROUND; on for the WSGI entry point) instead of after each change."""
        value = self.config.get("NOTIFY_IN_BACKGROUND", False)
        return str(value).lower() not in {"", "0", "false", "no", "off"}

    @property
    def audit_interval(self) -> timedelta | None:
        """Return the time between periodic audit checks (AUDIT_CHECK_MINUTES; None: off)."""
        minutes = float(self.config.get("AUDIT_CHECK_MINUTES", 60) or 0)
        return timedelta(minutes=minutes) if minutes > 0 else None


@dataclass(frozen=True)
class Installation:
    """One installation's folder and the objects built from it at start-up."""

    folder: Path
    settings: Settings = field(default_factory=Settings)
    mailer: Mailer | None = None
    workflows: Engine | None = None  # the workflow engine built from workflows/*.yaml
    courier: Courier | None = None  # drains outboxes after commits (the notifications')

    @property
    def blobs(self) -> BlobStore:
        """Return the store of files kept by hash under the folder."""
        return BlobStore(self.folder)

    @property
    def keys(self) -> KeyStore:
        """Return the key store (CA, unit keys) under the folder."""
        return KeyStore(self.folder)  # its secret: WFLOW_KEY_PASSPHRASE or instance/keys/kek


_BY_ENGINE: weakref.WeakKeyDictionary[sa.Engine, Installation] = weakref.WeakKeyDictionary()


def attach(bind: sa.Engine, installation: Installation) -> None:
    """Make `installation` the one every session on `bind` finds."""
    _BY_ENGINE[bind] = installation


def maybe(session: Session) -> Installation | None:
    """Return the installation of the session's database, or None outside an app."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, sa.Engine) else bind.engine
    return _BY_ENGINE.get(engine)


def workflows_of(session: Session) -> Engine:
    """Return the workflow engine of the session's installation."""
    engine = of(session).workflows
    if engine is None:
        raise RuntimeError("this installation has no workflow engine")
    return engine


def zone(session: Session) -> str:
    """Return the installation's time zone name (the default one outside an app)."""
    found = maybe(session)
    return found.settings.timezone if found is not None else "Asia/Ho_Chi_Minh"


def local_date(session: Session, moment: datetime) -> date:
    """Return the installation's local date at `moment` (naive UTC): a document's date."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(zone(session))).date()


def of(session: Session) -> Installation:
    """Return the installation of the session's database (an app must have attached one)."""
    found = maybe(session)
    if found is None:
        raise RuntimeError("no installation is attached to this database (create the app first)")
    return found

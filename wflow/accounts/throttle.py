"""Sign-in throttling per (login, client address): a few free tries, then waits that double.

Counted for every wrong answer a person gives to prove who they are: a password at sign-in
or when re-entered to sign a document. The pair is the key: a stranger
guessing from another address earns waits for that address only (the owner signs in as
usual), and colleagues behind one office address never share a lock. Unknown logins are
counted too, so guessing reveals nothing and is slowed alike. A success forgets the pair.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from wflow.accounts.models import LoginThrottle
from wflow.core import installation
from wflow.core.errors import ServiceError
from wflow.core.uow import after_rollback, in_unit, unit_of_work

UNKNOWN_ADDRESS = "unknown"  # callers without a client address (the CLI, the demo) share it


class LoginRefused(ServiceError):
    """Wrong login or password, an inactive account, or tries from this address on hold."""

    status = 401


@dataclass(frozen=True)
class Throttle:
    """How many wrong answers a login allows from one address, and how the waits grow."""

    free: int = 5  # failures before the first wait
    first_delay: timedelta = timedelta(seconds=30)  # doubled with each further failure
    longest: timedelta = timedelta(minutes=15)
    forget_after: timedelta = timedelta(days=1)  # a pair quiet this long starts afresh

    def wait_after(self, failures: int) -> timedelta | None:
        """Return the wait the `failures`-th failure earns (None while tries are free)."""
        if failures < self.free:
            return None
        doubled = self.first_delay * 2 ** min(failures - self.free, 30)
        return min(doubled, self.longest)


def throttle_of(session: Session) -> Throttle:
    """Return the throttle of the session's installation (the defaults outside an app)."""
    found = installation.maybe(session)
    if found is None:
        return Throttle()
    settings = found.settings
    return Throttle(settings.login_max_failures, settings.login_delay, settings.login_lock)


def key(login: str | None, address: str | None) -> tuple[str, str]:
    """Return the throttle's key: the login as typed (lower-cased) and the client address."""
    return (login or "").strip().lower()[:80], (address or UNKNOWN_ADDRESS)[:45]


def ensure_allowed(session: Session, login: str | None, address: str | None, now: datetime) -> None:
    """Refuse (401) while the pair waits; the try is not counted and checks nothing."""
    row = session.get(LoginThrottle, key(login, address))
    if row is not None and row.blocked_until is not None and row.blocked_until > now:
        raise LoginRefused(waiting_message(row.blocked_until, now))


def failed(
    session: Session, login: str | None, address: str | None, throttle: Throttle, now: datetime
) -> datetime | None:
    """Count a wrong answer; return until when the pair now waits (None: tries still free).

    It stands even when the caller's unit of work then rolls back (the act is refused).
    """
    pair = key(login, address)

    def count() -> datetime | None:
        row = session.get(LoginThrottle, pair) or LoginThrottle(login=pair[0], address=pair[1])
        if row.failures and now - row.last_failure_at > throttle.forget_after:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        wait = throttle.wait_after(row.failures)
        row.blocked_until = now + wait if wait is not None else None
        session.add(row)
        return row.blocked_until

    if in_unit(session):
        after_rollback(session, lambda: _own_unit(session, count, throttle, now))
        return count()  # seen by the rest of the caller's unit (and kept if it commits)
    return _own_unit(session, count, throttle, now)


def succeeded(session: Session, login: str | None, address: str | None) -> None:
    """Forget the pair's failures (in the caller's unit of work)."""
    login_key, address_key = key(login, address)
    session.execute(
        delete(LoginThrottle).where(
            col(LoginThrottle.login) == login_key, col(LoginThrottle.address) == address_key
        )
    )


def waiting_message(until: datetime, now: datetime) -> Any:
    """Return the refusal of a pair that waits, saying how long."""
    seconds = max(1, int((until - now).total_seconds()) + 1)
    if seconds < 120:
        return _l(
            "Too many failed attempts from your address: this account is locked here for "
            "%(n)d more seconds.",
            n=seconds,
        )
    return _l(
        "Too many failed attempts from your address: this account is locked here for "
        "%(n)d more minutes.",
        n=(seconds + 59) // 60,
    )


def _own_unit(
    session: Session, count: Callable[[], datetime | None], throttle: Throttle, now: datetime
) -> datetime | None:
    """Count in a unit of work of its own, pruning pairs long quiet; retry a racing insert."""
    for _attempt in range(3):
        try:
            with unit_of_work(session):
                until = count()
                session.execute(
                    delete(LoginThrottle).where(
                        col(LoginThrottle.last_failure_at) < now - throttle.forget_after,
                        or_(
                            col(LoginThrottle.blocked_until).is_(None),
                            col(LoginThrottle.blocked_until) < now,
                        ),
                    )
                )
                return until
        except IntegrityError:  # another request counted the pair's first failure meanwhile
            continue
    return None

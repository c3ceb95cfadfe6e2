"""Signing in: check a password, count failures, lock an account after too many."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from wflow.accounts import passwords
from wflow.clock import utcnow
from wflow.core import installation
from wflow.core.errors import ServiceError
from wflow.core.uow import after_rollback, in_unit, transactional, unit_of_work
from wflow.org.models import User


@dataclass(frozen=True)
class Throttle:
    """How many failures lock an account, and for how long."""

    max_failures: int = 5
    lock: timedelta = timedelta(minutes=15)


class LoginRefused(ServiceError):
    """Wrong login or password, an inactive account, or a locked one."""

    status = 401


def authenticate(session: Session, login: str, password: str, throttle: Throttle) -> User:
    """Return the user whose login and password match, or raise LoginRefused."""
    now = utcnow()
    user = session.exec(select(User).where(User.login == (login or "").strip().lower())).first()
    if user is not None and user.locked_until is not None and user.locked_until > now:
        raise LoginRefused(_locked_message(user.locked_until, now))
    ok = passwords.verify_password(user.password_hash if user else None, password or "")
    if user is None or not ok or not user.active:
        if user is not None and user.active:
            _count_failure(session, user, throttle, now)
            if user.locked_until is not None:
                raise LoginRefused(_locked_message(user.locked_until, now))
        raise LoginRefused(_l("Wrong login or password."))
    with unit_of_work(session):
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = passwords.hash_password(password)
        user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
        session.add(user)
    return user


def recheck_password(session: Session, user: User, password: str, throttle: Throttle) -> bool:
    """Re-check a signed-in user's password before a grave act (signing); failures count.

    A wrong password counts toward the same lock as signing in, so the signing form cannot
    be used to guess it; a locked account is refused whatever the password.
    """
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        raise LoginRefused(_locked_message(user.locked_until, now))
    if passwords.verify_password(user.password_hash, password or ""):
        return True
    _count_failure(session, user, throttle, now)
    if user.locked_until is not None:
        raise LoginRefused(_locked_message(user.locked_until, now))
    return False


@transactional
def end_sessions(session: Session, user: User) -> None:
    """End every session of `user`: cookies issued before (and their copies) stop working."""
    user.session_epoch += 1
    session.add(user)


def throttle_of(session: Session) -> Throttle:
    """Return the lock rule of the session's installation (the defaults outside an app)."""
    found = installation.maybe(session)
    if found is None:
        return Throttle()
    return Throttle(found.settings.login_max_failures, found.settings.login_lock)


def _count_failure(session: Session, user: User, throttle: Throttle, now: datetime) -> None:
    """Count a wrong password; it stands even when the caller's unit then rolls back."""

    def count() -> None:
        with unit_of_work(session):
            session.refresh(user)
            user.failed_logins += 1
            if user.failed_logins >= throttle.max_failures:
                user.locked_until = now + throttle.lock
                user.failed_logins = 0
            session.add(user)

    if in_unit(session):
        after_rollback(session, count)  # the caller refuses the act: counted after its rollback
        user.failed_logins += 1
        if user.failed_logins >= throttle.max_failures:
            user.locked_until, user.failed_logins = now + throttle.lock, 0
        session.add(user)
    else:
        count()


def _locked_message(until: datetime, now: datetime) -> object:
    minutes = max(1, int((until - now).total_seconds() // 60) + 1)
    return _l("Too many failed attempts: this account is locked for %(m)d more minutes.", m=minutes)

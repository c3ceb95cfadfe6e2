"""Signing in: check a password, throttle wrong ones per login and client address."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from wflow.accounts import passwords, second_factor, throttle
from wflow.accounts.throttle import LoginRefused, Throttle, throttle_of
from wflow.clock import utcnow
from wflow.core import attach
from wflow.core.errors import WrongPassword
from wflow.core.uow import transactional, unit_of_work
from wflow.engine.fastsql import Db, Prepared
from wflow.org import epoch
from wflow.org.models import AccessEpoch, User

__all__ = [
    "LoginRefused",
    "Throttle",
    "authenticate",
    "complete_sign_in",
    "confirm_signer",
    "end_sessions",
    "recheck_password",
    "throttle_of",
    "turn_off_second_factor",
    "user_by_id",
]

# Every signed-in request reads its user first: on the DBAPI cursor, into the session as the
# ORM would load it (half the client's work of `select(User)` through the ORM), with the access
# epoch in the same statement as `User.access_epoch` loads it.
_EPOCH_VALUE = (
    sa.select(col(AccessEpoch.value)).where(col(AccessEpoch.id) == sa.bindparam("epoch_row"))
).scalar_subquery()
_USER_QUERY = select(User).where(col(User.id) == sa.bindparam("id"))
_USER_BY_ID = Prepared(
    sa.select(*sa.inspect(User).local_table.columns, _EPOCH_VALUE.label("access_epoch")).where(
        col(User.id) == sa.bindparam("id")
    )
)


def user_by_id(session: Session, user_id: int) -> User | None:
    """Return the user with this id (the one in the session's identity map if already read)."""
    if attach.loaded(session, User, user_id) is not None:  # the ORM refreshes what expired
        return session.execute(_USER_QUERY, {"id": user_id}).scalar_one_or_none()
    row = _USER_BY_ID.first(Db(session), {"id": user_id, "epoch_row": 1})
    if row is None:
        return None
    user = attach.persistent(session, User, row)
    epoch.user_loaded(session, user)
    return user


def authenticate(
    session: Session, login: str, password: str, rule: Throttle, *, address: str | None = None
) -> User:
    """Return the user whose login and password match, or raise LoginRefused.

    Wrong passwords are counted per (login, `address`): past the rule's free tries, every
    further try from that address waits, the right password too.
    """
    now = utcnow()
    throttle.ensure_allowed(session, login, address, now)
    user = session.exec(select(User).where(User.login == (login or "").strip().lower())).first()
    ok = passwords.verify_password(user.password_hash if user else None, password or "")
    if user is None or not ok or not user.active:
        until = throttle.failed(session, login, address, rule, now)
        if until is not None:
            raise LoginRefused(throttle.waiting_message(until, now))
        raise LoginRefused(_l("Wrong login or password."))
    with unit_of_work(session):
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = passwords.hash_password(password)
        user.last_login_at = now
        throttle.succeeded(session, login, address)
        session.add(user)
    return user


def recheck_password(
    session: Session, user: User, password: str, rule: Throttle, *, address: str | None = None
) -> bool:
    """Re-check a signed-in user's password before a grave act (signing); failures count.

    A wrong password counts toward the same waits as signing in from that address, so the
    signing form cannot be used to guess it; a pair that waits is refused whatever the
    password.
    """
    now = utcnow()
    throttle.ensure_allowed(session, user.login, address, now)
    if passwords.verify_password(user.password_hash, password or ""):
        return True
    until = throttle.failed(session, user.login, address, rule, now)
    if until is not None:
        raise LoginRefused(throttle.waiting_message(until, now))
    return False


def confirm_signer(
    session: Session, user: User, password: str, *, code: str = "", address: str | None = None
) -> None:
    """Check, before a signature, that the signed-in user proves who they are (422 if not).

    The password is re-entered, and the authenticator app's code when two-step sign-in is
    on; wrong answers count toward the waits of (login, `address`).
    """
    if not recheck_password(session, user, password, throttle_of(session), address=address):
        raise WrongPassword(_l("The password is wrong: nothing was signed."))
    if second_factor.is_on(session, user):
        if not "".join(code.split()):
            raise WrongPassword(
                _l("Enter the code your authenticator app shows: nothing was signed."), "code"
            )
        if not second_factor.check_code(session, user, code, address=address):
            raise WrongPassword(
                _l("The code is wrong or already used: nothing was signed."), "code"
            )


def complete_sign_in(
    session: Session, user_id: int, epoch: int, code: str, *, address: str | None = None
) -> User:
    """Return the user whose password was right once their app's code is right too.

    Refused (LoginRefused, 401) when the account changed since the password (signed out
    everywhere, deactivated), or the code is wrong (counted toward the waits) or reused.
    """
    with unit_of_work(session):
        user = session.get(User, user_id)
        if user is None or not user.active or user.session_epoch != epoch:
            raise LoginRefused(_l("Sign in again."))
        if not second_factor.check_code(session, user, code, address=address):
            raise LoginRefused(_l("The code is wrong or already used."))
        user.last_login_at = utcnow()
        session.add(user)
    return user


@transactional
def turn_off_second_factor(
    session: Session, user: User, password: str, *, code: str, address: str | None = None
) -> None:
    """Turn two-step sign-in off once the person gives their password and a code (422 if not)."""
    confirm_signer(session, user, password, code=code, address=address)
    second_factor.turn_off(session, user)


@transactional
def end_sessions(session: Session, user: User) -> None:
    """End every session of `user`: cookies issued before (and their copies) stop working."""
    user.session_epoch += 1
    session.add(user)

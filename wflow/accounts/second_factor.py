"""An optional second factor: an authenticator app's six-digit codes (TOTP, RFC 6238, pyotp).

A person sets it up from their account page (the secret as text and as a QR code, confirmed
by a first code); from then on signing in and every signature ask for a code as well as the
password. The secret is sealed (AES-GCM, under a key derived from the installation's key
secret, bound to the user) so a database or a backup alone does not give it away. A code is
accepted once (its time step is remembered), one step early or late for clocks that drift;
wrong codes count toward the same waits as wrong passwords.
"""

from __future__ import annotations

import base64
import os
from datetime import UTC
from io import BytesIO

import pyotp
import segno
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from wflow.accounts import throttle
from wflow.accounts.models import SecondFactor
from wflow.accounts.throttle import LoginRefused
from wflow.clock import utcnow
from wflow.core import installation
from wflow.core.errors import Conflict, Forbidden, ServiceError
from wflow.core.uow import transactional
from wflow.org.models import User

ISSUER = "wflow"
DRIFT_STEPS = 1  # a code of the step before or after is accepted (clocks drift)
SEAL_VERSION = "v1"


def _sealing_key(session: Session) -> bytes:
    """Return the AES key second-factor secrets are sealed with (from the installation's KEK)."""
    kek = installation.of(session).keys.kek()
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"wflow second factor")
    return hkdf.derive(kek)


def _seal(session: Session, user_id: int, secret: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_sealing_key(session)).encrypt(nonce, secret.encode(), str(user_id).encode())
    return f"{SEAL_VERSION}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def _open(session: Session, row: SecondFactor) -> str:
    version, _, body = row.secret_sealed.partition(":")
    if version != SEAL_VERSION:
        raise RuntimeError(f"unknown sealing {version!r} for user {row.user_id}")
    raw = base64.b64decode(body)
    try:
        secret = AESGCM(_sealing_key(session)).decrypt(
            raw[:12], raw[12:], str(row.user_id).encode()
        )
    except InvalidTag:  # sealed under another key secret (restored elsewhere, KEK changed)
        raise Forbidden(
            _l(
                "Your two-step sign-in cannot be checked here (the installation's key secret "
                "changed). Ask an administrator to reset it: wflow users reset-two-step LOGIN."
            ),
            "code",
        ) from None
    return secret.decode()


def factor_of(session: Session, user: User) -> SecondFactor | None:
    """Return the user's second factor row (set up or being set up), if any."""
    return session.get(SecondFactor, user.id) if user.id is not None else None


def is_on(session: Session, user: User) -> bool:
    """Tell whether signing in and signing ask this user for a code."""
    row = factor_of(session, user)
    return row is not None and row.enabled_at is not None


@transactional
def begin(session: Session, user: User) -> str:
    """Start setting up an authenticator app: a new secret, not yet required (409 if on)."""
    row = factor_of(session, user)
    if row is not None and row.enabled_at is not None:
        raise Conflict(_l("Two-step sign-in is already on. Turn it off first to change the app."))
    secret = pyotp.random_base32()
    row = row or SecondFactor(user_id=user.id or 0, secret_sealed="")
    row.secret_sealed, row.last_step, row.created_at = (
        _seal(session, row.user_id, secret),
        0,
        utcnow(),
    )
    session.add(row)
    return secret


def pending_secret(session: Session, user: User) -> str | None:
    """Return the secret being set up (shown until confirmed), None when none or already on."""
    row = factor_of(session, user)
    return _open(session, row) if row is not None and row.enabled_at is None else None


def provisioning_uri(user: User, secret: str) -> str:
    """Return the otpauth:// URI an authenticator app reads (from the QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.login, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """Return the QR code of `uri` as an inline SVG element (no script, no remote image)."""
    out = BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", xmldecl=False, svgns=True, scale=5,
                                    title="QR", nl=False)  # fmt: skip
    return out.getvalue().decode("utf-8")


def _step_of(secret: str, code: str, after: int) -> int | None:
    """Return the time step `code` belongs to (within the drift), None when it matches none."""
    totp = pyotp.TOTP(secret)
    now = utcnow().replace(tzinfo=UTC).timestamp()  # wflow keeps naive UTC
    current = int(now // totp.interval)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > after and pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def _clean(code: str) -> str:
    return "".join(ch for ch in (code or "") if not ch.isspace())


@transactional
def confirm(session: Session, user: User, code: str) -> None:
    """Turn two-step sign-in on with the first right code from the app (422 if wrong)."""
    row = factor_of(session, user)
    if row is None or row.enabled_at is not None:
        raise Conflict(_l("Start setting up the app first."))
    step = _step_of(_open(session, row), _clean(code), 0)
    if step is None:
        raise ServiceError(
            _l("This code is not the one the app shows now. Check the phone's time and try again."),
            "code",
        )
    row.enabled_at, row.last_step = utcnow(), step
    session.add(row)


@transactional
def turn_off(session: Session, user: User) -> None:
    """Turn two-step sign-in off (the caller has checked the password and a code)."""
    row = factor_of(session, user)
    if row is not None:
        session.delete(row)


def check_code(session: Session, user: User, code: str, *, address: str | None = None) -> bool:
    """Check a code of a user with two-step sign-in on (True when it is off); wrong ones count.

    A right code is used up (its step remembered) in the caller's unit of work; a wrong one
    counts toward the waits of (login, `address`) even when the caller then rolls back, and
    raises LoginRefused once the pair must wait.
    """
    row = factor_of(session, user)
    if row is None or row.enabled_at is None:
        return True
    now = utcnow()
    throttle.ensure_allowed(session, user.login, address, now)
    step = _step_of(_open(session, row), _clean(code), row.last_step)
    if step is None:
        until = throttle.failed(session, user.login, address, throttle.throttle_of(session), now)
        if until is not None:
            raise LoginRefused(throttle.waiting_message(until, now))
        return False
    row.last_step = step
    session.add(row)
    return True


__all__ = [
    "begin",
    "check_code",
    "confirm",
    "factor_of",
    "is_on",
    "pending_secret",
    "provisioning_uri",
    "qr_svg",
    "turn_off",
]

"""Verbs on personal API tokens: create (shown once), list, revoke, authenticate a bearer.

A token is 32 random bytes: its SHA-256 is enough to store it (no salt or slow hash is
needed for a secret nobody chose), and lets a request find its token with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, func, select

from wflow.accounts.models import ApiToken
from wflow.accounts.service import user_by_id
from wflow.clock import utcnow
from wflow.core.errors import NotFound, ServiceError
from wflow.core.uow import transactional
from wflow.org.models import User
from wflow.org.service import clean_text

TOKEN_PREFIX = "wfl_"  # marks wflow tokens, so secret scanners and people recognise them
SHOWN_CHARS = 12  # characters kept in clear (prefix included) to tell tokens apart
MAX_ACTIVE = 20  # active tokens per user
TOUCH_EVERY = timedelta(minutes=5)  # last use is written at most this often


def token_hash(secret: str) -> str:
    """Return the SHA-256 hex digest a token is stored and looked up by."""
    return hashlib.sha256(secret.encode()).hexdigest()


@transactional
def create_token(session: Session, *, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user` and commit; return the row and the secret (shown only once)."""
    label = clean_text(name, "name", max_len=100)
    active = session.exec(
        select(func.count())
        .select_from(ApiToken)
        .where(ApiToken.user_id == user.id, col(ApiToken.revoked_at).is_(None))
    ).one()
    if active >= MAX_ACTIVE:
        raise ServiceError(_l("At most %(n)d active tokens: revoke one first.", n=MAX_ACTIVE))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id or 0, name=label, prefix=secret[:SHOWN_CHARS], token_hash=token_hash(secret)
    )
    session.add(token)
    return token, secret


def user_tokens(session: Session, user: User) -> list[ApiToken]:
    """Return the user's tokens, active first, newest first."""
    query = (
        select(ApiToken)
        .where(ApiToken.user_id == user.id)
        .order_by(col(ApiToken.revoked_at).is_not(None), col(ApiToken.id).desc())
    )
    return list(session.exec(query).all())


@transactional
def revoke_token(session: Session, *, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens and commit (NotFound for anyone else's)."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_l("Not found."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
    return token


@transactional
def authenticate(session: Session, secret: str) -> User | None:
    """Return the active user of an unrevoked token, or None; note when it was last used."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(secret))).first()
    if token is None or token.revoked_at is not None:
        return None
    user = user_by_id(session, token.user_id)
    if user is None or not user.is_active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        token.last_used_at = now
        session.add(token)
    return user

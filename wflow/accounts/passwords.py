"""Password hashing with Argon2id (argon2-cffi), rehashing when parameters change."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the login is unknown, so both paths cost the same time.
_DUMMY = _hasher.hash("wflow-timing-equaliser")


def configure(time_cost: int, memory_kib: int) -> None:
    """Set the Argon2id cost (config ARGON2_TIME_COST / ARGON2_MEMORY_KIB)."""
    global _hasher, _DUMMY
    if (_hasher.time_cost, _hasher.memory_cost) == (time_cost, memory_kib):
        return
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
    _DUMMY = _hasher.hash("wflow-timing-equaliser")


def hash_password(password: str) -> str:
    """Return the Argon2id hash of `password`."""
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Tell whether `password` matches `stored` (constant work when `stored` is None)."""
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Tell whether `stored` was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored)

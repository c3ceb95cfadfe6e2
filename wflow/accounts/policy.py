"""The password policy: long enough, not the login or the person's name, not easy to guess.

Guessability is zxcvbn's estimate (its dictionaries of common passwords, names and words,
keyboard patterns, repeats, sequences and dates), given the login, the person's name and a
vendored list of common Vietnamese passwords as words an attacker tries first.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

from wflow.core.errors import ServiceError

MIN_LENGTH = 8
MAX_LENGTH = 256
MIN_SCORE = 2  # zxcvbn 0-4: 2 is "somewhat guessable" (about a million guesses and more)
ZXCVBN_CHARS = 100  # zxcvbn's cost grows with length; a longer tail adds strength, not words
COMMON_VI = Path(__file__).with_name("common_passwords_vi.txt")


def _fold(text: str) -> str:
    """Return `text` case-folded without Vietnamese marks ("Nguyễn" → "nguyen")."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()


@cache
def _common_vi() -> tuple[str, ...]:
    """Return the vendored common Vietnamese passwords and words, one per line."""
    lines = COMMON_VI.read_text(encoding="utf-8").splitlines()
    return tuple(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def check_password(password: str, *, login: str = "", name: str = "") -> str:
    """Return `password` if the policy accepts it, or refuse it (422, field "password")."""
    if len(password or "") < MIN_LENGTH:
        raise ServiceError(_l("A password needs at least 8 characters."), "password")
    if len(password) > MAX_LENGTH:
        raise ServiceError(_l("At most %(n)d characters.", n=MAX_LENGTH), "password")
    folded = _fold(password)
    personal = [_fold(login), *(_fold(part) for part in name.split())]
    login_parts = _fold(login).replace("_", ".").replace("-", ".").split(".")
    words = [w for w in {*personal, *login_parts} if len(w) >= 3]
    if any(w in folded for w in words if len(w) >= 4 or w == folded):
        raise ServiceError(_l("The password must not contain your login or your name."), "password")
    inputs = [*words, *_common_vi()]
    if zxcvbn(password[:ZXCVBN_CHARS], user_inputs=inputs)["score"] < MIN_SCORE:
        raise ServiceError(
            _l(
                "This password is too easy to guess (a common password, a word with digits, "
                "a repeat or a sequence). Use a longer phrase of several words."
            ),
            "password",
        )
    return password


__all__ = ["MIN_LENGTH", "check_password"]

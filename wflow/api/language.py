"""The language of an API answer: Accept-Language, else the token user's, else the default."""

from __future__ import annotations

from flask import g, request

from wflow.config import LANGUAGES


def api_locale() -> str:
    """Pick the language: Accept-Language when given, else the token user's, else the default."""
    if request.headers.get("Accept-Language"):
        found = request.accept_languages.best_match(LANGUAGES)
        if found:
            return str(found)
    user = g.get("api_user")
    if user is not None and user.locale in LANGUAGES:
        return str(user.locale)
    return LANGUAGES[0]

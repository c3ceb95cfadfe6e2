"""Languages: Flask-Babel with the user's remembered locale, Vietnamese by default."""

from __future__ import annotations

from typing import Any

from babel.support import NullTranslations
from flask import Flask, g, has_request_context, request, session
from flask_babel import Babel, Domain, get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from wflow.config import LANGUAGES

LANGUAGE_NAMES: dict[str, str] = {
    "vi": "Tiếng Việt",
    "en": "English",
    "fr": "Français",
    "hu": "Magyar",
}
# (code, name) of each language, in the order offered: the language menu and its form
LANGUAGE_CHOICES: list[tuple[str, str]] = [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]


def select_locale() -> str:
    """Pick the locale: the user's choice, then the session's, then the default (vi)."""
    if not has_request_context():
        return LANGUAGES[0]
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return str(current_user.locale)
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return str(chosen)
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]
    return LANGUAGES[0]


class RequestDomain(Domain):
    """Flask-Babel's message domain, its translations found once per request and locale.

    Flask-Babel finds them again on every `gettext` (its context, the locale's name, its
    cache), which costs more than the catalogue's answer; a page asks dozens of times, in its
    templates and in Python (`_`, lazy texts). Held with the locale they are for:
    `force_locale` (an API error in the caller's language) changes the locale, and with it
    the translations returned.
    """

    def get_translations(self) -> NullTranslations:
        """Return the translations of the request's locale (Flask-Babel's, held)."""
        locale = get_locale()
        if locale is None:  # outside a request: Flask-Babel's own (no translation)
            found: NullTranslations = super().get_translations()
            return found
        held: tuple[object, object, NullTranslations] | None = g.get("wflow_translations")
        if held is None or held[0] is not locale or held[1] is not self:
            held = g.wflow_translations = (locale, self, super().get_translations())
        return held[2]


def translations() -> NullTranslations:
    """Return the translations of the request's locale (see `RequestDomain`)."""
    found: NullTranslations = get_translations()
    return found


def _formatted(context: Context, text: str, variables: dict[str, Any]) -> str:
    """Return a translated text as Jinja's new-style gettext does: escaped, then formatted
    with `variables` (a text without "%" is the same formatted or not, so it is not)."""
    out: str = Markup(text) if context.eval_ctx.autoescape else text
    return out % variables if "%" in text else out


@pass_context
def _gettext(context: Context, string: str, /, **variables: Any) -> str:
    return _formatted(context, translations().ugettext(string), variables)


@pass_context
def _ngettext(
    context: Context, singular: str, plural: str, num: int, /, **variables: Any
) -> str:  # fmt: skip
    variables.setdefault("num", num)
    return _formatted(context, translations().ungettext(singular, plural, num), variables)


@pass_context
def _pgettext(context: Context, string_ctx: str, string: str, /, **variables: Any) -> str:
    variables.setdefault("context", string_ctx)
    return _formatted(context, translations().upgettext(string_ctx, string), variables)


@pass_context
def _npgettext(
    context: Context, string_ctx: str, singular: str, plural: str, num: int, /,
    **variables: Any,
) -> str:  # fmt: skip
    variables.setdefault("context", string_ctx)
    variables.setdefault("num", num)
    text = translations().unpgettext(string_ctx, singular, plural, num)
    return _formatted(context, text, variables)


def init_app(app: Flask) -> None:
    """Attach Flask-Babel with wflow's catalogues and locale selector; the templates' gettext
    functions (`_`, `ngettext`, `pgettext`) are Flask-Babel's, new-style as it installs them;
    its domain finds the request's translations once (`RequestDomain`)."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(app.root_path + "/translations"))
    babel = Babel(app, locale_selector=select_locale)
    babel.domain_instance = RequestDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))
    app.jinja_env.globals.update(LANGUAGE_NAMES=LANGUAGE_NAMES, get_locale=get_locale,
                                 gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext,
                                 npgettext=_npgettext)  # fmt: skip

"""Languages: Flask-Babel with the user's remembered locale, Vietnamese by default."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from babel import Locale
from babel.support import NullTranslations
from flask import Flask, g, has_app_context, has_request_context, request, session
from flask_babel import Babel, Domain, get_domain, get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from wflow.config import LANGUAGES
from wflow.engine import Definition

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
    templates and in Python (`_`, lazy texts). Held in Flask-Babel's own request context with
    the locale they are for: `force_locale` (an API error in the caller's language) changes
    the locale, and with it the translations returned.
    """

    def get_translations(self) -> NullTranslations:
        """Return the translations of the request's locale (Flask-Babel's, held)."""
        held = _held(self)
        if held is not None:
            return held.translations
        found: NullTranslations = super().get_translations()  # outside a request: no translation
        return found


@dataclass(frozen=True, slots=True)
class _Held:
    """What a request found for its locale: the locale, its language code, the translations."""

    locale: Locale
    domain: Domain
    language: str
    translations: NullTranslations


def _held(domain: Domain | None = None) -> _Held | None:
    """Return what the current context found for its locale, finding it on first use (None
    outside an app context)."""
    if not has_app_context():
        return None
    ctx = g.get("_flask_babel")  # Flask-Babel's namespace, where `force_locale` sets the locale
    held: _Held | None = getattr(ctx, "wflow_held", None)
    if (
        held is not None
        and held.locale is getattr(ctx, "babel_locale", None)
        and (domain is None or held.domain is domain)
    ):
        return held
    locale = get_locale()
    if locale is None:
        return None
    ctx = g.get("_flask_babel")  # get_locale creates it
    mine = domain if isinstance(domain, RequestDomain) else get_domain()
    found = Domain.get_translations(mine)
    held = _Held(locale, mine, str(locale), found)
    ctx.wflow_held = held
    return held


def translations() -> NullTranslations:
    """Return the translations of the request's locale (see `RequestDomain`)."""
    held = _held()
    if held is not None:
        return held.translations
    found: NullTranslations = get_translations()
    return found


def language() -> str:
    """Return the name of the request's locale ("vi"; the default outside a request)."""
    held = _held()
    return held.language if held is not None else LANGUAGES[0]


def state_name(defn: Definition | None, state: str) -> str:
    """Return a workflow state's name in the reader's language (the state's key when the
    workflow has no such state)."""
    found = defn.states.get(state) if defn is not None else None
    return str(found.label.get(language())) if found is not None else state


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
    app.jinja_env.globals.update(LANGUAGE_NAMES=LANGUAGE_NAMES, language=language,
                                 state_name=state_name, gettext=_gettext, ngettext=_ngettext,
                                 pgettext=_pgettext, npgettext=_npgettext)  # fmt: skip

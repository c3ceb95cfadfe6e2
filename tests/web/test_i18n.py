"""The templates' gettext functions: translated in the request's locale, formatted and escaped
as Jinja's new-style gettext does, and following `force_locale` within a request."""

from __future__ import annotations

from flask import Flask, render_template_string
from flask_babel import force_locale, gettext, lazy_gettext

from wflow.i18n import language, state_name


def _render(source: str, **values: object) -> str:
    return render_template_string(source, **values)


def test_templates_translate_in_the_request_locale_and_follow_force_locale(app: Flask) -> None:
    with app.test_request_context("/"):
        assert _render("{{ _('Home') }}") == "Trang chủ"  # the default locale, vi
        with force_locale("fr"):
            assert _render("{{ _('Home') }}") == "Accueil"
            assert _render("{{ pgettext('figure', 'Registered') }}") == "Engagement"
            assert _render("{{ pgettext('registration date', 'Registered') }}") == (
                "Date d'inscription"
            )
        with force_locale("hu"):
            assert _render("{{ _('%(n)d open', n=3) }}") == "3 nyitott"
        assert _render("{{ _('Home') }}") == "Trang chủ"  # back in the request's locale


def test_templates_format_every_text_and_escape_the_values(app: Flask) -> None:
    with app.test_request_context("/"), force_locale("en"):
        assert _render("{{ _('100%% of %(what)s', what='<b>') }}") == "100% of &lt;b&gt;"
        assert _render("{{ _('100%% done') }}") == "100% done"  # formatted without values too
        assert _render("{{ _('<i>') }}") == "<i>"  # a translation is markup, not escaped
        assert _render("{{ ngettext('%(num)d task', '%(num)d tasks', 1) }}") == "1 task"
        assert _render("{{ ngettext('%(num)d task', '%(num)d tasks', n) }}", n=4) == "4 tasks"
        assert _render("{{ _('Home') }}") == "Home"


def test_python_texts_translate_in_the_request_locale_and_follow_force_locale(app: Flask) -> None:
    with app.test_request_context("/"):
        home = lazy_gettext("Home")
        assert gettext("Home") == str(home) == "Trang chủ"
        with force_locale("fr"):
            assert gettext("Home") == str(home) == "Accueil"
            assert gettext("%(n)d open", n=2) == "2 en attente"
        assert gettext("Home") == str(home) == "Trang chủ"
    with app.app_context():  # no request (a command, a mail): the default language
        assert gettext("Home") == "Trang chủ"
        with force_locale("hu"):
            assert gettext("Home") == "Kezdőlap"


def test_workflow_names_follow_the_request_locale_and_force_locale(app: Flask) -> None:
    review = app.extensions["wflow.engine"].definitions["review"]
    state = next(iter(review.states))
    names = {code: review.states[state].label.get(code) for code in ("vi", "fr", "en")}
    assert len(set(names.values())) == 3  # the workflow names its state in each language
    with app.test_request_context("/"):
        assert language() == "vi"
        assert state_name(review, state) == names["vi"]
        assert _render("{{ state_name(defn, s) }} {{ language() }}", defn=review, s=state) == (
            f"{names['vi']} vi"
        )
        with force_locale("fr"):
            assert language() == "fr"
            assert state_name(review, state) == names["fr"]
            assert gettext("Home") == "Accueil"
        assert (language(), state_name(review, state)) == ("vi", names["vi"])
        assert state_name(review, "no_such_state") == "no_such_state"
        assert state_name(None, state) == state
    with app.app_context(), force_locale("en"):  # a command, a mail: forced still
        assert (language(), state_name(review, state)) == ("en", names["en"])
    assert language() == "vi"  # outside any context: the default

"""The catalogues: every string the code and templates mark is translated, and nothing more.

The strings are extracted as `make extract` does (babel.cfg, the `_l` keyword), so a string
the extractor cannot see (a `_()` inside an f-string) is caught here before the next
extraction drops its translations.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATED = ("vi", "fr", "hu")  # English is the source language
Key = tuple[str, str | None]  # (msgid, context)


@cache
def marked() -> frozenset[Key]:
    """Return every string the code and templates mark for translation, with its context."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    found: set[Key] = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=keywords
    ):
        found.add((message if isinstance(message, str) else message[0], context))
    return frozenset(found)


def catalogue(locale: str) -> Catalog:
    """Return the locale's catalogue as committed."""
    path = ROOT / "wflow" / "translations" / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        return read_po(po, locale=locale)


def key(message: Message) -> Key:
    """Return a catalogue message's (msgid, context), a plural by its singular."""
    mid = message.id
    return (mid if isinstance(mid, str) else mid[0], message.context)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalogue__every_string_the_code_marks_is_translated(locale: str) -> None:
    """A page in Vietnamese, French or Hungarian shows no English the code marked."""
    translated = {key(m) for m in catalogue(locale) if m.id and not m.fuzzy
                  and all(m.string if isinstance(m.string, tuple) else [m.string])}  # fmt: skip
    missing = sorted(marked() - translated, key=str)
    assert not missing, f"{len(missing)} untranslated in {locale}, e.g. {missing[:5]}"


@pytest.mark.parametrize("locale", (*TRANSLATED, "en"))
def test_catalogue__holds_only_strings_the_extractor_finds(locale: str) -> None:
    """A translated string the extractor cannot see would be dropped by the next extraction."""
    unseen = sorted({key(m) for m in catalogue(locale) if m.id} - marked(), key=str)
    assert not unseen, f"not marked where the extractor looks: {unseen[:5]}"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalogue__translations_keep_the_placeholders(locale: str) -> None:
    """`%(name)s` in a message is in its translation too, so formatting it cannot fail."""
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalogue(locale).check()]
    assert not problems, problems[:5]

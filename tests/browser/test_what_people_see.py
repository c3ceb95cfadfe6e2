"""What a person reads on the main pages, in Vietnamese: names, local dates, Vietnamese numbers.

Each page of the accessibility walk (tests/browser/test_accessibility.py) is read as its user
sees it in Vietnamese, the default: no identifier stands where a name should ("unit-3", "#12"),
dates are written 31/12/2026 (never 2026-12-31), numbers are grouped with dots (28.080.000,
never 28,080,000), and every row of the inbox says what to do and on which subject.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, People
from tests.browser.test_accessibility import PAGES, Visit, _visits
from wflow import db

pytestmark = pytest.mark.browser

IDENTIFIER = re.compile(r"\bunit-\d+\b|(?<![\w&])#\d+\b")
ISO_DATE = re.compile(r"\b20\d\d-[01]\d-[0-3]\d\b")
ENGLISH_THOUSANDS = re.compile(r"\b\d{1,3}(?:,\d{3})+\b")
LOCAL_DATE = re.compile(r"\b[0-3]\d/[01]\d/20\d\d\b")


@pytest.fixture(scope="module")
def visits(live_server: LiveServer) -> Iterator[dict[str, Visit]]:
    """The pages to read, found in this module's copy of the demo province."""
    with live_server.app.app_context():
        yield _visits(db.session())


def _read(people: People, visit: Visit) -> tuple[Page, str]:
    if visit.login is None:
        page = people.open("visitor")
    else:
        page = people.pages.get(visit.login) or people.sign_in(visit.login, english=False)
    page.goto(visit.path)
    return page, page.locator("main").inner_text()


def _problems(name: str, text: str) -> list[str]:
    found = []
    for what, pattern in (("an identifier", IDENTIFIER), ("an ISO date", ISO_DATE),
                          ("an English number", ENGLISH_THOUSANDS)):  # fmt: skip
        found += [f"{name}: {what} {m.group(0)!r} in “{_around(text, m)}”"
                  for m in pattern.finditer(text)]  # fmt: skip
    return found


def _around(text: str, match: re.Match[str]) -> str:
    return text[max(0, match.start() - 40) : match.end() + 40].replace("\n", " ")


def test_the_main_pages_name_things_and_write_dates_and_numbers_the_vietnamese_way(
    people: People, visits: dict[str, Visit]
) -> None:
    problems: list[str] = []
    dated = []
    for name in PAGES:
        page, text = _read(people, visits[name])
        expect(page.locator("html")).to_have_attribute("lang", "vi")
        problems += _problems(name, text)
        if LOCAL_DATE.search(text):
            dated.append(name)
    assert not problems, "\n".join(problems)
    # the pages that show dates show them as Vietnamese write them
    assert {"pact", "nomination", "certificates"} <= set(dated), dated


def test_every_inbox_row_says_what_to_do_on_which_subject_under_its_block(
    people: People, visits: dict[str, Visit]
) -> None:
    # the head of a unit that still has to sign the enterprises' pact and register its targets
    page, text = _read(people, Visit("/tasks", "cnht.head"))
    assert LOCAL_DATE.search(text) and not _problems("inbox", text)
    rows = page.locator("main table tbody tr")
    assert rows.count() > 0
    for i in range(rows.count()):
        link = rows.nth(i).get_by_role("link").first
        words = link.inner_text().strip()
        action, _, subject = words.partition(":")
        assert action and subject.strip(), f"row {i}: {words!r} does not say what and on what"
        assert not IDENTIFIER.search(words), words
    headings = page.locator("main h2").all_inner_texts()
    assert any(h.startswith("Khối thi đua") for h in headings), headings  # grouped by block

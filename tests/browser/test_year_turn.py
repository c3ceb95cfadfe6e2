"""The turn of the year in Chromium: the secretariat opens next year from the demo province.

The demo's blocks were turned from last year into this one; opening next year copies their
members with the leaders the rotation gives, and clones this year's plan as next year's draft.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import People
from wflow.core.access import current_year

pytestmark = pytest.mark.browser

BLOCK = "Khối thi đua các tổ chức chính trị - xã hội tỉnh"
NEXT = current_year() + 1
NEW_PLAN = f"Kế hoạch tổ chức phong trào thi đua năm {NEXT} của {BLOCK}"


def test_the_secretariat_previews_and_opens_next_year(people: People) -> None:
    page = people.sign_in("secretariat")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Turn of the year").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Turn of the year")
    expect(page.get_by_role("heading", name=f"What opening {NEXT} does")).to_be_visible()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=BLOCK))
    expect(row).to_contain_text("by rotation: the deputy leads")
    expect(row).to_contain_text(f'as the draft "{NEW_PLAN}"')
    page.get_by_role("button", name=f"Open {NEXT}").click()
    expect(page.get_by_role("status").filter(has_text=f"{NEXT} opened.")).to_be_visible()
    expect(
        page.get_by_text(f"{NEXT} is already open in every block: nothing to do.")
    ).to_be_visible()
    expect(page.get_by_role("button", name=f"Open {NEXT}")).to_have_count(0)


def test_the_new_leader_finds_next_years_draft_in_its_tasks_with_the_criteria(
    people: People,
) -> None:
    page = people.sign_in("hlhpn.head")  # this year's deputy: next year's leader by rotation
    expect(page.get_by_role("link", name="Turn of the year")).to_have_count(0)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My tasks").click()
    page.get_by_role("link", name=NEW_PLAN).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(NEW_PLAN)
    expect(page.locator("span.state").first).to_have_text("Draft")
    expect(page.get_by_role("button", name="Open consultation")).to_be_visible()
    criteria = page.get_by_role("row").filter(has_text="Quán triệt, triển khai nghị quyết")
    expect(criteria).to_contain_text("10")

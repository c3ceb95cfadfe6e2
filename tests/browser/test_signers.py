"""Delegating signing in Chromium: the head of the youth union hands signing to a colleague."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import People
from wflow.clock import utcnow

pytestmark = pytest.mark.browser

UNIT = "Tỉnh Đoàn Hà Tĩnh"
COLLEAGUE = "Phạm Thu Trang"  # the unit's staff account in the demo


def test_the_head_delegates_signing_for_a_week_and_the_colleague_reads_it(
    people: People,
) -> None:
    people.allow(r"status of 422")  # the refused period below: the form again, 422
    page = people.sign_in("tdoan.head")
    page.get_by_role("link", name=UNIT).first.click()
    page.get_by_role("link", name="Who signs for the unit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Who signs for {UNIT}")
    expect(page.get_by_text("The head signs for the unit: Nguyễn Văn Lương")).to_be_visible()
    today = (utcnow() + timedelta(hours=7)).date()  # the demo's zone, Asia/Ho_Chi_Minh
    page.get_by_label("Colleague").select_option(label=COLLEAGUE)
    expect(page.get_by_label("KT. — signs for the head (a deputy)")).to_be_checked()
    page.get_by_label("From").fill(today.isoformat())
    page.get_by_label("Until (inclusive)").fill((today - timedelta(days=1)).isoformat())
    page.get_by_label("Reason").fill("Đi công tác Hà Nội")
    page.get_by_role("button", name="Delegate", exact=True).click()
    expect(page.get_by_text("The delegation ends on or after its first day.").first).to_be_visible()
    expect(page.get_by_label("Reason")).to_have_value("Đi công tác Hà Nội")  # kept, to correct
    page.get_by_label("Until (inclusive)").fill((today + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Delegate", exact=True).click()
    expect(
        page.get_by_role("status").filter(has_text=f"{COLLEAGUE} signs for the unit")
    ).to_be_visible()
    row = page.get_by_role("row").filter(has_text=COLLEAGUE)
    expect(row).to_contain_text("in force today")
    expect(row).to_contain_text("Đi công tác Hà Nội")
    colleague = people.sign_in("tdoan.staff")
    colleague.get_by_role("link", name=UNIT).first.click()
    colleague.get_by_role("link", name="Who signs for the unit").click()
    expect(colleague.get_by_role("row").filter(has_text=COLLEAGUE)).to_contain_text(
        "in force today"
    )
    expect(colleague.get_by_role("button", name="Delegate", exact=True)).to_have_count(0)

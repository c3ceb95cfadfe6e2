"""A block's year in Chromium, stage by stage, as its people click and type through it.

The demo's political block (led this year by the Youth Union, TDOAN) has its plan in
consultation. The stages run in file order on one server (module scope), each continuing
from the state the previous one left: comment, answer and submit, approve, publish and open
signing, every head signs, the signed pact and its PDF. Later stages of the year (reviews,
nominations) are added as further `test_` functions at the end of this module, reusing
`people`, the `open_*` helpers and the data the earlier stages produced.
"""

from __future__ import annotations

from functools import partial

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, People, in_thread
from wflow import db
from wflow.services import keys
from wflow.services.access import current_year
from wflow.services.demo import POLITICAL

pytestmark = pytest.mark.browser

BLOCK = "Khối thi đua các tổ chức chính trị - xã hội tỉnh"
HEADS = [f"{code.lower()}.head" for code, *_ in POLITICAL]  # MTTQ, TDOAN (leader), HLHPN, …
UNIT_NAMES = [name for _code, name, *_ in POLITICAL]
YEAR = current_year()
PLAN_TITLE = f"Kế hoạch tổ chức phong trào thi đua năm {YEAR} của {BLOCK}"
PACT_TITLE = f"Giao ước thi đua năm {YEAR}"


def state_is(page: Page, label: str) -> None:
    """Expect the page's workflow state to read `label`."""
    expect(page.locator("span.state").first).to_have_text(label)


def done(page: Page, message: str = "Done.") -> None:
    """Expect the flash message that confirms the last step."""
    expect(page.get_by_role("status").filter(has_text=message)).to_be_visible()


def open_block(page: Page) -> None:
    """Go home through the menu and open the block's page for this year."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    this_year = page.get_by_role("row").filter(
        has=page.get_by_role("cell", name=str(YEAR), exact=True)
    )
    this_year.get_by_role("link", name=BLOCK).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(BLOCK)


def open_plan(page: Page) -> None:
    """Open this year's plan from the block's page."""
    open_block(page)
    page.get_by_role("link", name="Plans (kế hoạch thi đua)").click()
    page.get_by_role("link", name=PLAN_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(PLAN_TITLE)


def open_pact(page: Page) -> None:
    """Open this year's pact from the plan's page."""
    open_plan(page)
    page.get_by_role("link", name="Pacts of the block").click()
    page.get_by_role("link", name=PACT_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(PACT_TITLE)


def verify(server: LiveServer, pdf: bytes) -> list[keys.SignatureReport]:
    """Check every signature of `pdf` as /verify does (the server's CA and registry)."""
    with server.app.app_context():
        return keys.verify_document(db.session(), pdf)


def test_a_member_comments_on_the_draft(people: People) -> None:
    """A member unit's head comments on the plan while it is in consultation."""
    page = people.sign_in("hlhpn.head")
    open_plan(page)
    state_is(page, "Consultation")
    form = page.get_by_role("group", name="Comment on the draft")
    form.get_by_label("About").select_option(label="Purposes and requirements")
    form.get_by_label("Comment").fill("Đề nghị bổ sung mục tiêu về chuyển đổi số.")
    form.get_by_role("button", name="Send the comment").click()
    done(page, "Your comment was sent to the block.")
    expect(page.get_by_text("Đề nghị bổ sung mục tiêu về chuyển đổi số.")).to_be_visible()


def test_the_leader_answers_ends_the_consultation_and_submits(people: People) -> None:
    """The leading unit's head answers every open comment, ends the consultation, submits."""
    page = people.sign_in("tdoan.head")
    open_plan(page)
    open_comments = page.locator("article.comment").filter(
        has=page.get_by_role("textbox", name="Answer")
    )
    expect(open_comments.first).to_be_visible()  # at least the previous stage's comment
    for _ in range(open_comments.count()):
        comment = open_comments.first
        comment.get_by_role("textbox", name="Answer").fill("Khối tiếp thu.")
        comment.get_by_role("button", name="Answer").click()
        done(page, "Answered.")
    expect(open_comments).to_have_count(0)
    page.get_by_role("button", name="End consultation").click()
    done(page)
    state_is(page, "Revision")
    page.get_by_role("button", name="Submit for approval").click()
    done(page)
    state_is(page, "Submitted")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)


def test_the_secretariat_approves(people: People) -> None:
    """The secretariat finds the plan in its tasks, opens it from the blocks and approves."""
    page = people.sign_in("secretariat")
    page.get_by_role("link", name="My tasks").click()
    plans = page.get_by_role("row").filter(has_text="Emulation plan")
    approve = page.get_by_role("cell", name="Approve", exact=True)
    expect(plans.filter(has=approve)).to_have_count(1)
    open_plan(page)
    page.get_by_role("button", name="Approve").click()
    done(page)
    state_is(page, "Approved")


def test_the_leader_publishes_and_opens_signing(people: People) -> None:
    """The leader publishes the plan, prepares the pact and opens it for signing."""
    page = people.sign_in("tdoan.head")
    open_plan(page)
    page.get_by_role("button", name="Publish").click()
    done(page)
    state_is(page, "Published")
    page.get_by_role("button", name="Prepare the pact").click()
    done(page, "The pact was prepared.")
    state_is(page, "Prepared")
    page.get_by_role("button", name="Open signing").click()
    done(page)
    state_is(page, "Signing")
    expect(page.get_by_role("heading", name="Signatures: 0 of 6")).to_be_visible()


def test_every_head_signs_with_the_password_again(people: People) -> None:
    """Each member unit's head signs, re-entering the password; a wrong one signs nothing."""
    people.allow(r"status of 403")  # the refused signature below is a 403 page
    for count, login in enumerate(HEADS, start=1):
        page = people.sign_in(login)
        open_pact(page)
        state_is(page, "Signing")
        form = page.get_by_role("group", name="Sign for your unit")
        password = form.get_by_label("Your password (to confirm the signature)")
        if count == 1:
            password.fill("not-the-password")
            password.press("Enter")
            expect(page.get_by_role("alert")).to_contain_text("The password is wrong")
            page.go_back()
            page.reload()
            expect(page.get_by_role("heading", name="Signatures: 0 of 6")).to_be_visible()
        password.fill("demo-2026!")
        password.press("Enter")
        done(page, "Your unit's signature was added to the pact.")
        expect(page.get_by_role("heading", name=f"Signatures: {count} of 6")).to_be_visible()
        expect(page.get_by_role("group", name="Sign for your unit")).to_have_count(0)


def test_the_pact_shows_every_signature_and_its_pdf_downloads(
    people: People, live_server: LiveServer
) -> None:
    """The pact is in force with six signatures; its PDF and certificate download and verify."""
    page = people.sign_in("secretariat")
    open_pact(page)
    state_is(page, "In force")
    expect(page.get_by_role("heading", name="Signatures: 6 of 6")).to_be_visible()
    table = page.get_by_role("table", name="Signatures of the member units")
    for name in UNIT_NAMES:
        expect(table.get_by_role("rowheader", name=name, exact=True)).to_be_visible()
    expect(table.get_by_text("Not signed yet")).to_have_count(0)

    for link_name in ("Current PDF", "Certificate of completion"):
        link = page.get_by_role("link", name=link_name)
        with page.expect_response(lambda r: r.url.endswith(".pdf")) as opened:
            link.click()  # Chromium opens the PDF in its viewer
        shown = opened.value
        assert shown.status == 200, (link_name, shown.status)
        assert shown.headers["content-type"] == "application/pdf"
        download = page.request.get(shown.url)  # the same file, saved (session cookie kept)
        assert download.status == 200
        body = download.body()
        assert body.startswith(b"%PDF-"), link_name
        if link_name == "Current PDF":
            reports = in_thread(partial(verify, live_server, body))
            assert len(reports) == 6
            assert all(r.ok for r in reports), [(r.unit, r.check) for r in reports]
            assert sorted(r.unit.name for r in reports if r.unit) == sorted(UNIT_NAMES)
        page.go_back()
        expect(page.get_by_role("heading", name="Signatures: 6 of 6")).to_be_visible()

"""A block's year in Chromium, stage by stage, as its people click and type through it.

The demo's political block (led this year by the Youth Union, TDOAN) has its plan in
consultation. The stages run in file order on one server (module scope), each continuing
from the state the previous one left: comment, answer and submit, approve, publish and open
signing, every head signs, the signed pact and its PDF. Then a quarter is reviewed in the
agencies' block (KSBN, this year's first quarter: self-assessment with evidence, grading,
acceptance, the list and the scoreboard), and a nomination is voted and decided on last
year's results of the political block (proposal, secret block vote, signed dossier,
secretariat, council session and vote, signed decision, public register). These stages touch
other blocks and years than the plan's, so they do not depend on it; each continues from
the previous one of its own story.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

import pytest
from playwright.sync_api import Locator, Page, expect

from tests import samples
from tests.browser.conftest import LiveServer, People, choose_language, in_thread
from wflow import db
from wflow.awards import catalogue as awards
from wflow.clock import utcnow
from wflow.core.access import current_year
from wflow.demo.org import COUNCIL_MEMBERS, POLITICAL
from wflow.demo.plans import demo_rules
from wflow.demo.reviews import AGENCIES
from wflow.signatures import keys

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


def open_block(page: Page, block: str = BLOCK, year: int = YEAR) -> None:
    """Go home through the menu and open a block's page (the political block, this year)."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    that_year = page.get_by_role("row").filter(
        has=page.get_by_role("cell", name=str(year), exact=True)
    )
    that_year.get_by_role("link", name=block).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(block)


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
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My tasks").click()
    task = page.get_by_role("link", name=f"Approve: {PLAN_TITLE}", exact=True)
    expect(task).to_have_count(1)  # one row, in words: the action and the plan's title
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
    people.allow(r"status of 422")  # the refused signature below: the page again, 422
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
            # no dead end: the pact's page again, the form ready for the password
            expect(page.get_by_role("heading", name="Signatures: 0 of 6")).to_be_visible()
            expect(password).to_be_focused()
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


# --- a quarter is reviewed: the agencies' block, this year's first quarter -----------------

AGENCIES_BLOCK = "Khối thi đua các sở, ban, ngành tỉnh"
AGENCY = {code: name for code, name, *_ in AGENCIES}
REVIEWED, REVIEWER, ONLOOKER = "SNNMT", "SNV", "SGDDT"  # SNNMT has not started its report
Q1_DUE = date(YEAR, 3, 31)  # the demo plan's first-quarter report (review_demo, demo_rules)
EVIDENCE = samples.pdf("Minutes of the quarter")  # a small PDF: the meeting's minutes, say
HALF = Decimal("0.5")


@dataclass(frozen=True)
class SheetRow:
    """One criterion of a score sheet as the page shows it, with what the unit claims."""

    code: str
    max_points: Decimal
    max_bonus: Decimal
    index: int

    @property
    def self_score(self) -> Decimal:
        """Return the unit's self score: the maximum, half a point or a point below."""
        return self.max_points - HALF * (self.index % 3)

    @property
    def self_bonus(self) -> Decimal:
        """Return the unit's bonus claim: half a point on the first criterion allowing one."""
        return HALF if self.index == 0 and self.max_bonus else Decimal(0)

    @property
    def grade(self) -> Decimal:
        """Return the reviewer's score: the self score, one point less on the second row."""
        return self.self_score - (1 if self.index == 1 else 0)


def points(values: Iterable[Decimal]) -> Decimal:
    """Return the sum of some points."""
    return sum(values, Decimal(0))


def pts(value: Decimal) -> str:
    """Return points as the pages write them: 100, 97.5."""
    return f"{value.normalize():f}"


def sheet_rows(page: Page) -> list[SheetRow]:
    """Read the criteria of the score sheet on the page: code, maximum points and bonus."""
    table = page.get_by_role("table").filter(
        has=page.get_by_role("columnheader", name="Max (bonus)")
    )
    rows = table.get_by_role("row").filter(has=page.get_by_role("rowheader"))
    expect(rows.first).to_be_visible()
    out = []
    for i in range(rows.count()):
        row = rows.nth(i)
        code = row.get_by_role("rowheader").inner_text().split()[0]
        found = re.fullmatch(r"(\S+) \((\S+)\)", row.get_by_role("cell").first.inner_text().strip())
        assert found, code
        out.append(SheetRow(code, Decimal(found[1]), Decimal(found[2]), i))
    return out


def open_block_reviews(page: Page) -> None:
    """Open this year's reviews of the agencies' block from the home page."""
    open_block(page, AGENCIES_BLOCK)
    page.get_by_role("link", name="Reviews (sơ kết, tổng kết)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(AGENCIES_BLOCK)


def open_review(page: Page) -> None:
    """Open the reviewed agency's first-quarter review from the block's list."""
    open_block_reviews(page)
    page.get_by_role("rowheader", name=AGENCY[REVIEWED]).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"First quarter {YEAR}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(AGENCY[REVIEWED])


def test_a_unit_head_assesses_attaches_evidence_and_submits_the_quarter(people: People) -> None:
    """The reviewed agency's head fills every criterion, attaches a PDF and submits."""
    page = people.sign_in(f"{REVIEWED.lower()}.head")
    open_review(page)
    state_is(page, "Self-assessment")
    expect(page.get_by_text(AGENCY[REVIEWER], exact=True)).to_be_visible()  # "Graded by"
    page.get_by_role("link", name="Fill in the self-assessment").click()
    rows = sheet_rows(page)
    assert len(rows) == 11 and sum(r.max_points for r in rows) == 100
    for r in rows:
        page.get_by_label(f"Achieved for {r.code}", exact=True).fill(f"Quý I: triển khai {r.code}")
        page.get_by_label(f"Figure achieved for {r.code}", exact=True).fill(str(20 + r.index))
        page.get_by_label(f"Self score for {r.code} (0 to {pts(r.max_points)})").fill(
            pts(r.self_score)
        )
        page.get_by_label(f"Bonus for {r.code} (0 to {pts(r.max_bonus)})").fill(pts(r.self_bonus))
    page.get_by_label(f"Note for {rows[0].code}", exact=True).fill("Kèm kế hoạch quán triệt.")
    page.get_by_role("button", name="Save").click()
    done(page, "Your self-assessment was saved.")

    evidence = page.get_by_role("group", name="Attach evidence")
    evidence.get_by_label("File").set_input_files(
        {"name": "bien-ban-quy-1.pdf", "mimeType": "application/pdf", "buffer": EVIDENCE}
    )
    criterion = evidence.get_by_label("For criterion")
    first = criterion.get_by_role("option", name=re.compile(rf"^{re.escape(rows[0].code)} "))
    criterion.select_option(label=first.inner_text())
    evidence.get_by_role("button", name="Attach").click()
    done(page, "The file was attached.")
    files = page.get_by_role("table", name="Evidence files")
    expect(files.get_by_role("row").filter(has_text="bien-ban-quy-1.pdf")).to_contain_text(
        rows[0].code
    )

    page.get_by_role("button", name="Submit", exact=True).click()
    done(page, "The review was submitted.")
    state_is(page, "Submitted")
    claimed = points(r.self_score + r.self_bonus for r in rows)
    totals = page.get_by_role("table", name="Totals of the review").get_by_role("cell")
    expect(totals.first).to_have_text(pts(claimed))
    late = utcnow().date() > Q1_DUE
    lateness = page.get_by_text(re.compile(r"point\(s\) deducted|on time"))
    expect(lateness).to_contain_text("late: 1 point(s) deducted" if late else "on time")
    expect(page.get_by_role("link", name="Fill in the self-assessment")).to_have_count(0)


def test_the_reviewing_unit_grades_every_criterion_and_accepts(people: People) -> None:
    """The reviewing agency's head starts grading, lowers one score with a note, accepts."""
    page = people.sign_in(f"{REVIEWER.lower()}.head")
    open_review(page)
    state_is(page, "Submitted")
    expect(page.get_by_role("link", name="bien-ban-quy-1.pdf")).to_be_visible()
    page.get_by_role("button", name="Start grading").click()
    done(page, "Grading started.")
    state_is(page, "Under review")
    page.get_by_role("link", name="Grade the criteria").click()
    rows = sheet_rows(page)
    for r in rows:
        given = page.get_by_label(f"Score for {r.code} (0 to {pts(r.max_points)})")
        expect(given).to_have_value(pts(r.self_score))  # the sheet starts from the unit's own
        given.fill(pts(r.grade))
        page.get_by_label(f"Bonus for {r.code} (0 to {pts(r.max_bonus)})").fill(pts(r.self_bonus))
    page.get_by_label(f"Note for {rows[1].code}", exact=True).fill("Thiếu tài liệu kiểm chứng.")
    page.get_by_role("button", name="Save").click()
    done(page, "Your grading was saved.")
    differs = page.get_by_role("row").filter(has_text="differs")
    expect(differs).to_have_count(1)
    expect(differs.get_by_role("rowheader")).to_contain_text(rows[1].code)

    page.get_by_role("button", name="Accept").click()
    done(page, "The review was accepted.")
    state_is(page, "Accepted")
    score, bonus = points(r.grade for r in rows), points(r.self_bonus for r in rows)
    late = utcnow().date() > Q1_DUE
    penalty = Decimal(demo_rules()["late_report_penalty"] if late else 0)
    totals = page.get_by_role("table", name="Totals of the review").get_by_role("cell")
    expect(totals).to_have_text([
        pts(points(r.self_score + r.self_bonus for r in rows)), pts(score), pts(bonus),
        f"−{pts(penalty)}" if late else "—", pts(score + bonus - penalty),
    ])  # fmt: skip
    expect(page.get_by_role("term").filter(has_text="Accepted")).to_be_visible()
    expect(page.get_by_role("button", name="Accept")).to_have_count(0)


def test_the_block_sees_the_accepted_result_in_its_list_and_scoreboard(people: People) -> None:
    """Another member sees the accepted total and rank in the list and the scoreboard."""
    page = people.sign_in(f"{ONLOOKER.lower()}.head")
    open_block_reviews(page)
    page.get_by_label("State").select_option(label="Accepted")
    page.get_by_role("button", name="Filter").click()
    listed = page.get_by_role("table", name=f"Reviews of the block in {YEAR}").get_by_role("row")
    expect(listed).to_have_count(2)  # the header and the accepted review
    row = listed.filter(has=page.get_by_role("rowheader", name=AGENCY[REVIEWED]))
    expect(row.get_by_role("cell").nth(3)).to_have_text("Accepted")
    final = row.get_by_role("cell").nth(9)
    expect(final).to_have_text(re.compile(r"^\d+(\.\d+)?$"))
    total = final.inner_text()
    expect(row.get_by_role("cell").nth(10)).to_have_text("1")  # the only accepted one: first

    page.get_by_role("link", name="Back to the block").click()
    page.get_by_role("link", name="Scoreboard (bảng xếp hạng)").click()
    board = page.get_by_role("search", name="Filter the scoreboard")
    board.get_by_label("Period").select_option(label="First quarter")
    board.get_by_role("button", name="Filter").click()
    results = page.get_by_role("table").filter(has_text="Period total")
    line = results.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=AGENCY[REVIEWED])
    )
    expect(line.get_by_role("cell").first).to_have_text("1")
    expect(line.get_by_role("cell").nth(1)).to_contain_text(total)
    expect(line.get_by_role("cell").last).to_have_text(total)
    others = results.get_by_role("row").filter(has_text="no result")
    expect(others).to_have_count(len(AGENCY) - 1)


# --- a nomination is voted and decided: last year's political block ------------------------

LAST_YEAR = YEAR - 1
LAST_LEADER = "mttq.head"  # the political block's leading unit last year (demo.build_demo)
NOMINEE = dict((code, name) for code, name, *_ in POLITICAL)["LDLD"]  # ranked 5th, 85.5 points
AWARD = next(s for s in awards.SEEDS if s.code == "excellent_collective")  # needs 85 %
COUNCIL = [f"council{i}" for i in range(1, len(COUNCIL_MEMBERS) + 1)]
SESSION_TITLE = f"Phiên họp bổ sung xét khen thưởng năm {LAST_YEAR}"
ACHIEVEMENT = "Năm qua, Liên đoàn Lao động tỉnh hoàn thành vượt mức các chỉ tiêu thi đua."


def open_nomination(page: Page) -> None:
    """Find the nomination through the Nominations menu, searching by the unit's name."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Nominations").click()
    search = page.get_by_role("search", name="Filter nominations")
    search.get_by_label("Search").fill(NOMINEE)
    search.get_by_role("button", name="Filter").click()
    page.get_by_role("row").filter(has_text=AWARD.name).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{AWARD.name} · {NOMINEE}")


def vote(page: Page, choice: str) -> None:
    """Cast the signed-in person's secret ballot on the open nomination page."""
    ballot = page.get_by_role("group", name="Your secret ballot")
    ballot.get_by_role("radio", name=choice, exact=True).check()
    ballot.get_by_role("button", name="Cast my vote").click()
    done(page, "Your vote was recorded. It stays secret.")
    expect(page.get_by_role("status").filter(has_text="Receipt: ")).to_be_visible()
    expect(page.get_by_text("You have voted.")).to_be_visible()
    expect(page.get_by_role("group", name="Your secret ballot")).to_have_count(0)


def tally(page: Page, which: str) -> Locator:
    """Return the cells of a closed vote's count: members, present, written, yes, no, abstain."""
    section = page.get_by_role("region", name=which)
    return section.get_by_role("table").get_by_role("cell")


def test_last_years_leader_proposes_an_eligible_unit_and_opens_the_block_vote(
    people: People,
) -> None:
    """Last year's leading unit finds a unit still eligible and proposes it; the vote opens."""
    page = people.sign_in(LAST_LEADER)
    open_block(page, BLOCK, LAST_YEAR)
    page.locator("main").get_by_role("link", name="Nominations", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(str(LAST_YEAR))
    ranking = page.get_by_role("region", name="Year-end ranking and eligibility")
    headers = ranking.get_by_role("columnheader").all_inner_texts()
    row = ranking.get_by_role("row").filter(has=page.get_by_role("rowheader", name=NOMINEE))
    expect(row.get_by_role("cell").nth(headers.index(AWARD.name) - 1)).to_have_text("eligible")

    form = page.get_by_role("region", name="Propose a unit")
    form.get_by_label("Unit").select_option(label=NOMINEE)
    form.get_by_label("Award").select_option(label=AWARD.name)
    form.get_by_role("button", name="Propose").click()
    done(page, "The nomination was proposed.")
    state_is(page, "Proposed")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{AWARD.name} · {NOMINEE}")
    page.get_by_role("button", name="Open the block vote").click()
    done(page)
    state_is(page, "Block vote")
    expect(page.get_by_text(f"0 of {len(HEADS)} have voted.")).to_be_visible()


def test_every_member_votes_in_secret_and_the_leader_closes_the_vote(people: People) -> None:
    """Each member unit's head votes (one abstains); the leader closes: the block approves."""
    leader = None
    for count, login in enumerate(HEADS, start=1):
        page = people.sign_in(login)
        open_nomination(page)
        state_is(page, "Block vote")
        vote(page, "Abstain" if login == "hnd.head" else "Yes")
        expect(page.get_by_text(f"{count} of {len(HEADS)} have voted.")).to_be_visible()
        expect(
            page.get_by_role("button", name="Close the vote and record the result")
        ).to_have_count(1 if login == LAST_LEADER else 0)
        if login == LAST_LEADER:
            leader = page
    assert leader is not None
    leader.reload()
    leader.get_by_role("button", name="Close the vote and record the result").click()
    done(leader, "The vote is closed: Dossier.")
    state_is(leader, "Dossier")
    expect(tally(leader, "Block vote")).to_have_text(["6", "6", "0", "5", "0", "1"])


def test_the_leader_completes_the_dossier_and_signs_it_with_the_password(
    people: People, live_server: LiveServer
) -> None:
    """The leader adds to the achievement report, saves, then signs and submits the dossier."""
    page = people.sign_in(LAST_LEADER)
    open_nomination(page)
    state_is(page, "Dossier")
    report = page.get_by_label("Achievement report (Form 02)")
    report.fill(f"{report.input_value()}\n{ACHIEVEMENT}")
    page.get_by_role("button", name="Save the texts").click()
    done(page, "The dossier was saved.")
    expect(page.get_by_label("Achievement report (Form 02)")).to_have_value(
        re.compile(re.escape(ACHIEVEMENT))
    )
    sign = page.get_by_role("group", name=re.compile("^Sign and submit for "))
    sign.get_by_label("Your password (to sign the forms)").fill("demo-2026!")
    sign.get_by_role("button", name="Sign and submit the dossier").click()
    done(page, "The dossier was signed and submitted.")
    state_is(page, "Submitted")
    forms = page.get_by_role("table", name="Signed forms").get_by_role("link")
    expect(forms).to_have_count(3)
    with page.expect_response(lambda r: r.url.endswith(".pdf")) as opened:
        forms.first.click()
    body = page.request.get(opened.value.url).body()
    reports = in_thread(partial(verify, live_server, body))
    assert [(r.ok, r.unit.code if r.unit else None) for r in reports] == [(True, "MTTQ")]


def test_the_secretariat_accepts_the_dossier_and_refers_it_to_a_new_session(
    people: People,
) -> None:
    """The secretariat accepts the dossier as complete, opens a session and refers it there."""
    page = people.sign_in("secretariat")
    open_nomination(page)
    state_is(page, "Submitted")
    page.get_by_role("button", name="Accept as complete").click()
    done(page)
    state_is(page, "Secretariat review")
    page.get_by_role("link", name="Open a council session first.").click()
    form = page.get_by_role("region", name="Open a session")
    form.get_by_label("Title").fill(SESSION_TITLE)
    form.get_by_label("Results of year").fill(str(LAST_YEAR))
    day = date.fromisoformat(form.get_by_label("Held on").input_value())  # today, as proposed
    held_on = f"{day.day} {day:%b} {day.year}"  # as English pages write a date
    form.get_by_role("button", name="Open the session").click()
    done(page, "The session was opened.")
    expect(page.get_by_role("heading", level=1)).to_contain_text(SESSION_TITLE)

    open_nomination(page)
    refer = page.get_by_role("group", name="Refer to the council")
    refer.get_by_label("Council session").select_option(label=f"{SESSION_TITLE} ({held_on})")
    refer.get_by_role("button", name="Refer to the council").click()
    done(page)
    state_is(page, "Council vote")
    expect(page.get_by_text(f"0 of {len(COUNCIL)} have voted.")).to_be_visible()
    expect(page.get_by_text(f"Council session: {SESSION_TITLE} ({held_on})")).to_be_visible()


def test_the_council_votes_the_secretariat_prepares_and_the_chair_signs(people: People) -> None:
    """The council votes in secret (one against); the secretariat submits, the chair signs."""
    for count, login in enumerate(COUNCIL, start=1):
        page = people.sign_in(login)
        open_nomination(page)
        vote(page, "No" if count == len(COUNCIL) else "Yes")
        expect(page.get_by_text(f"{count} of {len(COUNCIL)} have voted.")).to_be_visible()

    page = people.sign_in("secretariat")
    open_nomination(page)
    page.get_by_role("button", name="Close the vote and record the result").click()
    done(page, "The vote is closed: Approved.")
    state_is(page, "Approved")
    votes = len(COUNCIL)
    expect(tally(page, "Council vote")).to_have_text(
        [str(votes), str(votes), "0", str(votes - 1), "1", "0"]
    )

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Council sessions").click()
    page.get_by_role("link", name=SESSION_TITLE).click()
    agenda = page.get_by_role("table", name="Agenda").get_by_role("row").filter(has_text=NOMINEE)
    expect(agenda).to_contain_text("Approved")
    number = page.get_by_label("Decision number").input_value()
    day = date.fromisoformat(page.get_by_label("Date").input_value())
    issued = f"{day.day} {day:%b} {day.year}"  # as English pages write a date
    assert number.endswith("/QĐ-HĐTĐKT"), number
    page.get_by_role("button", name="Submit for signature").click()
    done(page, "The decision was submitted to the council's chair for signature.")
    expect(page.get_by_role("button", name="Sign the decision")).to_have_count(0)
    expect(page.get_by_text("the secretariat never signs for them")).to_be_visible()

    page = people.sign_in("council1")  # the chair (demo)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Council sessions").click()
    page.get_by_role("link", name=SESSION_TITLE).click()
    expect(page.get_by_role("link", name="Read the draft (PDF)")).to_be_visible()
    page.get_by_label("Your password").fill("demo-2026!")
    page.get_by_role("button", name="Sign the decision").click()
    done(page, "The decision was signed; the awards are granted.")
    agenda = page.get_by_role("table", name="Agenda").get_by_role("row").filter(has_text=NOMINEE)
    expect(agenda).to_contain_text("Decided")
    link = page.get_by_role("link", name=f"Decision {number} of {issued} (signed PDF)")
    expect(link).to_be_visible()
    open_nomination(page)
    state_is(page, "Decided")
    expect(page.get_by_role("link", name=number)).to_be_visible()


def test_the_public_register_lists_the_award_with_its_decision(
    people: People, live_server: LiveServer
) -> None:
    """Signed out, anyone finds the award in the register, with its signed decision."""
    page = people.open("visitor")
    page.goto("/")
    choose_language(page, "English")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Award register").click()
    search = page.get_by_role("search", name="Filter awards")
    search.get_by_label("Year").select_option(str(LAST_YEAR))
    search.get_by_label("Unit").select_option(label=NOMINEE)
    search.get_by_role("button", name="Filter").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=NOMINEE))
    expect(row).to_have_count(1)
    prize = awards.prize(AWARD.prize_multiple, awards.DEFAULT_BASE_SALARY)
    cells = row.get_by_role("cell")
    expect(cells).to_have_text([
        str(LAST_YEAR), BLOCK, AWARD.name,
        re.compile(r"^\d+/QĐ-HĐTĐKT · \d{1,2} [A-Z][a-z]{2} \d{4}$"),
        "Hội đồng Thi đua - Khen thưởng tỉnh Hà Tĩnh",  # the council that decided it
        f"{prize:,.0f}", "Print",
    ])  # fmt: skip
    decision = cells.nth(3).get_by_role("link")
    with page.expect_response(lambda r: r.url.endswith(".pdf")) as opened:
        decision.click()
    assert opened.value.status == 200
    body = page.request.get(opened.value.url).body()
    reports = in_thread(partial(verify, live_server, body))
    assert len(reports) == 1 and reports[0].ok, [(r.unit, r.check) for r in reports]


# --- a coordination programme between two organisations (seed 000) ----------------------

FARMERS, VETERANS = UNIT_NAMES[4], UNIT_NAMES[5]  # Hội Nông dân, Hội Cựu chiến binh
PROGRAMME_TITLE = "Chương trình phối hợp giúp nhau phát triển kinh tế hộ gia đình"


def open_programme(page: Page) -> None:
    """Open the farmers' and veterans' programme from the menu's list of programmes."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Programmes").click()
    page.get_by_role("link", name=PROGRAMME_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(PROGRAMME_TITLE)


def test_a_unit_drafts_a_programme_with_another_and_sends_it_for_agreement(
    people: People,
) -> None:
    """The farmers' staff drafts a five-year programme with the veterans and sends it."""
    page = people.sign_in("hnd.staff")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Programmes").click()
    page.get_by_role("link", name="Draft a programme").click()
    page.get_by_label("Title").fill(PROGRAMME_TITLE)
    page.get_by_label("Last year").fill(str(YEAR + 4))
    page.get_by_role("group", name="The other parties").get_by_label(VETERANS).check()
    page.get_by_label("The work coordinated").fill("Cho vay vốn ưu đãi\nChuyển giao kỹ thuật")
    page.get_by_label("Place of signing").fill("Hà Tĩnh")
    page.get_by_role("button", name="Save").click()
    done(page, "The programme was drafted.")
    state_is(page, "Draft")
    expect(page.get_by_role("region", name="Parties")).to_contain_text(VETERANS)
    page.get_by_role("button", name="Send to the parties for agreement").click()
    done(page)
    state_is(page, "Being agreed")


def test_both_heads_agree_then_sign_with_the_password_again(
    people: People, live_server: LiveServer
) -> None:
    """Each party's head agrees; the PDF is rendered; each signs its own box; it is in force."""
    for login in ("hnd.head", "hccb.head"):
        page = people.sign_in(login)
        open_programme(page)
        page.get_by_role("button", name="Agree").click()
        done(page)
    state_is(page, "Signing")
    expect(page.get_by_role("heading", name="Signatures: 0 of 2")).to_be_visible()
    for count, login in enumerate(("hccb.head", "hnd.head"), start=1):
        page = people.sign_in(login)
        open_programme(page)
        form = page.get_by_role("group", name="Sign for your unit")
        form.get_by_label("Your password (to confirm the signature)").fill("demo-2026!")
        form.get_by_role("button", name="Sign the programme").click()
        done(page, "Your unit's signature was added to the programme.")
        expect(page.get_by_role("heading", name=f"Signatures: {count} of 2")).to_be_visible()
    state_is(page, "In force")
    with page.expect_response(lambda r: r.url.endswith(".pdf")) as opened:
        page.get_by_role("link", name="Current PDF").click()
    assert opened.value.status == 200
    body = page.request.get(opened.value.url).body()
    reports = in_thread(partial(verify, live_server, body))
    assert sorted(r.unit.name for r in reports if r.unit) == sorted([FARMERS, VETERANS])
    assert all(r.ok for r in reports), [(r.unit, r.check) for r in reports]


def test_a_party_reviews_the_year(people: People) -> None:
    """The veterans' staff records this year's review; both parties read it on the page."""
    page = people.sign_in("hccb.staff")
    open_programme(page)
    form = page.get_by_role("group", name="Review a year")
    form.get_by_label("What was done").fill("Hỗ trợ 120 hộ hội viên vay vốn phát triển kinh tế.")
    form.get_by_role("button", name="Record the review").click()
    done(page, "The year's review was recorded.")
    reviews = page.get_by_role("region", name="Yearly reviews")
    expect(reviews).to_contain_text(f"Year {YEAR}")
    expect(reviews).to_contain_text("Hỗ trợ 120 hộ hội viên vay vốn phát triển kinh tế.")


# --- a peak campaign beside the annual plan (seed 002) ------------------------------------

WOMEN = UNIT_NAMES[2]  # Hội Liên hiệp Phụ nữ tỉnh Hà Tĩnh
CAMPAIGN_TITLE = f"Đợt thi đua cao điểm “Phụ nữ với chuyển đổi số” năm {YEAR}"
CAMPAIGN_TARGET = "Người được tập huấn chuyển đổi số"


def open_campaign(page: Page) -> None:
    """Open the women's campaign from the menu's list of campaigns."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name=CAMPAIGN_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(CAMPAIGN_TITLE)


def test_the_secretariat_launches_a_campaign_and_opens_registration(people: People) -> None:
    """The secretariat launches a three-week campaign for the Women's Union, with a target."""
    page = people.sign_in("secretariat")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="Launch a campaign").click()
    page.get_by_label("Title", exact=True).fill(CAMPAIGN_TITLE)
    today = utcnow().date()
    page.get_by_label("Start date", exact=True).fill(today.isoformat())
    page.get_by_label("End date", exact=True).fill((today + timedelta(days=21)).isoformat())
    page.get_by_label("Number of the superior plan").fill("46-KH/TWĐTN-TNTH")
    page.get_by_label("Who takes part").select_option(label="Named units")
    page.get_by_role("group", name="Units", exact=True).get_by_label(WOMEN).check()
    target = page.get_by_role("group", name="Target 1", exact=True)
    target.get_by_label("Target", exact=True).fill(CAMPAIGN_TARGET)
    target.get_by_label("Unit of measure").fill("người")
    page.get_by_role("button", name="Save").click()
    done(page, "The campaign was launched as a draft.")
    state_is(page, "Draft")
    expect(page.get_by_role("region", name="Participants: 1")).to_contain_text(WOMEN)
    page.get_by_role("button", name="Open registration").click()
    done(page)
    state_is(page, "Registration")


def test_the_participant_registers_its_target_from_its_tasks(people: People) -> None:
    """The Women's Union's staff finds the task, registers 200 people; the window opens."""
    page = people.sign_in("hlhpn.staff")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My tasks").click()
    task = page.get_by_role("link", name=f"Register: {CAMPAIGN_TITLE}", exact=True)
    expect(task).to_have_count(1)  # one row, in words: the action and the campaign's title
    open_campaign(page)
    form = page.get_by_role("group", name="Register your unit's targets")
    form.get_by_label(f"{CAMPAIGN_TARGET} (người)").fill("200")
    form.get_by_role("button", name="Register").click()
    done(page, "Your unit's targets are registered.")
    page = people.sign_in("secretariat")
    open_campaign(page)
    page.get_by_role("button", name="Start the campaign now").click()
    done(page)
    state_is(page, "Running")
    page.get_by_role("button", name="End the window and open reporting").click()
    done(page)
    state_is(page, "Reporting")


def test_the_participant_reports_and_the_summary_shows_the_share_of_target(
    people: People,
) -> None:
    """It reports 410 people trained: the summary reads 205 % of target; the launcher closes."""
    page = people.sign_in("hlhpn.staff")
    open_campaign(page)
    form = page.get_by_role("group", name="Report your unit's results")
    form.get_by_label(f"{CAMPAIGN_TARGET} (người)").fill("410")
    form.get_by_role("button", name="Report").click()
    done(page, "Your unit's results are reported.")
    page.get_by_role("link", name="Summary", exact=True).click()
    row = (
        page.get_by_role("table", name="Per participant", exact=True)
        .get_by_role("row")
        .filter(has_text=WOMEN)
    )
    expect(row).to_contain_text("1 of 1 objectives met")
    expect(row).to_contain_text("205% of target")  # English writes no space before %
    expect(page.get_by_role("img", name=re.compile("Share of each target"))).to_be_visible()
    page = people.sign_in("secretariat")
    open_campaign(page)
    page.get_by_role("button", name="Close and freeze the summary").click()
    done(page)
    state_is(page, "Closed")

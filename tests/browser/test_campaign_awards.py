"""A closed campaign's awards in Chromium: the demo's peak campaign (seed 002, last year).

The Women's Union registered and reported in it; its head opens a dossier for the campaign
from the campaign's page (the Youth Union's own dossier is already there, and asking the same
award again is refused with its reason); last year's leading unit of the political block runs
the block's vote; the Women's Union imports its list of collectives and a person (a row naming
a unit that is not its own is refused with its reason, nothing imported); the leader signs and
submits; the secretariat accepts it and refers it to a new council session; the council votes
on each name with one ballot paper (the person is voted down); the secretariat prepares and the
chair signs the decision; the campaign's page and the public register show the collectives
awarded. The stages run in file order on one server (module scope), each continuing from the
previous one.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import FilePayload, Locator, Page, expect
from sqlmodel import select

from tests.browser.conftest import LiveServer, People, choose_language
from tests.browser.test_year import COUNCIL, HEADS, done, state_is
from wflow import db
from wflow.core.access import current_year
from wflow.demo.campaigns import PEAK_TITLE
from wflow.org import service as org
from wflow.org.models import Unit, User
from wflow.people import service as people

pytestmark = pytest.mark.browser

LAST_YEAR = current_year() - 1
LAST_LEADER = "mttq.head"  # the political block's leading unit last year (demo.build_demo)
WOMEN = "Hội Liên hiệp Phụ nữ tỉnh Hà Tĩnh"
YOUTH = "Tỉnh Đoàn Hà Tĩnh"
BRANCHES = [("HPN-THANHSEN", "Hội Liên hiệp Phụ nữ phường Thành Sen"),
            ("HPN-CAMXUYEN", "Hội Liên hiệp Phụ nữ xã Cẩm Xuyên")]  # fmt: skip
PERSON = "Đặng Thị Lan"  # the Women's Union's staff (demo)
SESSION_TITLE = f"Phiên họp xét khen thưởng đợt thi đua cao điểm năm {LAST_YEAR}"


@pytest.fixture(scope="module", autouse=True)
def branches(live_server: LiveServer) -> None:
    """The Women's Union's two grassroots unions, each with its chair (the demo has none)."""
    with live_server.app.app_context():
        session = db.session()
        women = session.exec(select(Unit).where(Unit.name == WOMEN)).one()
        admin = session.exec(select(User).where(User.login == "admin")).one()
        for i, (code, name) in enumerate(BRANCHES):
            unit = org.create_unit(session, name=name, code=code, kind="socio_political",
                                   parent_id=women.id)  # fmt: skip
            session.flush()
            people.create_person(session, user=admin, unit_id=unit.id or 0,
                                 full_name=f"Nguyễn Thị Thu Hà {i + 1}", position="Chủ tịch",
                                 sex="female", birth_year=1988, since=date(2020, 1, 1))  # fmt: skip
        session.commit()


def open_peak(page: Page) -> None:
    """Open last year's peak campaign from the menu's list of campaigns."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name=PEAK_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(PEAK_TITLE)


def open_dossier(page: Page) -> None:
    """Open the Women's Union's campaign dossier from the campaign's awards section."""
    open_peak(page)
    section = page.get_by_role("region", name="Awards for this campaign")
    section.get_by_role("link", name=WOMEN).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Bằng khen · {WOMEN}")


def test_the_same_award_twice_is_refused_with_its_reason(people: People) -> None:
    """The Youth Union's head sees its decided dossier and cannot ask the same award again."""
    people.allow("status of 409")
    page = people.sign_in("tdoan.head")
    open_peak(page)
    section = page.get_by_role("region", name="Awards for this campaign")
    expect(section.get_by_role("row").filter(has_text=YOUTH)).to_contain_text("Bằng khen")
    form = section.get_by_role("group", name="Open a dossier for this campaign")
    form.get_by_label("Participant").select_option(label=YOUTH)
    form.get_by_label("Award").select_option(label="Bằng khen")
    form.get_by_role("button", name="Open the dossier").click()
    expect(page.get_by_role("alert")).to_have_text(
        re.compile(rf"{YOUTH} was granted Bằng khen for this campaign by decision "
                   r"\d+/QĐ-HĐTĐKT: one achievement, one award\.")
    )  # fmt: skip


def test_the_womens_union_opens_a_dossier_for_the_campaign(people: People) -> None:
    """Its head opens a dossier asking the certificate of merit; the block's vote opens."""
    page = people.sign_in("hlhpn.head")
    open_peak(page)
    form = page.get_by_role("group", name="Open a dossier for this campaign")
    expect(form.get_by_label("Participant").locator("option")).to_have_text([WOMEN])
    form.get_by_label("Award").select_option(label="Bằng khen")
    form.get_by_role("button", name="Open the dossier").click()
    done(page, "The dossier for this campaign was opened.")
    state_is(page, "Proposed")
    expect(page.get_by_role("link", name=PEAK_TITLE)).to_be_visible()
    expect(page.get_by_text("For the campaign:")).to_be_visible()
    page = people.sign_in(LAST_LEADER)
    open_dossier(page)
    page.get_by_role("button", name="Open the block vote").click()
    done(page)
    state_is(page, "Block vote")


def test_the_block_votes_and_its_leader_closes_the_vote(people: People) -> None:
    """Each member unit's head votes yes in secret; last year's leader closes the vote."""
    for login in HEADS:
        page = people.sign_in(login)
        open_dossier(page)
        ballot = page.get_by_role("group", name="Your secret ballot")
        ballot.get_by_role("radio", name="Yes", exact=True).check()
        ballot.get_by_role("button", name="Cast my vote").click()
        done(page, "Your vote was recorded. It stays secret.")
    page = people.sign_in(LAST_LEADER)
    open_dossier(page)
    page.get_by_role("button", name="Close the vote and record the result").click()
    done(page, "The vote is closed: Dossier.")
    state_is(page, "Dossier")


def _csv(*rows: str) -> FilePayload:
    head = "STT,Loại,Họ tên / Tên tập thể,Mã,Hình thức khen thưởng,Tóm tắt thành tích"
    text = "\n".join([head, *rows]) + "\n"
    return FilePayload(name="danh-sach.csv", mimeType="text/csv", buffer=text.encode("utf-8"))


def test_the_womens_union_imports_its_collectives_and_a_person(people: People) -> None:
    """A row naming another organisation is refused with its reason; the good list imports."""
    people.allow("status of 422")
    page = people.sign_in("hlhpn.head")
    open_dossier(page)
    page.get_by_role("link", name="Nominees of the dossier").click()
    rows = [
        f'1,Tập thể,"{BRANCHES[0][1]}",{BRANCHES[0][0]},,"Hướng dẫn 500 hội viên dùng VNeID."',
        f'2,Tập thể,"{BRANCHES[1][1]}",{BRANCHES[1][0]},,"Mô hình chợ không dùng tiền mặt."',
        f'3,Cá nhân,"{PERSON}",,Bằng khen (cá nhân),"Trực tiếp tổ chức tập huấn kỹ năng số."',
    ]
    outsider = f'4,Tập thể,"{YOUTH}",TDOAN,,"x"'
    page.get_by_label("Spreadsheet (.xlsx or .csv)").set_input_files(_csv(*rows, outsider))
    page.get_by_role("button", name="Import").click()
    problems = page.get_by_role("alert")
    expect(problems).to_contain_text("Nothing was imported: 1 rows were rejected.")
    expect(problems).to_contain_text(
        f"{YOUTH} is neither {WOMEN} (which proposes this dossier) nor a unit under it."
    )
    page.get_by_label("Spreadsheet (.xlsx or .csv)").set_input_files(_csv(*rows))
    page.get_by_role("button", name="Import").click()
    done(page, "3 nominees imported.")
    listing = page.get_by_role("table", name="3 nominees")
    for name in (BRANCHES[0][1], BRANCHES[1][1], PERSON):
        expect(listing.get_by_role("rowheader", name=re.compile(re.escape(name)))).to_be_visible()


def test_the_leader_signs_and_the_secretariat_refers_it_to_a_session(people: People) -> None:
    """Last year's leader signs and submits; the secretariat accepts and refers it."""
    page = people.sign_in(LAST_LEADER)
    open_dossier(page)
    sign = page.get_by_role("group", name=re.compile("^Sign and submit for "))
    sign.get_by_label("Your password (to sign the forms)").fill("demo-2026!")
    sign.get_by_role("button", name="Sign and submit the dossier").click()
    done(page, "The dossier was signed and submitted.")
    state_is(page, "Submitted")

    page = people.sign_in("secretariat")
    open_dossier(page)
    page.get_by_role("button", name="Accept as complete").click()
    done(page)
    state_is(page, "Secretariat review")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Council sessions").click()
    form = page.get_by_role("region", name="Open a session")
    form.get_by_label("Title").fill(SESSION_TITLE)
    form.get_by_label("Results of year").fill(str(LAST_YEAR))
    day = date.fromisoformat(form.get_by_label("Held on").input_value())
    held_on = f"{day.day} {day:%b} {day.year}"
    form.get_by_role("button", name="Open the session").click()
    done(page, "The session was opened.")
    open_dossier(page)
    refer = page.get_by_role("group", name="Refer to the council")
    refer.get_by_label("Council session").select_option(label=f"{SESSION_TITLE} ({held_on})")
    refer.get_by_role("button", name="Refer to the council").click()
    done(page)
    state_is(page, "Council vote")
    open_peak(page)
    expect(dossier_row(page, WOMEN)).to_contain_text("Council vote")


def dossier_row(page: Page, unit: str) -> Locator:
    """Return the row of `unit`'s dossier in the campaign page's awards section."""
    section = page.get_by_role("region", name="Awards for this campaign")
    return section.get_by_role("row").filter(has_text=unit)


def test_the_council_votes_on_each_name_and_the_chair_signs_the_decision(people: People) -> None:
    """Each member's paper says yes to both unions; three say no to the person: not approved."""
    for count, login in enumerate(COUNCIL, start=1):
        page = people.sign_in(login)
        open_dossier(page)
        ballot = page.get_by_role("group", name="Your secret ballot")
        for _code, name in BRANCHES:
            line = ballot.get_by_role("group", name=re.compile(re.escape(name)))
            line.get_by_role("radio", name="Yes", exact=True).check()
        person = ballot.get_by_role("group", name=re.compile(re.escape(PERSON)))
        person.get_by_role("radio", name="No" if count <= 3 else "Yes", exact=True).check()
        ballot.get_by_role("button", name="Cast my vote").click()
        done(page, "Your vote was recorded. It stays secret.")

    page = people.sign_in("secretariat")
    open_dossier(page)
    page.get_by_role("button", name="Close the vote and record the result").click()
    done(page, "The vote is closed: Approved.")
    state_is(page, "Approved")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Council sessions").click()
    page.get_by_role("link", name=SESSION_TITLE).click()
    page.get_by_role("button", name="Submit for signature").click()
    done(page, "The decision was submitted to the council's chair for signature.")

    page = people.sign_in("council1")  # the chair (demo)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Council sessions").click()
    page.get_by_role("link", name=SESSION_TITLE).click()
    page.get_by_label("Your password").fill("demo-2026!")
    page.get_by_role("button", name="Sign the decision").click()
    done(page, "The decision was signed; the awards are granted.")
    open_dossier(page)
    state_is(page, "Decided")
    open_peak(page)
    row = dossier_row(page, WOMEN)
    expect(row).to_contain_text(re.compile(r"No\. \d+/QĐ-HĐTĐKT of "))
    for _code, name in BRANCHES:
        expect(row).to_contain_text(f"{name} — Bằng khen")
    expect(row).not_to_contain_text(PERSON)


def test_the_public_register_lists_the_collectives_awarded(people: People) -> None:
    """Signed out, anyone finds both unions in last year's register, with their decision."""
    page = people.open("visitor")
    page.goto("/")
    choose_language(page, "English")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Award register").click()
    search = page.get_by_role("search", name="Filter awards")
    search.get_by_label("Year").select_option(str(LAST_YEAR))
    search.get_by_role("button", name="Filter").click()
    for _code, name in BRANCHES:
        row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name))
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Bằng khen")
        expect(row.get_by_role("link").first).to_have_text(re.compile(r"^\d+/QĐ-HĐTĐKT$"))
    expect(page.get_by_role("rowheader", name=re.compile(PERSON))).to_have_count(0)

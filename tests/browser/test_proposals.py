"""A proposal that goes up, in Chromium: the province's council approved the Labour Federation
for the Prime Minister's certificate of merit (prepared through the services below, as the
demo prepares its own); the province's chair signs the proposal on the session's page; the
Central council's office finds it among its tasks, accepts it and refers it to a session it
opens; the Central council's three members vote; its office prepares and its chair signs the
decision; the province's page of the nomination shows the Central council's decision. The
stages run in file order on one server (module scope), each continuing from the previous one.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from tests.browser.conftest import LiveServer, People
from tests.browser.test_year import done, state_is
from wflow import db
from wflow.awards import catalogue as awards
from wflow.awards import decisions as award_decision
from wflow.awards import nominations as noms
from wflow.clock import utcnow
from wflow.core.access import current_year
from wflow.demo.awards import PM_CERTIFICATE, through_the_block
from wflow.demo.councils import CENTRAL_MEMBERS
from wflow.demo.org import DEMO_PASSWORD, heads_of, user_by_login
from wflow.demo.proposals import council_votes
from wflow.org.models import Block, BlockMembership, Role, Unit, User
from wflow.workflow_setup import engine

pytestmark = pytest.mark.browser

LAST_YEAR = current_year() - 1
NOMINEE = "Liên đoàn Lao động tỉnh Hà Tĩnh"
AWARD = str(PM_CERTIFICATE["name"])
PROVINCE_SESSION = f"Phiên họp xét đề nghị khen thưởng cấp Nhà nước năm {LAST_YEAR}"
CENTRAL_SESSION = f"Phiên họp Hội đồng Thi đua - Khen thưởng Trung ương, đợt 2 năm {LAST_YEAR}"
CENTRAL = "Hội đồng Thi đua - Khen thưởng Trung ương"


@pytest.fixture(scope="module", autouse=True)
def approved(live_server: LiveServer) -> None:
    """The political block proposes the Labour Federation for the national award; the
    province's council approves it in a session of its own."""
    with live_server.app.app_context():
        session, eng = db.session(), engine()
        block = session.exec(select(Block).where(Block.code == "KCTXH")).one()
        unit = session.exec(select(Unit).where(Unit.name == NOMINEE)).one()
        award = awards.award_by_code(session, str(PM_CERTIFICATE["code"]))
        assert award is not None
        leader = user_by_login(session, "mttq.head")  # last year's leading unit (demo)
        nomination = noms.propose(session, eng, user=leader, block_id=block.id or 0,
                                  year=LAST_YEAR, unit_id=unit.id or 0,
                                  award_id=award.id or 0)  # fmt: skip
        secretariat = user_by_login(session, "secretariat")
        last_year = select(BlockMembership.unit_id).where(
            BlockMembership.block_id == block.id, BlockMembership.year == LAST_YEAR)  # fmt: skip
        heads = heads_of(session, [u for u in session.exec(last_year).all() if u])
        through_the_block(session, eng, leader, nomination, heads, secretariat)
        held = award_decision.create_session(
            session, user=secretariat, year=LAST_YEAR, title=PROVINCE_SESSION,
            held_on=utcnow().date() - timedelta(days=1),
        )  # fmt: skip
        council = sorted((u for u in session.exec(select(User)).all()
                          if Role.COUNCIL_MEMBER.value in u.roles
                          and u.login.startswith("council")), key=lambda u: u.login)  # fmt: skip
        council_votes(session, eng, secretariat, nomination, held.id or 0, council)
        session.commit()


def open_session(page: Page, title: str) -> None:
    """Open a council session from the menu's list of sessions."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Council sessions").click()
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)


def open_upper(page: Page, award: str = AWARD, nominee: str = NOMINEE) -> None:
    """Open the nomination of the council above from the person's tasks."""
    menu = page.get_by_role("navigation", name="Main")
    menu.get_by_role("link", name=re.compile("My tasks")).click()
    page.get_by_role("link", name=re.compile(re.escape(f"{award} — {nominee}"))).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{award} · {nominee}")


def refer(page: Page, title: str, held_on: str) -> None:
    """Refer the open nomination page's nomination to a session."""
    group = page.get_by_role("group", name="Refer to the council")
    group.get_by_label("Council session").select_option(label=f"{title} ({held_on})")
    group.get_by_role("button", name="Refer to the council").click()
    done(page)
    state_is(page, "Council vote")


def open_a_session(page: Page, title: str) -> str:
    """Open a council session from the sessions page; its date as English pages write it."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Council sessions").click()
    form = page.get_by_role("region", name="Open a session")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Results of year").fill(str(LAST_YEAR))
    day = date.fromisoformat(form.get_by_label("Held on").input_value())
    form.get_by_role("button", name="Open the session").click()
    done(page, "The session was opened.")
    return f"{day.day} {day:%b} {day.year}"


def vote_yes(page: Page) -> None:
    """Cast a yes ballot on the open nomination page."""
    ballot = page.get_by_role("group", name="Your secret ballot")
    ballot.get_by_role("radio", name="Yes", exact=True).check()
    ballot.get_by_role("button", name="Cast my vote").click()
    done(page, "Your vote was recorded. It stays secret.")


def test_the_province_s_chair_signs_the_proposal_to_the_centre(people: People) -> None:
    """The session's page offers the chair the proposal; a wrong password keeps them there."""
    people.allow(r"status of 422")  # the refused signature below: the page again, 422
    page = people.sign_in("council1")
    open_session(page, PROVINCE_SESSION)
    section = page.get_by_role("region", name=re.compile("Proposals to the council above"))
    expect(section).to_contain_text(NOMINEE)
    expect(section).to_contain_text(CENTRAL)
    section.get_by_label("Your password (to sign for the council)").fill("wrong password")
    section.get_by_role("button", name="Sign and send the proposals").click()
    expect(page.get_by_text("The password is wrong: nothing was signed.")).to_be_visible()
    section = page.get_by_role("region", name=re.compile("Proposals to the council above"))
    section.get_by_label("Your password (to sign for the council)").fill(DEMO_PASSWORD)
    section.get_by_role("button", name="Sign and send the proposals").click()
    done(page, "The proposals were signed and sent to the council above.")
    sent = page.get_by_role("table", name="Sent to the council above")
    expect(sent.get_by_role("row").filter(has_text=NOMINEE)).to_contain_text("Submitted")


def test_the_central_office_accepts_it_and_refers_it_to_a_session(people: People) -> None:
    """The Central council's office finds it among its tasks and refers it to its session."""
    page = people.sign_in("tw.secretariat")
    open_upper(page)
    state_is(page, "Submitted")
    expect(page.get_by_role("button", name="Return to the proposing council")).to_be_visible()
    page.get_by_role("button", name="Accept as complete").click()
    done(page)
    state_is(page, "Secretariat review")
    held_on = open_a_session(page, CENTRAL_SESSION)
    open_upper(page)
    refer(page, CENTRAL_SESSION, held_on)
    expect(page.get_by_text(f"0 of {len(CENTRAL_MEMBERS)} have voted.")).to_be_visible()


def test_the_central_council_votes_and_its_chair_signs(people: People) -> None:
    """The three members vote yes; the office prepares and the chair signs the decision."""
    for login, _name in CENTRAL_MEMBERS:
        page = people.sign_in(login)
        open_upper(page)
        vote_yes(page)
    page = people.sign_in("tw.secretariat")
    open_upper(page)
    page.get_by_role("button", name="Close the vote and record the result").click()
    done(page, "The vote is closed: Approved.")
    open_session(page, CENTRAL_SESSION)
    expect(page.get_by_label("Number")).to_have_value(re.compile(r"^\d\d/QĐ-HDTDKTTW$"))
    page.get_by_role("button", name="Submit for signature").click()
    done(page, "The decision was submitted to the council's chair for signature.")

    page = people.sign_in("tw.chair")
    open_session(page, CENTRAL_SESSION)
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign the decision").click()
    done(page, "The decision was signed; the awards are granted.")


def test_the_province_sees_the_centre_s_decision(people: People) -> None:
    """The province's nomination page shows where it went and how it ended."""
    page = people.sign_in("secretariat")
    open_session(page, PROVINCE_SESSION)
    page.get_by_role("link", name=NOMINEE).first.click()
    state_is(page, "Proposed to the council above")
    levels = page.get_by_role("region", name="Between councils")
    expect(levels.get_by_role("row").filter(has_text=CENTRAL)).to_contain_text("Decided")

"""A commune's nomination goes up to the province, in Chromium. The commune Thạch Hà's block
had last year's results (written below, as the scoreboard's tests write them) and its youth
union was proposed for the province's certificate of merit, voted by the block and its dossier
signed (through the services); in the browser the commune's secretariat opens a session and
refers it, the commune's council (its chair) approves it, and the chair signs the proposal to
the province; the province's secretariat accepts it and refers it to its own session; the
province's council votes; its secretariat prepares and its chair signs the decision; the
commune's page of the nomination shows the province's decision. Stages run in file order.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from tests.browser.conftest import LiveServer, People
from tests.browser.test_proposals import open_a_session, open_session, open_upper, refer, vote_yes
from tests.browser.test_year import COUNCIL, done, state_is
from tests.conftest import present
from tests.scoreboard.helpers import plan_and_pact, review_row, review_version
from wflow import db
from wflow.awards import catalogue as awards
from wflow.awards import nominations as noms
from wflow.core.access import current_year
from wflow.demo.awards import through_the_block
from wflow.demo.org import DEMO_PASSWORD, heads_of, user_by_login
from wflow.org import service as org
from wflow.org.models import Block, BlockMembership, Unit
from wflow.plans.models import Registration
from wflow.workflow_setup import engine

pytestmark = pytest.mark.browser

LAST_YEAR = current_year() - 1
NOMINEE = "Đoàn Thanh niên xã Thạch Hà"
AWARD = "Bằng khen"
TOTALS = [95, 92, 88, 80]  # the block's four units, in the block's order
COMMUNE = "Hội đồng Thi đua - Khen thưởng xã Thạch Hà"
PROVINCE = "Hội đồng Thi đua - Khen thưởng tỉnh Hà Tĩnh"
COMMUNE_SESSION = f"Phiên họp Hội đồng Thi đua - Khen thưởng xã Thạch Hà năm {LAST_YEAR}"
PROVINCE_SESSION = f"Phiên họp xét đề nghị của cấp xã năm {LAST_YEAR}"


@pytest.fixture(scope="module", autouse=True)
def dossier(live_server: LiveServer) -> None:
    """Last year's results of the commune's block; its youth union proposed for the
    province's certificate of merit, voted by the block, its dossier signed and submitted."""
    app = live_server.app
    with app.app_context():
        session, eng = db.session(), engine()
        block = session.exec(select(Block).where(Block.code == "KTH")).one()
        year = current_year()
        this_year = select(BlockMembership).where(BlockMembership.block_id == block.id,
                                                  BlockMembership.year == year)  # fmt: skip
        seats = sorted(session.exec(this_year).all(), key=lambda m: m.id or 0)
        leader = next(m.unit_id for m in seats if m.position == "leader")
        deputy = next(m.unit_id for m in seats if m.position == "deputy")
        org.set_block_year(session, block, year=LAST_YEAR, member_ids=[m.unit_id for m in seats],
                           leader_id=leader, deputy_id=deputy)  # fmt: skip
        plan, pact, criteria = plan_and_pact(session, block, LAST_YEAR, ["year_end"])
        units = [present(session.get(Unit, m.unit_id), "a member") for m in seats]
        for unit in units:
            session.add(Registration(plan_id=plan.id or 0, unit_id=unit.id or 0, year=LAST_YEAR))
        session.commit()
        for unit, total in zip(units, TOTALS, strict=True):
            review_row(session, pact, unit, "year_end", final=total, scores=[28, 27, 36],
                       criteria=criteria, version=review_version(app))  # fmt: skip
        youth = session.exec(select(Unit).where(Unit.code == "DTNTH")).one()  # the commune's own
        award = awards.award_by_code(session, "certificate_of_merit")
        assert award is not None
        head = heads_of(session, [leader])[0]
        nomination = noms.propose(session, eng, user=head, block_id=block.id or 0,
                                  year=LAST_YEAR, unit_id=youth.id or 0,
                                  award_id=award.id or 0)  # fmt: skip
        clerk = user_by_login(session, "thachha.secretariat")
        heads = heads_of(session, [m.unit_id for m in seats])
        through_the_block(session, eng, head, nomination, heads, clerk)
        chair = user_by_login(session, "thachha.chair")
        awards.set_council_chair(session, clerk, chair.id, block.council_id)
        session.commit()


def open_youth(page: Page, state: str = "") -> None:
    """Open the commune's nomination (in `state`, when the province's is listed too) from the
    Nominations menu."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Nominations").click()
    search = page.get_by_role("search", name="Filter nominations")
    search.get_by_label("Search").fill(NOMINEE)
    search.get_by_role("button", name="Filter").click()
    rows = page.get_by_role("row").filter(has_text=AWARD).filter(has_text=state)
    rows.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{AWARD} · {NOMINEE}")


def test_the_commune_approves_and_its_chair_proposes_to_the_province(people: People) -> None:
    """The commune's office refers it to its session; its chair votes and signs the proposal."""
    page = people.sign_in("thachha.secretariat")
    open_youth(page)
    state_is(page, "Secretariat review")
    held_on = open_a_session(page, COMMUNE_SESSION)
    open_youth(page)
    refer(page, COMMUNE_SESSION, held_on)

    page = people.sign_in("thachha.chair")
    open_youth(page)
    vote_yes(page)
    page = people.sign_in("thachha.secretariat")
    open_youth(page)
    page.get_by_role("button", name="Close the vote and record the result").click()
    done(page, "The vote is closed: Approved.")
    expect(page.get_by_role("status").filter(has_text=PROVINCE)).to_be_visible()

    page = people.sign_in("thachha.chair")
    open_session(page, COMMUNE_SESSION)
    section = page.get_by_role("region", name=re.compile("Proposals to the council above"))
    expect(section).to_contain_text(NOMINEE)
    section.get_by_label("Your password (to sign for the council)").fill(DEMO_PASSWORD)
    section.get_by_role("button", name="Sign and send the proposals").click()
    done(page, "The proposals were signed and sent to the council above.")


def test_the_province_accepts_votes_and_decides(people: People) -> None:
    """The province's secretariat accepts it, its council votes, its chair signs."""
    page = people.sign_in("secretariat")
    open_upper(page, AWARD, NOMINEE)
    state_is(page, "Submitted")
    page.get_by_role("button", name="Accept as complete").click()
    done(page)
    held_on = open_a_session(page, PROVINCE_SESSION)
    open_upper(page, AWARD, NOMINEE)
    refer(page, PROVINCE_SESSION, held_on)
    for login in COUNCIL:
        page = people.sign_in(login)
        open_upper(page, AWARD, NOMINEE)
        vote_yes(page)
    page = people.sign_in("secretariat")
    open_upper(page, AWARD, NOMINEE)
    page.get_by_role("button", name="Close the vote and record the result").click()
    done(page, "The vote is closed: Approved.")
    open_session(page, PROVINCE_SESSION)
    page.get_by_role("button", name="Submit for signature").click()
    done(page, "The decision was submitted to the council's chair for signature.")
    page = people.sign_in("council1")
    open_session(page, PROVINCE_SESSION)
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign the decision").click()
    done(page, "The decision was signed; the awards are granted.")


def test_the_commune_sees_the_province_s_decision(people: People) -> None:
    """The commune's nomination page shows the province's decision."""
    page = people.sign_in("thachha.secretariat")
    open_youth(page, "Proposed to the council above")
    state_is(page, "Proposed to the council above")
    between = page.get_by_role("region", name="Between councils")
    expect(between.get_by_role("row").filter(has_text=PROVINCE)).to_contain_text("Decided")
    expect(between.get_by_role("row").filter(has_text=COMMUNE)).to_contain_text(
        "Proposed to the council above")  # fmt: skip

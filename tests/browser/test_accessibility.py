"""The main pages pass axe-core's WCAG 2 A and AA rules, each seen by a person who uses it.

axe-core is vendored (tests/browser/vendor/axe-core/axe.min.js, see the README there: no
network at test time) and evaluated by the test driver rather than added as a <script> tag:
the app's Content-Security-Policy (script-src 'self') rightly refuses the inline script that
`page.add_script_tag` would add. Each page is checked as its user arrives on it in the demo
province, signed in through the login form (in English); the pages of visitors who are signed
out are checked in Vietnamese, the default.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page
from sqlmodel import Session, col, select

from tests.browser.conftest import LiveServer, People
from wflow import db
from wflow.awards.models import CouncilSession, Nomination
from wflow.core.access import current_year
from wflow.engine.tables import WfInstance
from wflow.org.models import Block, Unit, User
from wflow.pacts.models import Pact
from wflow.plans.models import Plan
from wflow.reviews.models import Review

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
# The rules of WCAG 2.0 and 2.1, levels A and AA (axe's tags), nothing turned off.
RUN_ONLY = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
POLITICAL_BLOCK = "Khối thi đua các tổ chức chính trị - xã hội tỉnh"
AGENCIES_BLOCK = "Khối thi đua các sở, ban, ngành tỉnh"


@dataclass(frozen=True)
class Visit:
    """A page and who looks at it (None: signed out, in Vietnamese)."""

    path: str
    login: str | None


def _in_state(session: Session, model: Any, state: str) -> Any:
    """Return the first row of `model` whose workflow instance is in `state`."""
    row = session.exec(
        select(model)
        .join(WfInstance, col(WfInstance.id) == model.instance_id)
        .where(WfInstance.state == state)
        .order_by(model.id)
    ).first()
    assert row is not None, f"the demo has no {model.__name__} in state {state}"
    return row


def _head(session: Session, unit_id: int | None) -> str:
    """Return the login of a unit's head."""
    users = session.exec(select(User).where(User.unit_id == unit_id).order_by(col(User.id))).all()
    return next(u.login for u in users if "unit_head" in u.roles)


def _visits(session: Session) -> dict[str, Visit]:
    """The main pages of the demo province, each with the person who uses it."""
    year = current_year()
    political = session.exec(select(Block).where(Block.name == POLITICAL_BLOCK)).one()
    agencies = session.exec(select(Block).where(Block.name == AGENCIES_BLOCK)).one()
    plan = session.exec(
        select(Plan).where(Plan.block_id == political.id, Plan.year == year)
    ).one()  # in consultation: the draft with its comments and their forms
    signing = _in_state(session, Pact, "signing")  # the enterprises' pact of this year
    review = _in_state(session, Review, "submitted")
    nomination = _in_state(session, Nomination, "decided")
    council = session.exec(select(CouncilSession).order_by(col(CouncilSession.id))).first()
    assert council is not None, "the demo has no council session"
    unit = session.exec(select(Unit).where(Unit.code == "MTTQ")).one()
    return {
        "login": Visit("/login", None),
        "verify": Visit("/verify", None),
        "home": Visit("/", "mttq.head"),
        "inbox": Visit("/tasks", "tdoan.head"),
        "block": Visit(f"/blocks/{political.id}", "tdoan.head"),
        "plan": Visit(f"/plans/{plan.id}", "tdoan.head"),
        "pact": Visit(f"/pacts/{signing.id}", "pcht.head"),  # the enterprises' leader
        "review": Visit(f"/reviews/{review.id}", _head(session, review.reviewer_unit_id)),
        "scoreboard": Visit(f"/blocks/{agencies.id}/scoreboard", "secretariat"),
        "committee": Visit("/committee", "secretariat"),
        "statistics": Visit(f"/statistics?block={political.id}", "secretariat"),
        "nominations": Visit("/nominations", "secretariat"),
        "nomination": Visit(f"/nominations/{nomination.id}", "secretariat"),
        "decision": Visit(f"/council/sessions/{council.id}", "council1"),
        "people": Visit("/people", "secretariat"),
        "campaigns": Visit("/campaigns", "hlhpn.staff"),
        "settings": Visit("/admin/settings", "admin"),
        "user_form": Visit("/admin/users/new", "admin"),
        "certificates": Visit(f"/units/{unit.id}/certificates", "mttq.head"),
    }


PAGES = [
    "login", "verify", "home", "inbox", "block", "plan", "pact", "review", "scoreboard",
    "committee", "statistics", "nominations", "nomination", "decision", "people", "campaigns",
    "settings", "user_form", "certificates",
]  # fmt: skip


@pytest.fixture(scope="module")
def visits(live_server: LiveServer) -> Iterator[dict[str, Visit]]:
    """The pages to check, found in this module's copy of the demo province."""
    with live_server.app.app_context():
        yield _visits(db.session())


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core's WCAG 2 A/AA rules on the page as it is; return what it finds wrong.

    That is its violations, and what it left for a person to review ("incomplete") but for
    colour contrast: axe cannot measure text over an image or under an overlapping element (the
    charts' SVG labels), while everything else it leaves open (a label or an ARIA reference
    to an id that two elements share, say) is a defect a person would confirm.
    """
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", RUN_ONLY
    )
    review = [r for r in result["incomplete"] if r["id"] != "color-contrast"]
    return [*result["violations"], *({**r, "impact": "to review"} for r in review)]


def describe(violations: list[dict[str, Any]], shown: int = 5) -> str:
    """Say each violation as one would fix it: the rule, what it wants, and where."""
    lines = []
    for v in violations:
        nodes = v["nodes"]
        lines.append(f"- {v['id']} ({v['impact']}, {len(nodes)}×): {v['help']} — {v['helpUrl']}")
        for node in nodes[:shown]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = " ".join((node.get("failureSummary") or "").split())
            if summary:
                lines.append(f"       {summary[:300]}")
        if len(nodes) > shown:
            lines.append(f"    … and {len(nodes) - shown} more")
    return "\n".join(lines)


@pytest.mark.parametrize("name", PAGES)
def test_the_page_has_no_wcag_violation(
    people: People, visits: dict[str, Visit], name: str
) -> None:
    """axe-core finds nothing to fix on the page, as its user sees it."""
    visit = visits[name]
    page = people.sign_in(visit.login) if visit.login else people.open("visitor")
    response = page.goto(visit.path)
    assert response is not None and response.ok, f"{visit.path}: {response and response.status}"
    violations = axe_violations(page)
    assert not violations, f"{visit.path} as {visit.login or 'a visitor'}:\n" + describe(violations)


def test_axe_reports_what_it_finds(people: People) -> None:
    """The check can fail: an unlabelled field and an image without text are reported."""
    page = people.open("visitor")
    page.goto("/login")
    page.evaluate(
        """() => {
            const main = document.querySelector('main');
            main.append(document.createElement('input'));
            const img = document.createElement('img');
            img.src = '/static/favicon.svg';
            main.append(img);
        }"""
    )
    found = {v["id"] for v in axe_violations(page)}
    assert {"label", "image-alt"} <= found, found


def test_the_login_field_has_focus_on_arrival(people: People) -> None:
    """Arriving on the sign-in page, one types the login at once."""
    page = people.open("visitor")
    page.goto("/login")
    focused = page.evaluate("() => [document.activeElement.id, document.activeElement.name]")
    assert focused == ["login", "login"], focused

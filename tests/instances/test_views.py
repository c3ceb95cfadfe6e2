"""Workflow pages through HTTP: a pact signed by every unit head, tasks, refusals, history."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, func, select

from tests.conftest import csrf_token, sign_in, submit
from tests.dbs import DemoBuild
from wflow.clock import set_clock, utcnow
from wflow.engine.tables import WfEvent, WfInstance
from wflow.notifications.models import Notification
from wflow.workflow_setup import engine


@pytest.fixture
def pact(app: Flask, world: dict[str, Any], session: Session) -> int:
    """A pact of block KA, prepared from its published plan by the leader unit's head."""
    from tests.pacts.helpers import published_plan
    from wflow.pacts import service as pacts

    leader = world["users"]["a1.head"]
    with app.test_request_context():
        plan = published_plan(session, leader, world["users"]["secretariat"], world["blocks"]["a"])
        return pacts.prepare_pact(session, engine(), user=leader, plan=plan).instance_id or 0


def _fire(client: FlaskClient, iid: int, trigger: str, **data: Any) -> Any:
    if trigger == "open_signing":  # the pact's signing deadline, 30 days ahead
        data.setdefault("signing_until", (datetime.now() + timedelta(days=30)).isoformat())
    token = csrf_token(client, f"/instances/{iid}")
    return client.post(
        f"/instances/{iid}/fire", data={"csrf_token": token, "trigger": trigger, **data}
    )


def _state(session: Session, iid: int) -> tuple[str, int, int]:
    session.expire_all()
    row = session.get(WfInstance, iid)
    assert row is not None
    events = session.exec(
        select(func.count()).select_from(WfEvent).where(WfEvent.instance_id == iid)
    ).one()
    return row.state, row.lock_version, events


def _english(client: FlaskClient) -> None:
    submit(client, "/locale", {"locale": "en", "next": "/"}, page="/")


def test_workflows__a_pact_is_signed_on_its_own_page_not_by_a_bare_trigger(
    client: FlaskClient, world: dict[str, Any], session: Session, pact: int
) -> None:
    sign_in(client, "a1.head")
    assert _fire(client, pact, "open_signing").status_code == 303
    assert _state(session, pact)[0] == "signing"
    page = client.get(f"/instances/{pact}").get_data(as_text=True)
    assert "Đơn vị thử 1" in page and "Đơn vị thử 2" in page  # both boxes listed
    other = client.application.test_client()
    sign_in(other, "a2.head")
    tasks = other.get("/tasks").get_data(as_text=True)
    assert "Sign:" in tasks and "/pacts/" in tasks  # the row leads to the pact's own page
    before = _state(session, pact)
    _fire(other, pact, "sign")  # no signed document: the guard refuses (tests/pacts/test_views.py)
    assert _state(session, pact) == before
    timeline = other.get(f"/instances/{pact}").get_data(as_text=True)
    assert "A1.Head" in timeline


def test_workflows__staff_cannot_sign_for_the_head(
    client: FlaskClient, world: dict[str, Any], session: Session, pact: int
) -> None:
    head = client.application.test_client()
    sign_in(head, "a1.head")
    _fire(head, pact, "open_signing")
    before = _state(session, pact)
    sign_in(client, "a1.staff")
    _english(client)
    response = _fire(client, pact, "sign")
    assert response.status_code == 403
    assert "You may not do this here." in response.get_data(as_text=True)
    assert _state(session, pact) == before


def test_workflows__decline_needs_a_reason_and_sends_the_pact_back(
    client: FlaskClient, world: dict[str, Any], session: Session, pact: int
) -> None:
    sign_in(client, "a1.head")
    _fire(client, pact, "open_signing")
    other = client.application.test_client()
    sign_in(other, "a2.head")
    before = _state(session, pact)
    _fire(other, pact, "decline", reason="   ")
    assert _state(session, pact) == before
    _fire(other, pact, "decline", reason="Chỉ tiêu 3 chưa phù hợp")
    assert _state(session, pact)[0] == "prepared"
    page = client.get(f"/instances/{pact}").get_data(as_text=True)
    assert "Chỉ tiêu 3 chưa phù hợp" in page


def test_workflows__stale_page_is_refused(
    client: FlaskClient, world: dict[str, Any], session: Session, pact: int
) -> None:
    sign_in(client, "a1.head")
    stale = csrf_token(client, f"/instances/{pact}")
    _fire(client, pact, "open_signing")
    before = _state(session, pact)
    client.post(
        f"/instances/{pact}/fire",
        data={"csrf_token": stale, "trigger": "withdraw", "reason": "x", "expected_version": 1},
    )
    assert _state(session, pact) == before


def test_workflows__other_blocks_cannot_see_or_fire(
    client: FlaskClient, world: dict[str, Any], session: Session, pact: int
) -> None:
    sign_in(client, "b1.head")
    assert client.get(f"/instances/{pact}").status_code == 403
    token = csrf_token(client, "/")
    before = _state(session, pact)
    response = client.post(
        f"/instances/{pact}/fire", data={"csrf_token": token, "trigger": "open_signing"}
    )
    assert response.status_code == 403
    assert _state(session, pact) == before
    assert f"/instances/{pact}" not in client.get("/tasks").get_data(as_text=True)
    assert client.get("/instances/999999").status_code == 404


def test_workflows__fire_without_csrf_changes_nothing(
    client: FlaskClient, world: dict[str, Any], session: Session, pact: int
) -> None:
    sign_in(client, "a1.head")
    before = _state(session, pact)
    assert (
        client.post(f"/instances/{pact}/fire", data={"trigger": "open_signing"}).status_code == 400
    )
    assert _state(session, pact) == before


def test_workflows__task_count_in_the_navigation(
    client: FlaskClient, world: dict[str, Any], pact: int
) -> None:
    sign_in(client, "a1.head")
    page = client.get("/").get_data(as_text=True)
    assert '<span class="count"' in page
    count = page.split('<span class="count"')[1].split(">")[1].split("<")[0]
    assert int(count) == 2  # open signing; register the unit's targets against the plan
    csv_text = client.get("/tasks?format=csv").get_data(as_text=True)
    assert "Open signing: " in csv_text and "Register your unit's targets: " in csv_text
    assert "Withdraw" not in csv_text  # withdrawing stays possible: an option, not a task


def test_workflows__diagram_is_an_svg_with_the_state_marked(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    sign_in(client, "a1.head")
    response = client.get("/workflows/pact.svg?state=signing")
    assert response.mimetype == "image/svg+xml"
    assert "<svg" in response.get_data(as_text=True)
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert client.get("/workflows/pact.svg?state=nonsense").status_code == 400
    assert client.get("/workflows/nope").status_code == 404
    table = client.get("/workflows/pact").get_data(as_text=True)
    assert "<table>" in table and "Open signing" in table


def test_workflows__as_of_shows_the_past_state(
    client: FlaskClient, world: dict[str, Any], session: Session, pact: int
) -> None:
    sign_in(client, "a1.head")
    start = utcnow()
    set_clock(lambda: start + timedelta(days=3))
    try:
        _fire(client, pact, "open_signing")
    finally:
        set_clock(None)
    _english(client)
    day = (start + timedelta(days=1)).date().isoformat()
    page = client.get(f"/instances/{pact}?as_of={day}").get_data(as_text=True)
    assert "was in state" in page and "Prepared" in page.split("was in state")[1][:200]
    assert client.get(f"/instances/{pact}?as_of=not-a-date").status_code == 400


def test_workflows__tick_expires_signing_after_the_deadline(
    app: Flask, client: FlaskClient, world: dict[str, Any], session: Session, pact: int
) -> None:
    sign_in(client, "a1.head")
    _fire(client, pact, "open_signing")
    runner = app.test_cli_runner()
    early = runner.invoke(args=["tick", "--now", (utcnow() + timedelta(days=28)).isoformat()])
    assert early.exit_code == 0 and "1 reminder(s)" in early.output
    assert _state(session, pact)[0] == "signing"
    late = (datetime.now() + timedelta(days=31)).isoformat()
    result = runner.invoke(args=["tick", "--now", late])
    assert result.exit_code == 0, result.output
    assert "1 deadline(s) fired" in result.output
    assert _state(session, pact)[0] == "expired"
    again = runner.invoke(args=["tick", "--now", late])
    assert "0 deadline(s) fired" in again.output
    assert runner.invoke(args=["tick", "--now", "yesterday"]).exit_code != 0
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0 and "intact" in verify.output


def test_workflows__a_passed_deadline_reaches_those_who_held_the_task(
    app: Flask, client: FlaskClient, world: dict[str, Any], session: Session, pact: int
) -> None:
    sign_in(client, "a1.head")
    _fire(client, pact, "open_signing")
    late = (datetime.now() + timedelta(days=31)).isoformat()
    assert app.test_cli_runner().invoke(args=["tick", "--now", late]).exit_code == 0
    notes = session.exec(
        select(Notification).where(Notification.kind == "deadline",
                                   Notification.instance_id == pact)
    ).all()  # fmt: skip
    holders = {n.user_id for n in notes}
    assert world["users"]["a2.head"].id in holders  # a signer who had not signed
    assert world["users"]["b1.head"].id not in holders  # another block's head
    assert all(n.title.startswith("Deadline passed") for n in notes)


def test_workflows__the_instance_list_is_paged_and_reads_a_bounded_number_of_statements(
    app: Flask, client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    from tests.sql import statements_sent
    from wflow.core import workflow as wf
    from wflow.engine import Scope

    def start(count: int, first: int) -> None:
        with app.app_context():
            for i in range(first, first + count):  # pacts of block KA about no subject row
                scope = Scope("draft", 10_000 + i, block_id=world["blocks"]["a"].id,
                              year=world["year"])  # fmt: skip
                wf.start(session, engine(), "pact", scope, world["users"]["a1.head"])
        session.commit()

    def listed(page: str) -> list[str]:
        return re.findall(r'<a href="/instances/(\d+)">', page)

    start(60, 0)
    sign_in(client, "a1.head")
    client.get("/instances")
    bind = app.extensions["wflow.db"]
    with statements_sent(bind) as seen:
        first = client.get("/instances").get_data(as_text=True)
    second = listed(client.get("/instances?page=2").get_data(as_text=True))
    assert len(listed(first)) == 50 and len(second) == 10
    assert not set(listed(first)) & set(second)  # newest first, each once
    assert 'aria-label="Pages of instances"' in first
    past = client.get("/instances?page=3")
    assert past.status_code == 404 and "the last page is 2" in past.get_data(as_text=True)
    exported = client.get("/instances?format=csv").get_data(as_text=True)
    assert len(exported.strip().splitlines()) == 61  # a header and every instance
    start(60, 60)
    client.get("/instances")
    with statements_sent(bind) as again:
        client.get("/instances")
    assert len(again) == len(seen), "the list's statements grow with the number of instances"
    other = app.test_client()
    sign_in(other, "b1.head")  # another block's head sees none of them
    assert listed(other.get("/instances").get_data(as_text=True)) == []


def test_workflows__every_demo_account_lists_exactly_the_instances_it_may_open(
    app: Flask, demo: DemoBuild, session: Session
) -> None:
    from wflow.core import subjects
    from wflow.core import workflow as wf
    from wflow.org.models import User

    assert demo.exit_code == 0, demo.output
    with app.app_context():
        every = session.exec(select(WfInstance).order_by(col(WfInstance.id).desc())).all()
        accounts = session.exec(select(User)).all()
        assert len(accounts) >= 40
        for account in accounts:
            opens = [r.id for r in every if subjects.may_view_instance(session, account, r)]
            listed, total = subjects.instances_seen(session, account, wf.instances())
            assert [r.id for r in listed] == opens, account.login
            assert total == len(opens), account.login
            page, again = subjects.instances_seen(session, account, wf.instances(), offset=3,
                                                  limit=5)  # fmt: skip
            assert ([r.id for r in page], again) == (opens[3:8], total), account.login


def test_workflows__a_nomination_carried_up_stays_in_the_proposing_councils_list(
    app: Flask, demo: DemoBuild, session: Session
) -> None:
    from wflow.awards.models import Nomination
    from wflow.demo.org import DEMO_PASSWORD
    from wflow.org.models import Block

    assert demo.exit_code == 0, demo.output
    carried = session.exec(
        select(Nomination).join(Block, col(Block.id) == col(Nomination.block_id))
        .where(col(Nomination.council_id) != col(Block.council_id))
    ).first()  # fmt: skip
    assert carried is not None and carried.instance_id is not None
    client = app.test_client()
    assert sign_in(client, "secretariat", DEMO_PASSWORD).status_code == 302
    page = client.get("/instances?workflow=nomination").get_data(as_text=True)
    assert f'<a href="/instances/{carried.instance_id}">' in page
    assert client.get(f"/instances/{carried.instance_id}").status_code == 200

"""The pact's services: prepare, open signing, sign in turn, refusals, races, the evidence."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlmodel import Session, col, select

from tests.conftest import PASSWORD
from tests.pacts.helpers import pact_in_signing, published_plan
from tests.pdftext import pdf_text
from wflow.clock import utcnow
from wflow.core import formats, installation, subjects
from wflow.core import workflow as wf
from wflow.core.errors import Conflict, Forbidden, ServiceError, WrongPassword
from wflow.documents import signing
from wflow.engine import GuardFailed
from wflow.engine.tables import WfEvent, WfInstance
from wflow.org.models import User
from wflow.pacts import service as pacts
from wflow.pacts.documents import read_document, signers_of
from wflow.pacts.models import Document, Pact
from wflow.people import service as people
from wflow.signatures import keys
from wflow.workflow_setup import engine


@pytest.fixture
def pact(app: Flask, session: Session, team: dict[str, Any]) -> Pact:
    """The team's pact, open for signing."""
    return pact_in_signing(app, session, team, team["secretariat"])


def _snapshot(app: Flask, session: Session, pact: Pact) -> tuple[bytes, str, int, int]:
    session.expire_all()
    fresh = session.get(Pact, pact.id)
    assert fresh is not None
    with app.app_context():
        doc = pacts.current_document(session, fresh)
        assert doc is not None
        events = len(
            session.exec(select(WfEvent).where(WfEvent.instance_id == fresh.instance_id)).all()
        )
        state = subjects.state(session, fresh)
        return read_document(session, doc), state, fresh.document_id or 0, events


def _sign(
    app: Flask, session: Session, pact: Pact, head: User, password: str = PASSWORD
) -> Document:
    with app.test_request_context():
        return pacts.sign_pact(session, engine(), user=head, pact=pact, password=password)


def test_pact__prepared_from_a_published_plan_by_the_leader_only(
    app: Flask, session: Session, team: dict[str, Any]
) -> None:
    leader, member = team["heads"][0], team["heads"][1]
    with app.test_request_context():
        plan = published_plan(session, leader, team["secretariat"], team["block"])
        with pytest.raises(Forbidden):
            pacts.prepare_pact(session, engine(), user=member, plan=plan)
        pact = pacts.prepare_pact(session, engine(), user=leader, plan=plan)
        with pytest.raises(Conflict):
            pacts.prepare_pact(session, engine(), user=leader, plan=plan)
    assert pact.title == f"Giao ước thi đua năm {plan.year}"
    assert pact.number == f"01/GƯTĐ-{team['block'].code}"
    assert subjects.state(session, pact) == "prepared"


def test_pact__the_signature_page_puts_leader_and_deputy_first(
    session: Session, team: dict[str, Any]
) -> None:
    order = [
        s.unit_id
        for s in signers_of(session, team["block"].id, team["block"].id and pacts_year(team))
    ]
    units = team["units"]
    assert order[:2] == [units[0].id, units[-1].id]


def pacts_year(team: dict[str, Any]) -> int:
    from wflow.core.access import current_year

    return current_year()


def test_pact__every_head_signs_and_the_pact_comes_into_force(
    app: Flask, session: Session, team: dict[str, Any], pact: Pact
) -> None:
    first, *_ = _snapshot(app, session, pact)
    names = [n for n, _signed in signing.signature_fields(first)]
    assert names == [f"unit-{s.unit_id}" for s in signers_of(session, pact.block_id, pact.year)]
    for i, head in enumerate(team["heads"]):
        doc = _sign(app, session, pact, head)
        event = session.exec(
            select(WfEvent)
            .where(WfEvent.instance_id == pact.instance_id, WfEvent.trigger == "sign")
            .order_by(col(WfEvent.seq).desc())
        ).first()
        assert event is not None and event.data["sha256"] == doc.sha256
        assert subjects.state(session, pact) == ("in_force" if i == 5 else "signing")
    final, _state, _doc, _n = _snapshot(app, session, pact)
    assert final.startswith(first)
    with app.app_context():
        reports = keys.verify_document(session, final)
    assert len(reports) == 6
    assert all(
        r.ok and r.check.intact and r.trusted and not r.check.modified_after for r in reports
    )
    session.refresh(pact)
    assert pact.in_force_at is not None and pact.evidence_id is not None
    # in force until the end of the period's last day in Vietnam (16:59:59 UTC), not in UTC
    row = session.get(WfInstance, pact.instance_id)
    assert row is not None and row.due_at is not None
    assert (row.due_at.month, row.due_at.day, row.due_at.hour) == (12, 31, 16), row.due_at
    evidence = session.get(Document, pact.evidence_id)
    assert evidence is not None
    with app.app_context():
        (seal,) = keys.verify_document(session, read_document(session, evidence))
    assert seal.check.intact and seal.trusted and not seal.check.modified_after


def test_pact__refusals_leave_the_document_and_the_state_unchanged(
    app: Flask, session: Session, team: dict[str, Any], pact: Pact, make_unit: Any, make_user: Any
) -> None:
    _sign(app, session, pact, team["heads"][1])
    before = _snapshot(app, session, pact)
    stranger = make_user("stranger.head", make_unit("X1"))
    with app.app_context():
        keys.ensure_unit_certificates(session)
    for who, password, error in (
        (team["staff"], PASSWORD, Forbidden),  # staff of a member unit
        (stranger, PASSWORD, Forbidden),  # the head of a unit outside the block
        (team["heads"][2], "wrong password", WrongPassword),
        (team["heads"][1], PASSWORD, Conflict),  # already signed
    ):
        with pytest.raises(error):
            _sign(app, session, pact, who, password)
        assert _snapshot(app, session, pact) == before, who.login


def test_pact__a_bare_sign_without_the_document_is_refused(
    app: Flask, session: Session, team: dict[str, Any], pact: Pact
) -> None:
    before = _snapshot(app, session, pact)
    with app.test_request_context(), pytest.raises(GuardFailed):
        wf.fire(session, engine(), team["heads"][2], pact.instance_id or 0, "sign")
    assert _snapshot(app, session, pact) == before


def test_pact__a_decline_needs_a_reason_and_sends_it_back(
    app: Flask, session: Session, team: dict[str, Any], pact: Pact
) -> None:
    head = team["heads"][3]
    with app.test_request_context():
        with pytest.raises(ServiceError):
            pacts.decline_pact(session, engine(), user=head, pact=pact, reason="  ")
        pacts.decline_pact(session, engine(), user=head, pact=pact, reason="Chỉ tiêu 2.1 quá cao")
    assert subjects.state(session, pact) == "prepared"
    before = _snapshot(app, session, pact)
    with pytest.raises(Conflict):
        _sign(app, session, pact, team["heads"][4])
    assert _snapshot(app, session, pact) == before


def test_pact__two_heads_at_the_same_moment_both_end_up_in_the_pdf(
    app: Flask, session: Session, team: dict[str, Any], pact: Pact, monkeypatch: pytest.MonkeyPatch
) -> None:
    """B signs between A's reading of the document and A's act: A retries on B's revision."""
    a, b = team["heads"][1], team["heads"][2]
    real = keys.sign_as_unit
    raced: list[bool] = []

    def racing(*args: Any, **kwargs: Any) -> bytes:
        signed = real(*args, **kwargs)
        if not raced:
            raced.append(True)
            with Session(app.extensions["wflow.db"], expire_on_commit=False) as other:
                head, target = other.get(User, b.id), other.get(Pact, pact.id)
                assert head is not None and target is not None
                pacts.sign_pact(other, engine(), user=head, pact=target, password=PASSWORD)
        return signed

    monkeypatch.setattr(keys, "sign_as_unit", racing)
    _sign(app, session, pact, a)
    final, *_ = _snapshot(app, session, pact)
    signed = {n for n, done in signing.signature_fields(final) if done}
    assert signed == {f"unit-{a.unit_id}", f"unit-{b.unit_id}"}


@pytest.mark.postgres
def test_pact__two_threads_sign_at_once_on_postgres(
    app: Flask, backend: str, session: Session, team: dict[str, Any], pact: Pact
) -> None:
    if backend != "postgres":
        pytest.skip("SQLite serialises writers: the race is simulated in the test above")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def sign(head_id: int) -> None:
        try:
            with app.test_request_context(), Session(app.extensions["wflow.db"]) as own:
                head = own.get(User, head_id)
                target = own.get(Pact, pact.id)
                assert head is not None and target is not None
                barrier.wait()
                pacts.sign_pact(own, engine(), user=head, pact=target, password=PASSWORD)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=sign, args=(h.id,)) for h in team["heads"][1:3]]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    final, *_ = _snapshot(app, session, pact)
    signed = {n for n, done in signing.signature_fields(final) if done}
    assert signed == {f"unit-{h.unit_id}" for h in team["heads"][1:3]}


def test_pact__the_leading_unit_signs_last_when_the_plan_says_so(
    app: Flask, session: Session, team: dict[str, Any]
) -> None:
    leader_head, *others = team["heads"]
    with app.test_request_context():
        plan = published_plan(session, leader_head, team["secretariat"], team["block"])
        plan.rules = {**plan.rules, "signing_order": "leader_last"}  # the block's own rule
        session.add(plan)
        session.commit()
        pact = pacts.prepare_pact(session, engine(), user=leader_head, plan=plan)
        pacts.open_signing(session, engine(), user=leader_head, pact=pact)
        inbox = wf.tasks(session, engine(), leader_head)
    assert not any(t.trigger == "sign" for t in inbox)  # not the leader's turn yet
    before = _snapshot(app, session, pact)
    with pytest.raises(Forbidden):
        _sign(app, session, pact, leader_head)
    assert _snapshot(app, session, pact) == before
    for head in others:
        _sign(app, session, pact, head)
    with app.test_request_context():
        assert any(t.trigger == "sign" for t in wf.tasks(session, engine(), leader_head))
    assert subjects.state(session, pact) == "signing"
    _sign(app, session, pact, leader_head)
    assert subjects.state(session, pact) == "in_force"


def test_pact__each_box_names_the_head_and_their_title(
    app: Flask, session: Session, team: dict[str, Any]
) -> None:
    first_head, second_head = team["heads"][:2]
    with app.app_context():
        person = people.create_person(
            session, user=first_head, unit_id=team["units"][0].id, full_name="Nguyễn Văn Hải",
            position="Bí thư Tỉnh đoàn", sex="male", birth_year=1975,
        )  # fmt: skip
        people.update_person(
            session, user=first_head, person=person, full_name=person.full_name,
            position=person.position, sex=person.sex, birth_year=1975, staff_number=None,
            active=True, account_id=first_head.id,
        )  # fmt: skip
        session.commit()
    pact = pact_in_signing(app, session, team, team["secretariat"])
    text = pdf_text(_snapshot(app, session, pact)[0])
    # the linked person's title and full name frame the first box; an unlinked head keeps the
    # account's name, with no title invented
    assert "BÍ THƯ TỈNH ĐOÀN" in text and "Nguyễn Văn Hải" in text
    assert second_head.display_name in text
    assert first_head.display_name not in text


def test_pact__signing_closes_at_the_end_of_a_local_day_shown_as_a_date(
    app: Flask, session: Session, team: dict[str, Any]
) -> None:
    pact = pact_in_signing(app, session, team, team["secretariat"])
    row = session.get(WfInstance, pact.instance_id)
    assert row is not None and row.due_at is not None
    zone = installation.zone(session)
    local = row.due_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(zone))
    today = installation.local_date(session, utcnow())
    assert local.date() == today + timedelta(days=pacts.DEFAULT_SIGNING_DAYS)
    assert (local.hour, local.minute) == (23, 59)  # the end of that local day
    shown = formats.format_deadline(row.due_at, "vi", zone)
    assert shown == local.strftime("%d/%m/%Y")  # a date, no time

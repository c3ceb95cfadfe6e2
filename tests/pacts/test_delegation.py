"""A head delegates signing for a period: the delegate signs the pact "KT." in their name."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from tests.conftest import PASSWORD, sign_in, submit
from tests.pacts.helpers import pact_in_signing
from tests.pdftext import pdf_text
from wflow.core.access import principals
from wflow.core.errors import Conflict, Forbidden, ServiceError
from wflow.notifications import service as notifications
from wflow.org import signers
from wflow.org.models import SigningDelegation, User
from wflow.pacts import service as pacts
from wflow.pacts.documents import read_document
from wflow.signatures import keys
from wflow.workflow_setup import engine


def _grant(app: Flask, session: Session, head: User, delegate: User, **kw: Any) -> Any:
    with app.test_request_context():
        today = signers.today(session)
        args: dict[str, Any] = {
            "capacity": "KT",
            "starts_on": today,
            "ends_on": today + timedelta(days=30),
            "reason": "Đi công tác",
        }
        args.update(kw)
        return signers.grant(session, head=head, delegate_id=delegate.id, **args)


@pytest.mark.parametrize("capacity", ["KT", "TL"])
def test_delegate__signs_the_pact_for_the_head_during_the_period_only(
    app: Flask, session: Session, team: dict[str, Any], capacity: str
) -> None:
    head, staff = team["heads"][0], team["staff"]
    pact = pact_in_signing(app, session, team, team["secretariat"])
    with app.test_request_context(), pytest.raises(Forbidden):  # no delegation yet
        pacts.sign_pact(session, engine(), user=staff, pact=pact, password=PASSWORD)
    row = _grant(app, session, head, staff, capacity=capacity)
    session.commit()
    unit = team["units"][0].id
    assert f"unit:{unit}:head" in principals(session, staff)
    assert staff in notifications.users_holding(session, [f"unit:{unit}:head"])  # told, too
    with app.test_request_context():
        doc = pacts.sign_pact(session, engine(), user=staff, pact=pact, password=PASSWORD)
        session.commit()
        data = read_document(session, doc)
        reports = keys.verify_document(session, data)
    assert [r.ok and r.check.intact for r in reports] == [True]
    text = pdf_text(data)  # the stamp says in which capacity, and who signed
    assert f"{capacity}. THỦ TRƯỞNG" in text and staff.display_name in text
    assert set(pacts.signed_fields(session, pact)) == {f"unit-{unit}"}
    # once revoked, the colleague signs no more and loses the head's tasks
    with app.test_request_context():
        signers.revoke(session, head=head, delegation_id=row.id)
    session.commit()
    assert f"unit:{unit}:head" not in principals(session, staff)
    assert staff not in notifications.users_holding(session, [f"unit:{unit}:head"])
    assert not signers.signs_for(session, staff, unit)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_on": -1}, "starts_on"),  # in the past
        ({"ends_on": -2}, "ends_on"),  # ends before it starts
        ({"ends_on": 400}, "ends_on"),  # over a year
        ({"capacity": "TM"}, "capacity"),  # on behalf of a collective body: not a delegation
        ({"reason": "  "}, "reason"),
    ],
)
def test_delegate__bad_periods_and_forms_are_refused_and_store_nothing(
    app: Flask, session: Session, team: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    head, staff = team["heads"][0], team["staff"]
    today = signers.today(session)
    kw = {k: today + timedelta(days=v) if k.endswith("_on") else v for k, v in change.items()}
    with pytest.raises(ServiceError) as refused:
        _grant(app, session, head, staff, **kw)
    assert refused.value.field == field
    session.rollback()
    assert session.exec(select(SigningDelegation)).all() == []


def test_delegate__only_a_head_delegates_to_a_colleague_of_the_unit(
    app: Flask, session: Session, team: dict[str, Any]
) -> None:
    head, other_head, staff = team["heads"][0], team["heads"][1], team["staff"]
    with pytest.raises(Forbidden):  # staff cannot delegate
        _grant(app, session, staff, head)
    with pytest.raises(ServiceError) as refused:  # another unit's head is not a colleague
        _grant(app, session, other_head, staff)
    assert refused.value.field == "delegate_id"
    _grant(app, session, head, staff)
    session.commit()
    with pytest.raises(Conflict):  # overlapping periods for one colleague
        _grant(app, session, head, staff, starts_on=signers.today(session) + timedelta(days=5))


def test_delegation_page__the_head_delegates_and_revokes_others_only_read(
    app: Flask, session: Session, team: dict[str, Any]
) -> None:
    unit, staff = team["units"][0], team["staff"]
    url = f"/units/{unit.id}/signers"
    head: FlaskClient = app.test_client()
    sign_in(head, team["heads"][0].login)
    page = head.get(url)
    assert page.status_code == 200 and staff.display_name in page.get_data(as_text=True)
    today = signers.today(session)
    form = {"delegate_id": staff.id, "capacity": "TUQ", "starts_on": str(today),
            "ends_on": str(today - timedelta(days=1)), "reason": "Nghỉ phép"}  # fmt: skip
    refused = submit(head, f"{url}/delegate", form, page=url)
    assert refused.status_code == 422
    assert "The delegation ends on or after its first day." in refused.get_data(as_text=True)
    assert session.exec(select(SigningDelegation)).all() == []
    form["ends_on"] = str(today + timedelta(days=7))
    done = submit(head, f"{url}/delegate", form, page=url)
    assert done.status_code == 302
    listed = head.get(url).get_data(as_text=True)
    assert "Nghỉ phép" in listed and "in force today" in listed
    csv = head.get(f"{url}?format=csv&status=current")
    assert csv.status_code == 200 and "Nghỉ phép" in csv.get_data(as_text=True)
    # the colleague reads but may not delegate; another unit's head sees nothing
    colleague = app.test_client()
    sign_in(colleague, staff.login)
    assert colleague.get(url).status_code == 200
    assert submit(colleague, f"{url}/delegate", form, page=url).status_code == 403
    stranger = app.test_client()
    sign_in(stranger, team["heads"][1].login)
    assert stranger.get(url).status_code == 403
    row = session.exec(select(SigningDelegation)).one()
    assert submit(head, f"{url}/{row.id}/revoke", {}, page=url).status_code == 302
    session.expire_all()
    assert session.exec(select(SigningDelegation)).one().revoked_at is not None

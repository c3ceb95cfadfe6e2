"""API fixtures: personal tokens for the world's users, a nomination of block KA, a JSON caller.

The nomination drives the API tests: its steps need no documents (a pact is signed on its
page, the signature going into the PDF), and its block vote is a secret multi-party step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from wflow.accounts import tokens
from wflow.core import workflow as wf
from wflow.engine import Scope
from wflow.engine.tables import WfEvent, WfInstance
from wflow.workflow_setup import engine


@pytest.fixture
def make_token(app: Flask, session: Session, world: dict[str, Any]) -> Callable[[str], str]:
    """Create a personal token for one of the world's users; return its secret."""

    def make(login: str) -> str:
        with app.app_context():
            _row, secret = tokens.create_token(session, user=world["users"][login], name="test")
        return secret

    return make


@pytest.fixture
def nomination(app: Flask, world: dict[str, Any], session: Session) -> int:
    """An award nomination of block KA, proposed by the leader unit's head."""
    from wflow.awards import catalogue as awards
    from wflow.awards.models import Nomination

    with app.app_context():
        award = awards.catalogue(session)[0]
        row = Nomination(block_id=world["blocks"]["a"].id, year=world["year"],
                         unit_id=world["units"]["a1"].id, award_id=award.id or 0,
                         block_rule=awards.block_rule(award).to_json(),
                         council_rule=awards.council_rule(award).to_json())  # fmt: skip
        session.add(row)
        session.flush()
        scope = Scope("nomination", row.id or 0, block_id=world["blocks"]["a"].id,
                      year=world["year"])  # fmt: skip
        row.instance_id = wf.start(session, engine(), "nomination", scope,
                                   world["users"]["a1.head"])  # fmt: skip
        session.add(row)
        session.commit()
        return row.instance_id


def call(client: FlaskClient, method: str, path: str, token: str | None, **kw: Any) -> Any:
    """Call the API as a program would: bearer token, no cookies."""
    headers = dict(kw.pop("headers", {}))
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.open(path, method=method, headers=headers, **kw)


def state_of(session: Session, iid: int) -> tuple[str, int, int]:
    """Return an instance's state, lock version and number of audit events."""
    session.expire_all()
    row = session.get(WfInstance, iid)
    assert row is not None
    events = session.exec(
        select(func.count()).select_from(WfEvent).where(WfEvent.instance_id == iid)
    ).one()
    return row.state, row.lock_version, events


def error_of(response: Any) -> dict[str, Any]:
    """Return the JSON error of a refusal, checking its shape."""
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
    error = response.get_json()["error"]
    assert error["status"] == response.status_code
    assert error["code"] and error["message"]
    return dict(error)

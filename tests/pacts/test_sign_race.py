"""A signature committed while another head's signing reads the pact is never lost (PostgreSQL).

Under READ COMMITTED each statement sees the latest commit: reading the pact's current
document and then the instance's version could pair an old document with a new version,
and the later signature would then be built on a revision that lacks the earlier one.
Found by tests/load (twelve heads signing at once); replayed here step by step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session

from tests.conftest import PASSWORD
from tests.pacts.helpers import make_block_of, pact_in_signing
from wflow.org.models import Block, Role, Unit, User
from wflow.pacts import service as pacts
from wflow.pacts.documents import field_name
from wflow.pacts.models import Pact
from wflow.signatures import rounds
from wflow.workflow_setup import engine

pytestmark = pytest.mark.postgres


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """Run this module on PostgreSQL only (SQLite reads a whole transaction from one snapshot)."""
    return str(request.param)


def test_a_signature_committed_mid_read_is_kept(
    app: Flask,
    session: Session,
    make_unit: Callable[..., Unit],
    make_user: Callable[..., User],
    make_block: Callable[..., Block],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with app.app_context():
        team = make_block_of(session, make_unit, make_user, make_block)
    secretariat = make_user("secretariat", None, roles=(Role.SECRETARIAT.value,))
    pact = pact_in_signing(app, session, team, secretariat)
    first, second = team["heads"][1], team["heads"][2]
    real_instance = rounds._instance  # reads the instance's version, then the revision
    interleaved: list[bool] = []

    def another_head_signs_first(sess: Session, instance_id: int | None) -> Any:
        if not interleaved:  # once: the first head's signature commits right now
            interleaved.append(True)
            with Session(app.extensions["wflow.db"], expire_on_commit=False) as other:
                signer, theirs = other.get(User, first.id), other.get(Pact, pact.id)
                assert signer is not None and theirs is not None
                pacts.sign_pact(other, engine(), user=signer, pact=theirs, password=PASSWORD)
        return real_instance(sess, instance_id)

    monkeypatch.setattr(rounds, "_instance", another_head_signs_first)
    with app.test_request_context():
        pacts.sign_pact(session, engine(), user=second, pact=pact, password=PASSWORD)

    session.expire_all()
    fresh = session.get(Pact, pact.id)
    assert fresh is not None
    assert set(pacts.signed_fields(session, fresh)) == {
        field_name(first.unit_id or 0),
        field_name(second.unit_id or 0),
    }

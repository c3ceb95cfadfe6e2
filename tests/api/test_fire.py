"""Firing through the API: a nomination voted by the block; each refusal typed, nothing written."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.api.conftest import call, error_of, state_of

Tokens = Callable[[str], str]


def _fire(client: FlaskClient, iid: int, token: str, body: Any = None, **kw: Any) -> Any:
    return call(client, "POST", f"/api/v1/instances/{iid}/fire", token, json=body, **kw)


def test_fire__nomination_is_voted_by_every_head(
    client: FlaskClient,
    world: dict[str, Any],
    make_token: Tokens,
    session: Session,
    nomination: int,
) -> None:
    a1, a2 = make_token("a1.head"), make_token("a2.head")
    version = state_of(session, nomination)[1]
    opened = _fire(
        client, nomination, a1, {"trigger": "open_block_vote", "expected_version": version}
    )
    assert opened.status_code == 200
    assert opened.get_json() == {
        "instance_id": nomination,
        "trigger": "open_block_vote",
        "state": "block_vote",
        "version": version + 1,
        "completed": [],
        "receipt": None,
    }
    voted = _fire(client, nomination, a1, {"trigger": "vote_yes"}).get_json()
    assert voted["state"] == "block_vote"
    assert re.fullmatch(r"[0-9a-f]{20}", voted["receipt"])  # a secret ballot's receipt
    both = _fire(client, nomination, a2, {"trigger": "vote_yes", "data": {}}).get_json()
    assert (both["state"], both["completed"]) == ("block_vote", [])  # the leader closes it
    done = _fire(client, nomination, a1, {"trigger": "block_approved"}).get_json()
    assert (done["state"], done["completed"]) == ("dossier", [])
    assert state_of(session, nomination)[:2] == ("dossier", done["version"])


def test_fire__refusals_are_typed_and_change_nothing(
    client: FlaskClient,
    world: dict[str, Any],
    make_token: Tokens,
    session: Session,
    nomination: int,
) -> None:
    head, member, other = make_token("a1.head"), make_token("a2.head"), make_token("b1.head")
    before = state_of(session, nomination)
    stale = {"trigger": "open_block_vote", "expected_version": before[1] + 5}
    cases = [
        (member, {"trigger": "open_block_vote"}, 403, "not_allowed"),
        (other, {"trigger": "open_block_vote"}, 403, "forbidden"),
        (head, {"trigger": "no_such_action"}, 422, "unknown_trigger"),  # not in the document
        (head, {"trigger": "submit_dossier"}, 409, "wrong_state"),
        (head, stale, 409, "stale_version"),
        (head, {"trigger": "withdraw", "data": {"reason": "  "}}, 422, "missing_fields"),
        (head, {"trigger": "withdraw"}, 422, "missing_fields"),
        (head, {"trigger": "open_block_vote", "data": {"state": "closed"}}, 422, "unknown_fields"),
    ]
    for token, body, status, code in cases:
        response = _fire(client, nomination, token, body)
        assert (response.status_code, error_of(response)["code"]) == (status, code), body
        assert state_of(session, nomination) == before, body
    assert _fire(client, 99999, head, {"trigger": "open_block_vote"}).status_code == 404


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("{not json", 400),
        ("", 400),
        ("[]", 422),
        ("{}", 422),
        ('{"trigger": 5}', 422),
        ('{"trigger": "open_block_vote", "expected_version": "1"}', 422),
        ('{"trigger": "open_block_vote", "expected_version": true}', 422),
        ('{"trigger": "open_block_vote", "colour": "red"}', 422),
        ('{"trigger": "withdraw", "data": {"reason": 3}}', 422),
        ('{"trigger": "withdraw", "data": ["reason"]}', 422),
        ('{"trigger": "withdraw", "data": {"reason": "a\\u0000b"}}', 422),
    ],
)
def test_fire__bad_input_is_refused_before_anything_is_written(
    client: FlaskClient,
    world: dict[str, Any],
    make_token: Tokens,
    session: Session,
    nomination: int,
    raw: str,
    status: int,
) -> None:
    before = state_of(session, nomination)
    response = call(client, "POST", f"/api/v1/instances/{nomination}/fire", make_token("a1.head"),
                    data=raw, content_type="application/json")  # fmt: skip
    assert response.status_code == status
    assert error_of(response)["code"] == ("malformed_json" if status == 400 else "invalid_input")
    assert state_of(session, nomination) == before


def test_fire__messages_follow_accept_language(
    client: FlaskClient, world: dict[str, Any], make_token: Tokens, nomination: int
) -> None:
    other = make_token("b1.head")  # another block's head: refused in the caller's language
    english = _fire(client, nomination, other, {"trigger": "open_block_vote"},
                    headers={"Accept-Language": "en-GB,en;q=0.8"})  # fmt: skip
    assert error_of(english)["message"] == "You may not see or do this."
    vietnamese = _fire(client, nomination, other, {"trigger": "open_block_vote"},
                       headers={"Accept-Language": "vi"})  # fmt: skip
    assert error_of(vietnamese)["message"] not in ("", "You may not see or do this.")
    member = make_token("a2.head")  # the engine's refusal, explained in English
    refused = _fire(client, nomination, member, {"trigger": "open_block_vote"},
                    headers={"Accept-Language": "en"})  # fmt: skip
    assert error_of(refused)["message"] == "You may not do this here."

"""Reading instances through the API: only what the caller may see, filtered and paged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.api.conftest import call, error_of
from wflow.core import workflow as wf
from wflow.engine import Scope
from wflow.workflow_setup import engine

Tokens = Callable[[str], str]


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["id"] for item in response.get_json()["items"]]


def test_instances__each_user_lists_only_what_they_may_see(
    client: FlaskClient, world: dict[str, Any], make_token: Tokens, nomination: int
) -> None:
    assert _ids(call(client, "GET", "/api/v1/instances", make_token("a2.head"))) == [nomination]
    assert _ids(call(client, "GET", "/api/v1/instances", make_token("secretariat"))) == [nomination]
    other = call(client, "GET", "/api/v1/instances", make_token("b1.head"))
    assert _ids(other) == [] and other.get_json()["total"] == 0


def test_instances__filters_and_pages(
    app: Flask,
    client: FlaskClient,
    world: dict[str, Any],
    make_token: Tokens,
    nomination: int,
    session: Session,
) -> None:
    scope = Scope("pact", 2, block_id=world["blocks"]["a"].id, year=world["year"])
    with app.app_context():
        second = wf.start(session, engine(), "pact", scope, world["users"]["a1.head"])
    token, block, year = make_token("a1.head"), world["blocks"]["a"].id, world["year"]
    assert _ids(call(client, "GET", f"/api/v1/instances?block={block}&year={year}", token)) == [
        second, nomination]  # fmt: skip
    assert _ids(call(client, "GET", "/api/v1/instances?workflow=plan", token)) == []
    assert _ids(call(client, "GET", "/api/v1/instances?state=block_vote", token)) == []
    assert _ids(call(client, "GET", f"/api/v1/instances?year={year - 1}", token)) == []
    page = call(client, "GET", "/api/v1/instances?limit=1&offset=1", token).get_json()
    assert [i["id"] for i in page["items"]] == [nomination]
    assert (page["total"], page["limit"], page["offset"]) == (2, 1, 1)


def test_instances__bad_filters_are_422(
    client: FlaskClient, world: dict[str, Any], make_token: Tokens
) -> None:
    token = make_token("a1.head")
    for query in ("limit=1000", "limit=0", "offset=-1", "year=abc", "block=x", "colour=red",
                  "state=Signing%00"):  # fmt: skip
        response = call(client, "GET", f"/api/v1/instances?{query}", token)
        assert response.status_code == 422, query
        assert error_of(response)["code"] == "invalid_input"


def test_instances__detail_shows_triggers_participants_and_timeline(
    client: FlaskClient, world: dict[str, Any], make_token: Tokens, nomination: int
) -> None:
    head = make_token("a1.head")
    detail = call(client, "GET", f"/api/v1/instances/{nomination}", head).get_json()
    assert detail["state"] == "proposed" and detail["lock_version"] >= 0
    assert {t["trigger"]: t["require"] for t in detail["triggers"]} == {
        "open_block_vote": [], "withdraw": ["reason"]}  # fmt: skip
    assert [e["trigger"] for e in detail["events"]] == ["start"]
    path = f"/api/v1/instances/{nomination}"
    call(client, "POST", f"{path}/fire", head, json={"trigger": "open_block_vote"})
    seen = call(client, "GET", path, make_token("a2.head")).get_json()
    assert [p["status"] for p in seen["participants"]] == ["waiting", "waiting"]
    assert [t["trigger"] for t in seen["triggers"]] == ["vote_yes", "vote_no", "vote_abstain"]
    assert [e["trigger"] for e in seen["events"]] == ["start", "open_block_vote"]
    assert seen["events"][-1]["who"] == "A1.Head"


def test_instances__secret_vote_shows_who_voted_never_how(
    client: FlaskClient, world: dict[str, Any], make_token: Tokens, nomination: int
) -> None:
    iid = nomination
    head = make_token("a1.head")
    fire = f"/api/v1/instances/{iid}/fire"
    assert call(client, "POST", fire, head, json={"trigger": "open_block_vote"}).status_code == 200
    assert call(client, "POST", fire, head, json={"trigger": "vote_yes"}).status_code == 200
    detail = call(client, "GET", f"/api/v1/instances/{iid}", make_token("a2.head"))
    body = detail.get_json()
    assert [p["status"] for p in body["participants"]] == ["voted", "waiting"]
    assert [e["trigger"] for e in body["events"]] == ["start", "open_block_vote", "participate"]


def test_instances__other_blocks_missing_and_huge_ids(
    client: FlaskClient, world: dict[str, Any], make_token: Tokens, nomination: int
) -> None:
    response = call(client, "GET", f"/api/v1/instances/{nomination}", make_token("b1.head"))
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"
    council = call(client, "GET", f"/api/v1/instances/{nomination}", make_token("council"))
    assert council.status_code == 200
    for path in ("/api/v1/instances/99999", "/api/v1/instances/0", "/api/v1/instances/2147483648"):
        assert call(client, "GET", path, make_token("admin")).status_code == 404, path

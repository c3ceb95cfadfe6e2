"""The OpenAPI document says exactly what the server accepts, from the loaded definitions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.api.conftest import call, error_of, state_of
from wflow.workflow_setup import engine


def _doc(client: FlaskClient) -> dict[str, Any]:
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    assert isinstance(answer.json, dict)
    return dict(answer.json)


def _person_triggers(app: Flask) -> set[str]:
    with app.app_context():
        found = set()
        for defn in engine().definitions.values():
            found |= {t.trigger for t in defn.transitions if not t.system}
            for state in defn.states.values():
                part = state.participation
                if part is not None:
                    found |= {a for a in (part.act, part.refuse, part.abstain) if a}
        return found


def test_openapi__enums_match_the_loaded_definitions(app: Flask, client: FlaskClient) -> None:
    doc = _doc(client)
    with app.app_context():
        defs = engine().definitions
    listing = doc["paths"]["/api/v1/instances"]["get"]
    params = {p["name"]: p["schema"] for p in listing["parameters"]}
    assert params["workflow"]["enum"] == sorted(defs)
    assert set(params["state"]["enum"]) == {s for d in defs.values() for s in d.states}
    assert "/api/v1/workflows/{name}/diagram.svg" not in doc["paths"]
    for name, defn in defs.items():
        op = doc["paths"][f"/api/v1/workflows/{name}/diagram.svg"]["get"]
        state = next(p for p in op["parameters"] if p["name"] == "state")
        assert state["schema"]["enum"] == list(defn.states)  # this workflow's states only
    fire = doc["components"]["schemas"]["FireRequest"]
    branches = {b["properties"]["trigger"]["const"]: b for b in fire["oneOf"]}
    assert set(branches) == _person_triggers(app)  # never an engine-only trigger
    for branch in branches.values():
        assert branch["additionalProperties"] is False
        assert branch["properties"]["data"]["additionalProperties"] is False
    assert branches["reject"]["properties"]["data"]["required"] == ["reason"]
    assert branches["approve"]["properties"]["data"]["properties"] == {}


def test_openapi__the_server_refuses_what_the_document_refuses(
    client: FlaskClient,
    world: dict[str, Any],
    make_token: Callable[[str], str],
    nomination: int,
    session: Session,
) -> None:
    token = make_token("a1.head")
    before = state_of(session, nomination)
    for body, field in (
        ({"trigger": "open_block_vote", "data": {"colour": "red"}}, "data.colour"),  # issue 18
        ({"trigger": "review_overdue", "data": {}}, "trigger"),  # the engine's own
        ({"trigger": "no_such_thing"}, "trigger"),
        ({"trigger": "refer_to_council", "data": {"session_id": "1e9"}}, "data.session_id"),
        ({"trigger": "withdraw", "data": {"reason": "   "}}, "reason"),
        ({"trigger": "open_block_vote", "extra": 1}, "extra"),
    ):
        answer = call(client, "POST", f"/api/v1/instances/{nomination}/fire", token, json=body)
        assert answer.status_code == 422, body
        assert any(f.endswith(field) for f in error_of(answer)["fields"]), (body, answer.json)
    assert state_of(session, nomination) == before
    for query, field in (("workflow=nothing", "workflow"), ("state=nowhere", "state")):
        answer = call(client, "GET", f"/api/v1/instances?{query}", token)
        assert answer.status_code == 422 and error_of(answer)["fields"] == [field]
    answer = call(client, "GET", "/api/v1/workflows/pact/diagram.svg?state=dossier", token)
    assert answer.status_code == 422  # a state of another workflow
    ok = call(client, "GET", "/api/v1/workflows/nomination/diagram.svg?state=dossier", token)
    assert ok.status_code == 200

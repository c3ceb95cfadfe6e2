"""Definitions, diagrams and the inbox through the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from tests.api.conftest import call, error_of

Tokens = Callable[[str], str]


def test_workflows__definitions_with_labels_states_and_diagram(
    client: FlaskClient, world: dict[str, Any], make_token: Tokens
) -> None:
    token = make_token("a1.head")
    response = call(client, "GET", "/api/v1/workflows", token, headers={"Accept-Language": "en"})
    defs = {d["name"]: d for d in response.get_json()["items"]}
    assert {"plan", "pact", "review", "nomination"} <= set(defs)
    nomination = defs["nomination"]
    assert nomination["label"]["en"] == "Award nomination"
    assert nomination["label"]["vi"] == "Đề nghị khen thưởng"
    assert {s["name"] for s in nomination["states"]} >= {"proposed", "block_vote", "decided"}
    signing = next(s for s in nomination["states"] if s["name"] == "block_vote")
    assert signing["multi_party"] is True
    withdraw = next(t for t in nomination["transitions"] if t["trigger"] == "withdraw")
    assert withdraw["require"] == ["reason"] and withdraw["sources"] == ["proposed", "dossier"]
    assert nomination["diagram"]["mermaid"].startswith("stateDiagram")
    svg = call(client, "GET", nomination["diagram"]["svg_url"], token)
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert call(client, "GET", nomination["diagram"]["svg_url"], None).status_code == 401


def test_workflows__diagram_refuses_unknown_workflow_version_or_state(
    client: FlaskClient, world: dict[str, Any], make_token: Tokens
) -> None:
    token = make_token("a1.head")
    base = "/api/v1/workflows"
    assert (
        call(client, "GET", f"{base}/nomination/diagram.svg?state=block_vote", token).status_code
        == 200
    )
    assert error_of(call(client, "GET", f"{base}/nope/diagram.svg", token))["status"] == 404
    assert (
        call(client, "GET", f"{base}/nomination/diagram.svg?version=99", token).status_code == 404
    )
    assert error_of(call(client, "GET", f"{base}/nomination/diagram.svg?state=nope", token))[
        "code"] == "unknown_state"  # fmt: skip


def test_workflows__inbox_holds_what_i_may_do_now(
    client: FlaskClient, world: dict[str, Any], make_token: Tokens, nomination: int
) -> None:
    mine = call(client, "GET", "/api/v1/tasks", make_token("a1.head"),
                headers={"Accept-Language": "en"}).get_json()["items"]  # fmt: skip
    assert {(t["instance_id"], t["trigger"]) for t in mine} == {
        (nomination, "open_block_vote"), (nomination, "withdraw")}  # fmt: skip
    opening = next(t for t in mine if t["trigger"] == "open_block_vote")
    assert (opening["trigger_label"], opening["state_label"]) == ("Open the block vote", "Proposed")
    assert call(client, "GET", "/api/v1/tasks", make_token("b1.head")).get_json()["items"] == []

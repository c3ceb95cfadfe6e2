"""HTTP methods on the API as RFC 9110 has them: OPTIONS lists them, TRACE is a 405 with Allow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient


def _allow(response: Any) -> set[str]:
    return {m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()}


def test_methods__options_is_a_204_listing_the_methods(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    for path, methods in (
        ("/api/v1/me", {"GET", "HEAD", "OPTIONS"}),
        ("/api/v1/instances/5/fire", {"POST", "OPTIONS"}),
        ("/api/v1/verify", {"POST", "OPTIONS"}),
        ("/api/v1/openapi.json", {"GET", "HEAD", "OPTIONS"}),
    ):
        answer = client.options(path)  # no token: it says nothing about the data
        assert answer.status_code == 204, path
        assert _allow(answer) == methods, path
        assert answer.data == b""
    assert client.options("/api/v1/nothing-here").status_code == 404


def test_methods__trace_and_unknown_methods_are_405_with_allow(
    client: FlaskClient, world: dict[str, Any], make_token: Callable[[str], str]
) -> None:
    headers = {"Authorization": f"Bearer {make_token('a1.head')}"}
    for method in ("TRACE", "PUT", "DELETE", "PATCH"):
        for who in ({}, headers):
            answer = client.open("/api/v1/me", method=method, headers=who)
            if method != "TRACE" and not who:
                assert answer.status_code == 401  # a token is asked for first
                continue
            assert answer.status_code == 405, (method, who)
            assert _allow(answer) == {"GET", "HEAD", "OPTIONS"}
            assert answer.json is not None
            assert answer.json["error"]["code"] == "method_not_allowed"
    trace = client.open("/api/v1/instances/1/fire", method="TRACE", headers=headers)
    assert trace.status_code == 405 and _allow(trace) == {"POST", "OPTIONS"}
    assert b"Authorization" not in trace.data  # TRACE never echoes the request back


def test_methods__pages_answer_405_with_allow_too(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    answer = client.open("/login", method="TRACE")
    assert answer.status_code == 405
    assert {"GET", "POST"} <= _allow(answer)

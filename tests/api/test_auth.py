"""Who may call the API: only a valid, unrevoked bearer token; never a session cookie."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlmodel import Session

from tests.api.conftest import call, error_of, state_of
from tests.conftest import sign_in
from wflow.accounts import tokens
from wflow.org import service as org


def test_auth__no_token_wrong_scheme_or_unknown_token_is_401(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    for headers in ({}, {"Authorization": "Basic YTE6cHc="}, {"Authorization": "Bearer"},
                    {"Authorization": "Bearer wfl_not-a-real-token"}):  # fmt: skip
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401, headers
        assert error_of(response)["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_auth__token_acts_as_its_user(
    client: FlaskClient, world: dict[str, Any], make_token: Callable[[str], str]
) -> None:
    response = call(client, "GET", "/api/v1/me", make_token("a1.head"))
    assert response.status_code == 200
    me = response.get_json()
    assert (me["login"], me["unit"]["code"], me["roles"]) == ("a1.head", "A1", ["unit_head"])
    assert me["committee"] is False
    assert call(client, "GET", "/api/v1/me", make_token("council")).get_json()["committee"] is True


def test_auth__revoked_token_and_inactive_user_are_refused(
    client: FlaskClient,
    world: dict[str, Any],
    make_token: Callable[[str], str],
    session: Session,
    app: Any,
) -> None:
    secret = make_token("a1.head")
    assert call(client, "GET", "/api/v1/me", secret).status_code == 200
    row = tokens.user_tokens(session, world["users"]["a1.head"])[0]
    tokens.revoke_token(session, user=world["users"]["a1.head"], token_id=row.id or 0)
    assert call(client, "GET", "/api/v1/me", secret).status_code == 401
    staff = make_token("a1.staff")
    with app.app_context():
        staff_user = world["users"]["a1.staff"]
        org.update_user(
            session,
            staff_user,
            display_name=staff_user.display_name,
            unit_id=staff_user.unit_id,
            roles=staff_user.roles,
            active=False,
        )
    assert call(client, "GET", "/api/v1/me", staff).status_code == 401


def test_auth__session_cookie_without_bearer_is_refused(
    client: FlaskClient, world: dict[str, Any], session: Session, nomination: int
) -> None:
    sign_in(client, "a1.head")
    assert client.get("/").status_code == 200  # the cookie works on pages
    assert client.get("/api/v1/me").status_code == 401
    before = state_of(session, nomination)
    response = client.post(
        f"/api/v1/instances/{nomination}/fire", json={"trigger": "open_block_vote"}
    )
    assert response.status_code == 401
    assert state_of(session, nomination) == before


def test_auth__the_document_and_its_page_are_public(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    assert "/api/v1/instances/{instance_id}/fire" in document["paths"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "POST /api/v1/instances/{instance_id}/fire" in text
    assert "<script" not in text and "https://" not in text.split("<main", 1)[1]


def test_auth__unknown_paths_and_methods_answer_json(
    client: FlaskClient, world: dict[str, Any], make_token: Callable[[str], str]
) -> None:
    secret = make_token("a1.head")
    assert error_of(call(client, "GET", "/api/v1/nothing", secret))["code"] == "not_found"
    response = call(client, "DELETE", "/api/v1/me", secret)
    assert error_of(response)["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]
    assert call(client, "GET", "/api/v1/instances/99999999999", secret).status_code == 404

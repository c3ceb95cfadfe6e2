"""Personal API tokens in the user menu: created, shown once, stored hashed, revoked."""

from __future__ import annotations

import hashlib
from typing import Any

from flask.testing import FlaskClient
from sqlmodel import Session, select

from tests.api.conftest import call
from tests.conftest import csrf_token, sign_in, submit
from wflow.accounts.models import ApiToken


def test_account__token_is_shown_once_stored_hashed_and_revoked(
    client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    sign_in(client, "a1.head")
    assert "/account/tokens" in client.get("/").get_data(as_text=True)  # in the user menu
    created = submit(client, "/account/tokens", {"name": "báo cáo quý"})
    assert created.status_code == 201
    page = created.get_data(as_text=True)
    row = session.exec(select(ApiToken)).one()
    secret = page.split('id="secret" type="text" readonly value="', 1)[1].split('"', 1)[0]
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(row.prefix) and secret not in str(row.model_dump())
    assert secret not in client.get("/account/tokens").get_data(as_text=True)  # once only
    api = client.application.test_client()
    assert call(api, "GET", "/api/v1/me", secret).get_json()["login"] == "a1.head"
    token = csrf_token(client, "/account/tokens")
    revoked = client.post(f"/account/tokens/{row.id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 303
    assert call(api, "GET", "/api/v1/me", secret).status_code == 401


def test_account__others_tokens_cannot_be_revoked_and_forms_need_csrf(
    client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    sign_in(client, "a1.head")
    submit(client, "/account/tokens", {"name": "mine"})
    row = session.exec(select(ApiToken)).one()
    assert client.post("/account/tokens", data={"name": "no csrf"}).status_code == 400
    other = client.application.test_client()
    sign_in(other, "b1.head")
    token = csrf_token(other, "/account/tokens")
    refused = other.post(f"/account/tokens/{row.id}/revoke", data={"csrf_token": token})
    assert refused.status_code == 404
    assert client.post(f"/account/tokens/{row.id}/revoke").status_code == 400
    assert submit(client, "/account/tokens", {"name": ""}).status_code == 422
    session.expire_all()
    assert session.exec(select(ApiToken)).one().revoked_at is None

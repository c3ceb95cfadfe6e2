"""Checking a signed PDF through the API: each signature, its unit, and the verdict."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.api.conftest import call, error_of
from tests.documents.conftest import sign_all
from tests.documents.helpers import blank_pdf
from wflow.documents.pki import KeyStore
from wflow.signatures import keys

Tokens = Callable[[str], str]


def _verify(client: FlaskClient, token: str | None, data: bytes) -> Any:
    return call(client, "POST", "/api/v1/verify", token, data=data,
                content_type="application/pdf")  # fmt: skip


def test_verify__a_pact_signed_by_both_heads_holds(
    app: Flask, client: FlaskClient, world: dict[str, Any], make_token: Tokens, session: Session
) -> None:
    store = KeyStore(app.instance_path)
    with app.app_context():
        keys.ensure_unit_certificates(session, store=store)
    units, users = world["units"], world["users"]
    trio = {"units": [units["a1"], units["a2"]], "heads": [users["a1.head"], users["a2.head"]]}
    signed = sign_all(app, session, store, trio)[-1]
    response = _verify(client, make_token("b1.head"), signed)
    assert response.status_code == 200, response.get_data(as_text=True)
    verdict = response.get_json()
    assert verdict["ok"] is True
    assert [s["unit"]["code"] for s in verdict["signatures"]] == ["A1", "A2"]
    assert all(s["intact"] and s["trusted"] and s["in_registry"] for s in verdict["signatures"])
    unsigned = _verify(client, make_token("b1.head"), blank_pdf()).get_json()
    assert unsigned == {"signatures": [], "ok": False}


def test_verify__refuses_no_token_empty_foreign_and_oversized_bodies(
    app: Flask, client: FlaskClient, world: dict[str, Any], make_token: Tokens
) -> None:
    token = make_token("a1.head")
    assert _verify(client, None, blank_pdf()).status_code == 401
    assert error_of(_verify(client, token, b""))["status"] == 400
    assert error_of(_verify(client, token, b"hello, not a pdf"))["code"] == "bad_document"
    app.config["VERIFY_MAX_BYTES"] = 100
    assert error_of(_verify(client, token, blank_pdf()))["status"] == 413

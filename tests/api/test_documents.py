"""Downloading a stored PDF through the API: the block and the committee read it, no one else."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.api.conftest import call, error_of
from tests.pacts.helpers import pact_in_signing
from wflow.pacts import service as pacts
from wflow.pacts.models import Document
from wflow.signatures import keys

Tokens = Callable[[str], str]


def _document(app: Flask, session: Session, world: dict[str, Any]) -> Document:
    users, units = world["users"], world["units"]
    with app.app_context():
        keys.ensure_unit_certificates(session)
    team = {"heads": [users["a1.head"], users["a2.head"]], "block": world["blocks"]["a"],
            "units": [units["a1"], units["a2"]]}  # fmt: skip
    pact = pact_in_signing(app, session, team, users["secretariat"])
    doc = pacts.current_document(session, pact)
    assert doc is not None
    return doc


def test_documents__the_block_and_the_committee_download_the_pact(
    app: Flask, client: FlaskClient, world: dict[str, Any], session: Session, make_token: Tokens
) -> None:
    doc = _document(app, session, world)
    for login in ("a2.head", "council"):
        response = call(client, "GET", f"/api/v1/documents/{doc.id}", make_token(login))
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        assert response.mimetype == "application/pdf"
        assert response.data.startswith(b"%PDF-") and len(response.data) == doc.size


def test_documents__refusals(
    app: Flask, client: FlaskClient, world: dict[str, Any], session: Session, make_token: Tokens
) -> None:
    doc = _document(app, session, world)
    other = call(client, "GET", f"/api/v1/documents/{doc.id}", make_token("b1.head"))
    assert other.status_code == 403 and error_of(other)["code"] == "forbidden"
    assert call(client, "GET", f"/api/v1/documents/{doc.id}", None).status_code == 401
    missing = call(client, "GET", f"/api/v1/documents/{(doc.id or 0) + 999}", make_token("a1.head"))
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"
    Path(app.instance_path, doc.path).unlink()  # the file lost from the disk: gone, not a 500
    gone = call(client, "GET", f"/api/v1/documents/{doc.id}", make_token("a1.head"))
    assert gone.status_code == 410 and error_of(gone)["code"] == "gone"

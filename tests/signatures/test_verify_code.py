"""Verification codes: printed on issued documents, leading to a public verification page."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.conftest import submit
from tests.documents.conftest import sign_all
from wflow.documents.pki import KEK_ENV, KeyStore
from wflow.pacts.documents import add_document
from wflow.signatures import codes, keys


@pytest.fixture(autouse=True)
def _no_env_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEK_ENV, raising=False)


def test_codes__are_short_unambiguous_and_read_leniently(app: Flask, session: Session) -> None:
    with app.app_context():
        made = {codes.new_code(session) for _ in range(50)}
    assert len(made) == 50
    for code in made:
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{10}", code)
        assert codes.normalise(codes.grouped(code).lower()) == code
    assert codes.grouped("7K3M9QXA2B") == "7K3M-9QXA-2B"
    assert codes.normalise("7k3m-9qxa-2b") == "7K3M9QXA2B"
    assert codes.normalise("OIL0-0000-00") == "0110000000"  # O is 0, I and L are 1
    assert codes.normalise("7K3M-9QXA") is None and codes.normalise("UUUU-UUUU-UU") is None


def test_codes__footer_has_the_public_url_and_its_qr_code(app: Flask, session: Session) -> None:
    app.config["PUBLIC_URL"] = "https://thidua.example.vn/"
    with app.app_context():
        footer = codes.footer(session, "7K3M9QXA2B")
    assert footer["code"] == "7K3M-9QXA-2B"
    assert footer["url"] == "https://thidua.example.vn/v/7K3M9QXA2B"
    prefix = "data:image/svg+xml;base64,"
    assert footer["qr"].startswith(prefix)
    svg = base64.b64decode(footer["qr"][len(prefix) :]).decode()
    assert svg.startswith("<svg") and "<path" in svg  # drawn as vectors, no image service


@pytest.fixture
def coded(app: Flask, session: Session, make_unit: Any, make_user: Any) -> dict[str, Any]:
    """A pact-like PDF signed by three units, stored under a verification code."""
    store = KeyStore(app.instance_path)
    units = [make_unit("MTTQ", "Ủy ban MTTQ tỉnh"), make_unit("TDOAN"), make_unit("HND")]
    heads = [make_user(f"{u.code.lower()}.head", u) for u in units]
    keys.ensure_unit_certificates(session, store=store)
    versions = sign_all(app, session, store, {"units": units, "heads": heads})
    with app.app_context():
        code = codes.new_code(session)
        first = add_document(session, None, versions[1], kind="decision", verify_code=code)
        last = add_document(session, None, versions[-1], kind="decision", verify_code=code,
                            parent_id=first.id)  # fmt: skip
        session.commit()
    return {"code": code, "signed": versions[-1], "doc": last}


def test_verify_code__page_is_public_and_shows_the_verdict_of_the_latest_revision(
    client: FlaskClient, coded: dict[str, Any]
) -> None:
    submit(client, "/locale", {"locale": "en", "next": "/verify"}, page="/verify")
    code = coded["code"]
    page = client.get(f"/v/{code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert "<h1>Quyết định khen thưởng</h1>" in html and codes.grouped(code) in html
    assert "All 3 signatures are intact, trusted and registered." in html
    assert "Ủy ban MTTQ tỉnh" in html and coded["doc"].sha256 in html
    typed = client.get(f"/v/{codes.grouped(code).lower()}")  # as people type it
    assert typed.status_code == 200 and "All 3 signatures" in typed.get_data(as_text=True)
    download = client.get(f"/v/{code}/file")
    assert download.status_code == 200 and download.data == coded["signed"]
    assert download.mimetype == "application/pdf"


@pytest.mark.parametrize("code", ["ZZZZ-ZZZZ-ZZ", "not-a-code", "7K3M"])
def test_verify_code__unknown_codes_are_404_with_a_clear_message(
    client: FlaskClient, coded: dict[str, Any], code: str
) -> None:
    submit(client, "/locale", {"locale": "en", "next": "/verify"}, page="/verify")
    page = client.get(f"/v/{code}")
    assert page.status_code == 404
    assert "No document bears the verification code" in page.get_data(as_text=True)
    assert client.get(f"/v/{code}/file").status_code == 404

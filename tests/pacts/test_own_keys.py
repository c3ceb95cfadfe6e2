"""Keys the signer holds: one pact signed with a server key, a browser key and a token's key.

The test plays the browser (its key stands for a WebCrypto one: P-256, signatures as r‖s) and
drives the real signing agent over a SoftHSM2 token certified by a foreign CA.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.request
from collections.abc import Callable, Iterable
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.conftest import PASSWORD, sign_in, submit
from tests.documents.helpers import assert_lasting
from tests.held_keys import browser_signer, csrf_of, enrol_browser_key, prepare, sign_held
from tests.pacts.helpers import pact_in_signing
from tests.softhsm import Token, secrets_of, token
from wflow import sign_agent
from wflow.documents.pki import KeyStore
from wflow.pacts.models import Pact
from wflow.signatures import keys, own_keys, trust

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

ORIGIN = "http://localhost"


class Recorder:
    """WSGI middleware keeping every request body the application receives."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.bodies: list[bytes] = []

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(size) if size else b""
        self.bodies.append(body)
        environ["wsgi.input"] = BytesIO(body)
        return self.app(environ, start_response)


def _as(app: Flask, login: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, login)
    submit(client, "/locale", {"locale": "en", "next": "/"}, page="/")
    return client


def _via_agent(port: int, sent: list[bytes]) -> Callable[[dict[str, Any]], bytes]:
    def sign(prepared: dict[str, Any]) -> bytes:
        payload = json.dumps({k: prepared[k] for k in ("to_sign", "document", "signer")}).encode()
        sent.append(payload)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/sign", data=payload, headers={"Origin": ORIGIN}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return base64.b64decode(json.loads(answer.read())["signature"])

    return sign


def test_own_keys__one_pact_signed_by_a_server_key_a_browser_key_and_a_token(
    app: Flask, session: Session, team: dict[str, Any], tmp_path: Path
) -> None:
    found: Token = token()
    store = KeyStore(app.instance_path)
    with app.app_context():
        root = found.ca[1].public_bytes(serialization.Encoding.PEM)
        trust.add_root(session, "VNPT-CA thử nghiệm", root, store)
    recorder = Recorder(app.wsgi_app)
    app.wsgi_app = recorder  # type: ignore[method-assign]  # Flask's way to add middleware
    pact = pact_in_signing(app, session, team, team["secretariat"])
    url = f"/pacts/{pact.id}"
    heads, units = team["heads"], team["units"]

    # 1. a key the server keeps: the password alone
    assert (
        submit(
            _as(app, heads[0].login), f"{url}/sign", {"password": PASSWORD}, page=url
        ).status_code
        == 303
    )

    # 2. a key made in the browser: enrolled from the certificates page, signs r‖s
    browser = _as(app, heads[1].login)
    cert_page = f"/units/{units[1].id}/certificates"
    browser_key, enrolled = enrol_browser_key(browser, units[1].id)
    assert enrolled.status_code == 200, enrolled.get_data(as_text=True)
    listed = browser.get(cert_page).get_data(as_text=True)
    assert "<td>key in the holder's browser</td>" in listed
    choices = own_keys.choices(session, heads[1], units[1].id)
    browser_cert = next(c for c in choices if c.source == "browser")
    assert browser_cert.encrypted_key_pem == "" and browser_cert.holder_user_id == heads[1].id
    shown = browser.get(url).get_data(as_text=True)
    assert 'data-source="browser"' in shown and "The key in this browser" in shown
    done = sign_held(browser, url, browser_cert.id or 0, browser_signer(browser_key))
    assert done.status_code == 200 and done.get_json()["redirect"] == url

    # 3. a token's key, through the signing agent: its certificate registered, then signing
    holder = _as(app, heads[2].login)
    registered = submit(
        holder,
        f"/units/{units[2].id}/certificates/token",
        {"certificate": found.pem},
        page=f"/units/{units[2].id}/certificates",
    )
    assert registered.status_code == 302, registered.get_data(as_text=True)
    token_cert = next(
        c for c in own_keys.choices(session, heads[2], units[2].id) if c.source == "token"
    )
    agent_key = sign_agent.TokenKey(found.module, found.label, found.key_label, found.pin)
    server = sign_agent.make_server(agent_key, ORIGIN, sign_agent.approve_all, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    to_agent: list[bytes] = []
    try:
        done = sign_held(
            holder, url, token_cert.id or 0, _via_agent(server.server_address[1], to_agent)
        )
    finally:
        server.shutdown()
        server.server_close()
        agent_key.close()
    assert done.status_code == 200, done.get_data(as_text=True)

    # 4. the other three with the server's keys; the pact comes into force
    for head in heads[3:]:
        assert (
            submit(
                _as(app, head.login), f"{url}/sign", {"password": PASSWORD}, page=url
            ).status_code
            == 303
        )
    session.expire_all()
    final = _as(app, heads[0].login).get(f"{url}.pdf").data
    with app.app_context():
        reports = keys.verify_document(session, final)
    assert len(reports) == 6 and all(r.ok for r in reports), [r.check for r in reports]
    sources = {r.registered.source for r in reports if r.registered}
    assert sources == {"internal", "browser", "token"}

    foreign = tmp_path / "foreign.pem"
    foreign.write_bytes(found.ca[1].public_bytes(serialization.Encoding.PEM))
    assert_lasting(final, store.ca_cert_path, tmp_path / "pact", foreign)  # six, in pdfsig too

    # the private keys of the browser and the token never reached the server
    secrets = secrets_of(found.key) + secrets_of(browser_key)
    sent = [*recorder.bodies, *to_agent]
    assert len(recorder.bodies) > 20
    for body in sent:
        for secret in secrets:
            assert secret not in body
    session.expire_all()
    assert session.get(Pact, pact.id) is not None


def test_own_keys__only_who_signs_for_the_unit_enrols_or_prepares(
    app: Flask, session: Session, team: dict[str, Any]
) -> None:
    found = token()
    pact = pact_in_signing(app, session, team, team["secretariat"])
    unit, staff = team["units"][0], _as(app, team["staff"].login)
    page = f"/units/{unit.id}/certificates"
    assert "data-enrol-browser" not in staff.get(page).get_data(as_text=True)
    csrf = csrf_of(staff, page)
    enrol = staff.post(f"{page}/browser", data={"csrf_token": csrf, "spki": "AA==",
                                                "proof": "AA=="})  # fmt: skip
    assert enrol.status_code == 403 and "head of the unit" in enrol.get_json()["error"]
    other = _as(app, team["heads"][1].login)  # the head of another unit
    csrf = csrf_of(other, f"/units/{team['units'][1].id}/certificates")  # their own challenge
    stranger = other.post(f"{page}/browser", data={"csrf_token": csrf, "spki": "AA==",
                                                   "proof": "AA=="})  # fmt: skip
    assert stranger.status_code == 403
    assert submit(staff, f"{page}/token", {"certificate": found.pem}, page=page).status_code == 403
    assert submit(other, f"{page}/token", {"certificate": found.pem},
                  page=f"/units/{team['units'][1].id}/certificates").status_code == 403  # fmt: skip
    assert prepare(staff, f"/pacts/{pact.id}", 1).status_code == 403  # not the head
    session.expire_all()
    assert all(not c.held_by_signer for c in keys.unit_certificates(session, unit.id or 0))

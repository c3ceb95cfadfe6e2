"""Keys the signer holds, in Chromium: a browser key and a token finish the demo's pact.

The demo's enterprise pact is signed by two heads with keys the server keeps; the third head
makes a WebCrypto key in the browser and signs with it; the fourth signs with a SoftHSM2 token
(certified by a foreign CA) through the signing agent on 127.0.0.1. The pact comes into force,
every signature validates with its timestamp against the instance's trust store, and no
request carried a private key.
"""

from __future__ import annotations

import threading
from io import BytesIO

import pytest
from cryptography.hazmat.primitives import serialization
from playwright.sync_api import Page, Request, expect
from sqlmodel import select

from tests.browser.conftest import LiveServer, People, in_thread
from tests.softhsm import secrets_of, token
from wflow import db, sign_agent
from wflow.core.access import current_year
from wflow.demo.org import DEMO_PASSWORD
from wflow.documents.pki import KeyStore
from wflow.org.models import Block, Unit
from wflow.pacts.models import Pact
from wflow.signatures import keys, trust

pytestmark = pytest.mark.browser


def _pact_and_units(live_server: LiveServer) -> tuple[int, dict[str, int]]:
    with live_server.app.app_context():
        sess = db.session()
        block = sess.exec(select(Block).where(Block.code == "KDN")).one()
        pact = sess.exec(
            select(Pact).where(Pact.block_id == block.id, Pact.year == current_year())
        ).one()
        units = {u.code: u.id or 0 for u in sess.exec(select(Unit)).all()}
        root = token().ca[1].public_bytes(serialization.Encoding.PEM)
        trust.add_root(sess, "VNPT-CA thử nghiệm", root, KeyStore(live_server.app.instance_path))
    return pact.id or 0, units


def _sign(page: Page, pact_id: int, key_label: str) -> None:
    page.goto(f"/pacts/{pact_id}")
    choice = page.get_by_label(key_label)
    expect(choice).to_be_checked()
    page.get_by_label("Your password (to confirm the signature)").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign the pact").click()
    expect(
        page.get_by_role("status").filter(has_text="Your unit's signature was added to the pact.")
    ).to_be_visible()


def test_a_browser_key_and_a_token_sign_the_pact_their_keys_never_sent(
    people: People, live_server: LiveServer
) -> None:
    found = token()
    pact_id, units = _pact_and_units(live_server)
    sent: list[bytes] = []

    def watch(page: Page) -> Page:
        page.on("request", lambda request: sent.append(_body(request)))
        return page

    # the third head: a key made in this browser
    head = watch(people.sign_in("cnht.head"))
    head.goto(f"/units/{units['CNHT']}/certificates")
    head.get_by_role("button", name="Create a signing key in this browser").click()
    expect(head.get_by_role("status").filter(has_text="A signing key was created")).to_be_visible()
    expect(head.get_by_role("cell", name="key in the holder's browser")).to_be_visible()
    extractable = head.evaluate("""() => new Promise((resolve, reject) => {
        const open = indexedDB.open("wflow-keys", 1);
        open.onsuccess = () => {
          const all = open.result.transaction("keys").objectStore("keys").getAll();
          all.onsuccess = () => resolve(all.result.map(r => r.key.extractable));
          all.onerror = () => reject(all.error);
        };
        open.onerror = () => reject(open.error);
      })""")
    assert extractable == [False]  # WebCrypto itself refuses to export it
    _sign(head, pact_id, "The key in this browser")

    # the fourth head: a token, through the signing agent on this computer
    agent_key = sign_agent.TokenKey(found.module, found.label, found.key_label, found.pin)
    agent = sign_agent.make_server(agent_key, live_server.url, sign_agent.approve_all, port=0)
    threading.Thread(target=agent.serve_forever, daemon=True).start()
    try:
        other = watch(people.sign_in("vnptht.head"))
        other.goto(f"/units/{units['VNPTHT']}/certificates")
        other.evaluate(
            f"localStorage.setItem('wflow-agent', 'http://127.0.0.1:{agent.server_address[1]}')"
        )
        other.get_by_role("button", name="Read the certificate from the signing agent").click()
        read = found.cert.public_bytes(serialization.Encoding.PEM).decode()
        expect(other.get_by_label("Certificate of your token (PEM)")).to_have_value(read)
        other.get_by_role("button", name="Register the token's certificate").click()
        expect(other.get_by_role("status").filter(has_text="registered")).to_be_visible()
        expect(other.get_by_role("cell", name="key on the holder's token")).to_be_visible()
        _sign(other, pact_id, "My token, through the signing agent")
    finally:
        agent.shutdown()
        agent.server_close()
        agent_key.close()
    expect(other.get_by_text("In force")).to_be_visible()

    final = other.request.get(f"/pacts/{pact_id}.pdf").body()
    reports = in_thread(lambda: _verify(live_server, final))
    assert len(reports) == 4 and all(r.ok for r in reports)
    assert all(r.check.timestamp is not None for r in reports)
    assert {r.registered.source for r in reports if r.registered} == {
        "internal",
        "browser",
        "token",
    }
    assert BytesIO(final).getvalue().startswith(b"%PDF-")

    assert len(sent) > 10
    secrets = secrets_of(found.key)
    for body in sent:
        for secret in secrets:
            assert secret not in body
        assert b'"d":' not in body  # no private key in JWK form either


def _verify(live_server: LiveServer, pdf: bytes) -> list[keys.SignatureReport]:
    with live_server.app.app_context():
        return keys.verify_document(db.session(), pdf)


def _body(request: Request) -> bytes:
    return request.post_data_buffer or b""

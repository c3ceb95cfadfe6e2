"""The browser's side of keys the signer holds, played by the tests: enrol, prepare, sign, finish.

The key stands for a WebCrypto one: ECDSA P-256, signatures as r‖s; the requests are the ones
wflow/static/js/signing.js sends.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from flask.testing import FlaskClient

from tests.conftest import PASSWORD, TOKEN_RE
from wflow.signatures import own_keys

Signer = Callable[[dict[str, Any]], bytes]


def raw_signature(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """Sign as WebCrypto does: ECDSA over SHA-256, the signature as r‖s."""
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32) + s.to_bytes(32)


def browser_signer(key: ec.EllipticCurvePrivateKey) -> Signer:
    """Return the page's signing step with `key`: it signs what the server prepared."""
    return lambda prepared: raw_signature(key, base64.b64decode(prepared["to_sign"]))


def enrol_browser_key(client: FlaskClient, unit_id: int) -> tuple[ec.EllipticCurvePrivateKey, Any]:
    """Make a key "in the browser" and have it certified from the certificates page."""
    page = client.get(f"/units/{unit_id}/certificates").get_data(as_text=True)
    nonce, csrf = re.search(r'data-nonce="([^"]+)"', page), TOKEN_RE.search(page)
    assert nonce and csrf, "no enrolment form on the certificates page"
    key = ec.generate_private_key(ec.SECP256R1())
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    proof = raw_signature(key, own_keys.enrol_message(nonce.group(1), spki))
    answer = client.post(f"/units/{unit_id}/certificates/browser", data={
        "csrf_token": csrf.group(1), "spki": base64.b64encode(spki).decode(),
        "proof": base64.b64encode(proof).decode(),
    })  # fmt: skip
    return key, answer


def csrf_of(client: FlaskClient, url: str) -> str:
    """Return the CSRF token of the page at `url`."""
    found = TOKEN_RE.search(client.get(url).get_data(as_text=True))
    assert found
    return found.group(1)


def prepare(client: FlaskClient, url: str, cert_id: int, password: str = PASSWORD) -> Any:
    """Ask the server to prepare the document at `url` for the key `cert_id`."""
    data = {"csrf_token": csrf_of(client, url), "password": password, "key": cert_id}
    return client.post(f"{url}/sign/prepare", data=data)


def finish(client: FlaskClient, url: str, pending: int, signature: bytes) -> Any:
    """Send the signature the signer's side made back to the server."""
    data = {"csrf_token": csrf_of(client, url), "pending": pending,
            "signature": base64.b64encode(signature).decode()}  # fmt: skip
    return client.post(f"{url}/sign/finish", data=data)


def sign_held(client: FlaskClient, url: str, cert_id: int, signer: Signer) -> Any:
    """Prepare, sign on the signer's side, finish: as signing.js does."""
    prepared = prepare(client, url, cert_id)
    assert prepared.status_code == 200, prepared.get_data(as_text=True)
    body = prepared.get_json()
    return finish(client, url, body["pending"], signer(body))

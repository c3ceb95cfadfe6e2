"""The signing agent: a SoftHSM2 token signs for the wflow page only, on 127.0.0.1 only."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from tests.softhsm import token
from wflow import sign_agent
from wflow.documents import external

ORIGIN = "https://thidua.example.gov.vn"


@contextmanager
def running(approve: sign_agent.Approve) -> Iterator[int]:
    """Run the agent over the test token on a free port; yield the port."""
    found = token()
    key = sign_agent.TokenKey(found.module, found.label, found.key_label, found.pin)
    server = sign_agent.make_server(key, ORIGIN, approve, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        key.close()


def _call(
    port: int,
    path: str,
    body: dict[str, Any] | None = None,
    origin: str = ORIGIN,
    host: str | None = None,
) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=data,
        headers={"Origin": origin, "Content-Type": "application/json"},
    )
    if host:
        request.add_header("Host", host)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def test_agent__gives_the_tokens_certificate_and_signs_what_it_showed() -> None:
    shown: list[sign_agent.Request] = []

    def approve(request: sign_agent.Request) -> bool:
        shown.append(request)
        return True

    to_sign = b"signed attributes of the pact"
    with running(approve) as port:
        status, body = _call(port, "/certificate")
        assert status == 200
        cert = x509.load_pem_x509_certificate(body["certificate"].encode())
        assert cert == token().cert
        status, body = _call(
            port,
            "/sign",
            {
                "to_sign": base64.b64encode(to_sign).decode(),
                "document": "Giao ước thi đua 2026",
                "signer": "Trần Thị Bình",
            },
        )
    assert status == 200
    assert [(r.document, r.digest) for r in shown] == [
        ("Giao ước thi đua 2026", hashlib.sha256(to_sign).hexdigest())
    ]
    raw = base64.b64decode(body["signature"])
    public = cert.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    der = external.signature_der(public, to_sign, raw)  # r‖s from the token, checked here
    public.verify(der, to_sign, ec.ECDSA(hashes.SHA256()))


def test_agent__answers_no_other_page_or_host_and_a_declined_request_signs_nothing() -> None:
    payload = {"to_sign": base64.b64encode(b"x").decode(), "document": "d", "signer": "s"}
    with running(lambda _request: False) as port:
        assert _call(port, "/certificate", origin="https://evil.example")[0] == 403
        assert _call(port, "/sign", payload, origin="https://evil.example")[0] == 403
        assert _call(port, "/certificate", host=f"evil.example:{port}")[0] == 403
        status, body = _call(port, "/sign", payload)
        assert status == 403 and "declined" in body["error"]
        assert _call(port, "/sign", {"to_sign": "not base64!"})[0] == 400


def test_agent__a_wrong_pin_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    found = token()
    args = [
        "--module",
        found.module,
        "--token",
        found.label,
        "--key",
        found.key_label,
        "--origin",
        ORIGIN,
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(sign_agent.PIN_ENV, "000000")
        assert sign_agent.main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("wflow-sign-agent: the token cannot be used") and err.count("\n") == 1

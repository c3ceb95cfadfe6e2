"""wflow's signing agent: the signer's token signs for the wflow page, through PKCS#11.

It runs on the signer's own computer, as the Vietnamese CAs' signing plugins do, and listens on
127.0.0.1 only. It answers the wflow installation named by --origin and no other page: it gives
the token's certificate, and signs what the page asks after showing what it is (the document,
the signer and the SHA-256 digest) and, unless --yes, asking the person at the console. The
private key never leaves the token; nothing is stored.

    wflow-sign-agent --module /usr/lib/softhsm/libsofthsm2.so --token "Token" \\
        --key "Nguyen Van An" --origin https://thidua.example.gov.vn
"""

from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import json
import os
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

DEFAULT_PORT = 8765
BODY_MAX = 64 * 1024  # a request to sign carries a few hundred bytes
PIN_ENV = "WFLOW_AGENT_PIN"
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")  # PKCS#1 v1.5


class AgentError(RuntimeError):
    """The token cannot be used: no such token, key or certificate, or a wrong PIN."""


@dataclass(frozen=True)
class Request:
    """What the page asks to sign, as the person is shown it."""

    document: str
    signer: str
    data: bytes

    @property
    def digest(self) -> str:
        """Return the SHA-256 of the bytes to sign, in hexadecimal."""
        return hashlib.sha256(self.data).hexdigest()


class TokenKey:
    """A private key on a PKCS#11 token, and its certificate (from the token or a file)."""

    def __init__(
        self,
        module: str,
        token: str,
        key: str,
        pin: str,
        certificates: Sequence[x509.Certificate] = (),
    ) -> None:
        """Open a session on the token and find the key labelled `key` (and its certificate)."""
        import pkcs11
        from pkcs11 import Attribute, ObjectClass

        try:
            found = pkcs11.lib(module).get_token(token_label=token)
            self._session = found.open(user_pin=pin)
            self._key: Any = self._session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=key)
        except (pkcs11.PKCS11Error, RuntimeError) as exc:
            raise AgentError(f"the token cannot be used: {type(exc).__name__} {exc}") from None
        self._ec = self._key.key_type == pkcs11.KeyType.EC
        self._lock = threading.Lock()
        if certificates:
            self.certificates = list(certificates)
            return
        query = {Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.LABEL: key}
        certs = [x509.load_der_x509_certificate(c[Attribute.VALUE])
                 for c in self._session.get_objects(query)]  # fmt: skip
        if not certs:
            raise AgentError(f"no certificate labelled {key!r} on the token: give --certificate")
        self.certificates = certs

    def sign(self, data: bytes) -> bytes:
        """Return the token's signature of SHA-256(`data`): ECDSA as r‖s, RSA PKCS#1 v1.5."""
        from pkcs11 import Mechanism

        digest = hashlib.sha256(data).digest()
        with self._lock:  # a PKCS#11 session is not shared between threads
            if self._ec:
                return bytes(self._key.sign(digest, mechanism=Mechanism.ECDSA))
            return bytes(self._key.sign(SHA256_DIGEST_INFO + digest, mechanism=Mechanism.RSA_PKCS))

    def close(self) -> None:
        """Close the session on the token."""
        self._session.close()


Approve = Callable[[Request], bool]


def ask_console(request: Request) -> bool:
    """Show what is to be signed and ask the person at the console."""
    print(f"\nSign «{request.document}» as {request.signer}?\n  SHA-256 {request.digest}")
    return input("Sign? [y/N] ").strip().lower() in ("y", "yes", "c", "có")


def approve_all(request: Request) -> bool:
    """Sign without asking, saying what was signed (for unattended use)."""
    print(f"signing «{request.document}» as {request.signer}: SHA-256 {request.digest}")
    return True


def make_server(key: TokenKey, origin: str, approve: Approve, port: int = DEFAULT_PORT) -> Any:
    """Return the agent's HTTP server on 127.0.0.1:`port`, answering the page of `origin`."""
    approvals = threading.Lock()  # one question at a time at the console

    class Handler(BaseHTTPRequestHandler):
        server_version = "wflow-sign-agent"

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the console for the questions."""

        def _answer(self, status: int, body: dict[str, Any] | None = None) -> None:
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Vary", "Origin")
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _allowed(self) -> bool:
            host = self.headers.get("Host", "")
            bound = self.server.server_address[1]  # type: ignore[index]  # an (address, port)
            if host not in (f"127.0.0.1:{bound}", f"localhost:{bound}"):
                self._answer(403, {"error": "unknown host"})  # DNS rebinding
                return False
            if self.headers.get("Origin") != origin:
                self._answer(403, {"error": f"this agent answers {origin} only"})
                return False
            return True

        def do_OPTIONS(self) -> None:
            """Answer the browser's preflight for the wflow page only."""
            if not self._allowed():
                return
            self.send_response(204)
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Access-Control-Allow-Methods", "GET, POST")
            self.send_header("Access-Control-Allow-Headers", "Content-Type")
            self.send_header("Access-Control-Allow-Private-Network", "true")
            self.send_header("Access-Control-Max-Age", "600")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            """Give the token's certificate and its issuers (PEM)."""
            if not self._allowed():
                return
            if self.path != "/certificate":
                self._answer(404, {"error": "not found"})
                return
            pems = [c.public_bytes(serialization.Encoding.PEM).decode() for c in key.certificates]
            self._answer(200, {"certificate": pems[0], "chain": pems[1:]})

        def do_POST(self) -> None:
            """Sign what the page asks, once the person agreed."""
            if not self._allowed():
                return
            if self.path != "/sign":
                self._answer(404, {"error": "not found"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if not 0 < length <= BODY_MAX:
                self._answer(413, {"error": "the request is too large"})
                return
            try:
                body = json.loads(self.rfile.read(length))
                request = Request(str(body.get("document", ""))[:300],
                                  str(body.get("signer", ""))[:200],
                                  base64.b64decode(body["to_sign"], validate=True))  # fmt: skip
            except (ValueError, KeyError, TypeError, AttributeError):
                self._answer(400, {"error": "the request to sign is damaged"})
                return
            with approvals:
                agreed = approve(request)
            if not agreed:
                self._answer(403, {"error": "the signer declined at the signing agent"})
                return
            signature = key.sign(request.data)
            self._answer(200, {"signature": base64.b64encode(signature).decode()})

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the agent until interrupted."""
    parser = argparse.ArgumentParser(prog="wflow-sign-agent", description=__doc__.split("\n")[0])
    parser.add_argument("--module", required=True, help="the token's PKCS#11 library (.so)")
    parser.add_argument("--token", required=True, help="the token's label")
    parser.add_argument("--key", required=True, help="the label of the signing key")
    parser.add_argument("--origin", required=True, help="the wflow address, e.g. https://…")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--certificate", help="PEM file: the key's certificate, then issuers")
    parser.add_argument("--yes", action="store_true", help="sign without asking (still shown)")
    args = parser.parse_args(argv)
    pin = os.environ.get(PIN_ENV) or getpass.getpass("PIN of the token: ")
    certs: list[x509.Certificate] = []
    try:
        if args.certificate:
            with open(args.certificate, "rb") as handle:
                certs = x509.load_pem_x509_certificates(handle.read())
        key = TokenKey(args.module, args.token, args.key, pin, certs)
    except (AgentError, OSError, ValueError) as exc:
        print(f"wflow-sign-agent: {exc}", file=sys.stderr)
        return 1
    server = make_server(key, args.origin.rstrip("/"), approve_all if args.yes else ask_console,
                         args.port)  # fmt: skip
    print(f"wflow-sign-agent: signing for {args.origin} on http://127.0.0.1:{args.port}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        key.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The public verification page and the unit certificates page."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from tests.conftest import csrf_token, present, sign_in, submit
from tests.documents.conftest import sign_all
from tests.documents.helpers import foreign_ca, issued_by, p12, pem, self_signed
from wflow.documents.pki import KEK_ENV, KeyStore
from wflow.signatures import keys, trust
from wflow.signatures.models import UnitCertificate


@pytest.fixture(autouse=True)
def _no_env_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEK_ENV, raising=False)


@pytest.fixture
def certified(app: Flask, session: Session, world: dict[str, Any]) -> dict[str, Any]:
    """The world with a certificate for every unit."""
    keys.ensure_unit_certificates(session, store=KeyStore(app.instance_path))
    return world


def _post_file(client: FlaskClient, url: str, data: bytes, name: str, **fields: str) -> Any:
    token = csrf_token(client, "/verify" if url == "/verify" else url.rsplit("/", 1)[0])
    form = {"csrf_token": token, "file": (BytesIO(data), name), **fields}
    return client.post(url, data=form, content_type="multipart/form-data")


def _rows(session: Session) -> list[tuple[int | None, Any]]:
    session.expire_all()
    return [(r.id, r.revoked_at) for r in session.exec(select(UnitCertificate)).all()]


def test_documents__verify_is_public_and_reports_each_signature(
    app: Flask, session: Session, client: FlaskClient, make_unit: Any, make_user: Any
) -> None:
    store = KeyStore(app.instance_path)
    units = [make_unit("MTTQ", "Ủy ban MTTQ tỉnh"), make_unit("TDOAN"), make_unit("HND")]
    heads = [make_user(f"{u.code.lower()}.head", u) for u in units]
    keys.ensure_unit_certificates(session, store=store)
    trio = {"units": units, "heads": heads}
    signed = sign_all(app, session, store, trio)[-1]

    submit(client, "/locale", {"locale": "en", "next": "/verify"}, page="/verify")
    page = client.get("/verify")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.get_data(True)
    result = _post_file(client, "/verify", signed, "pact.pdf")
    html = result.get_data(as_text=True)
    assert result.status_code == 200, html
    assert "All 3 signatures are intact, trusted and registered." in html
    assert html.count('<th scope="row">') == 3 and "Ủy ban MTTQ tỉnh (MTTQ)" in html


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        (b"\x89PNG\r\n\x1a\n not a pdf", 422, "not a PDF file"),
        (b"%PDF-1.7\n" + b"1 0 obj\n<</Length 1>>\nstream\n", 422, "cannot be read"),
    ],
)
def test_documents__verify_refuses_bad_files(
    client: FlaskClient, data: bytes, status: int, words: str
) -> None:
    result = _post_file(client, "/verify", data, "x.pdf")
    assert result.status_code == status
    assert words in result.get_data(as_text=True)


def test_documents__verify_refuses_a_pdf_bomb(client: FlaskClient) -> None:
    from tests.documents.test_verify import _bomb

    result = _post_file(client, "/verify", _bomb(130 << 20), "bomb.pdf")
    assert result.status_code == 422
    assert "PDF bomb" in result.get_data(as_text=True)


def test_documents__verify_refuses_an_oversized_body(app: Flask, client: FlaskClient) -> None:
    app.config["VERIFY_MAX_BYTES"] = 4096
    submit(client, "/locale", {"locale": "en", "next": "/verify"}, page="/verify")
    result = _post_file(client, "/verify", b"%PDF-1.7\n" + b" " * 8192, "big.pdf")
    assert result.status_code == 413
    assert "larger than" in result.get_data(as_text=True)


def test_documents__a_body_over_max_content_length_is_413(app: Flask, client: FlaskClient) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    result = _post_file(client, "/verify", b"%PDF-1.7\n" + b" " * 20_000, "huge.pdf")
    assert result.status_code == 413


def test_documents__verify_needs_the_csrf_token(client: FlaskClient) -> None:
    data = {"file": (BytesIO(b"%PDF-1.7"), "x.pdf")}
    result = client.post("/verify", data=data, content_type="multipart/form-data")
    assert result.status_code == 400


def test_documents__certificates_page_shows_fingerprints(
    client: FlaskClient, session: Session, certified: dict[str, Any]
) -> None:
    a1 = certified["units"]["a1"]
    cert = keys.usable_certificate(session, a1.id)
    assert cert is not None
    sign_in(client, "council")
    html = client.get(f"/units/{a1.id}/certificates").get_data(as_text=True)
    assert cert.fingerprint[:2].upper() + ":" in html and "SHA-256" in html
    assert "PKCS#12" not in html.split("</table>")[1]  # no upload form for the committee
    assert "Revoke" not in html.split("</table>")[1]


def test_documents__the_head_uploads_a_pkcs12(
    client: FlaskClient, session: Session, certified: dict[str, Any]
) -> None:
    a1 = certified["units"]["a1"]
    url = f"/units/{a1.id}/certificates/import"
    ca = foreign_ca()
    trust.add_root(session, "CA nước ngoài", pem(ca[1]), keys.key_store(session))
    key, cert = issued_by(ca, "A1 own")
    sign_in(client, "a1.head")
    assert "Upload" in client.get(f"/units/{a1.id}/certificates").get_data(as_text=True)
    before = _rows(session)
    bad = _post_file(client, url, p12(key, cert, "pw", [ca[1]]), "own.p12", password="wrong")
    assert bad.status_code == 422 and "password is wrong" in bad.get_data(as_text=True)
    assert _rows(session) == before
    good = _post_file(client, url, p12(key, cert, "pw", [ca[1]]), "own.p12", password="pw")
    assert good.status_code == 302
    assert len(_rows(session)) == len(before) + 1
    row = present(keys.usable_certificate(session, a1.id), "A1's certificate")
    assert row.source == "uploaded" and row.holder_user_id is not None  # the head's own
    listed = client.get(f"/units/{a1.id}/certificates").get_data(as_text=True)
    assert "A1.Head" in listed.split("</table>")[0]  # the page names the holder


@pytest.mark.parametrize("login", ["a1.staff", "a2.head", "admin"])
def test_documents__only_the_head_uploads(
    client: FlaskClient, session: Session, certified: dict[str, Any], login: str
) -> None:
    a1 = certified["units"]["a1"]
    key, cert = self_signed("A1 own")
    sign_in(client, login)
    before = _rows(session)
    token = csrf_token(client, "/verify")
    form = {"csrf_token": token, "file": (BytesIO(p12(key, cert, "pw")), "x.p12"), "password": "pw"}
    result = client.post(
        f"/units/{a1.id}/certificates/import", data=form, content_type="multipart/form-data"
    )
    assert result.status_code == 403
    assert _rows(session) == before


def test_documents__admins_revoke_with_a_reason(
    client: FlaskClient, session: Session, certified: dict[str, Any]
) -> None:
    a1, b1 = certified["units"]["a1"], certified["units"]["b1"]
    cert = keys.usable_certificate(session, a1.id)
    assert cert is not None
    url = f"/units/{a1.id}/certificates/revoke"
    sign_in(client, "a1.head")
    token = csrf_token(client, f"/units/{a1.id}/certificates")
    assert (
        client.post(url, data={"csrf_token": token, "cert_id": cert.id, "reason": "x"}).status_code
        == 403
    )
    client.post("/logout", data={"csrf_token": token})
    sign_in(client, "admin")
    token = csrf_token(client, f"/units/{a1.id}/certificates")
    before = _rows(session)
    empty = client.post(url, data={"csrf_token": token, "cert_id": cert.id, "reason": " "})
    assert empty.status_code == 422 and _rows(session) == before
    other = present(keys.usable_certificate(session, b1.id), "B1's certificate")
    wrong_unit = client.post(url, data={"csrf_token": token, "cert_id": other.id, "reason": "x"})
    assert wrong_unit.status_code == 404 and _rows(session) == before
    done = client.post(url, data={"csrf_token": token, "cert_id": cert.id, "reason": "Lộ khóa"})
    assert done.status_code == 302
    session.expire_all()
    revoked = present(session.get(UnitCertificate, cert.id), "the revoked certificate")
    assert revoked.revoked_reason == "Lộ khóa"
    html = client.get(f"/units/{a1.id}/certificates").get_data(as_text=True)
    assert "Lộ khóa" in html and "no valid certificate yet" in html

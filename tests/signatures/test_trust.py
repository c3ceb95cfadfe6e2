"""The trust store: roots added and removed by administrators (page and CLI), and their effect."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import Session, col, select

from tests.conftest import csrf_token, sign_in
from tests.documents.helpers import BOXES, blank_pdf, foreign_ca, issued_by, pem, self_signed
from wflow.documents import signing
from wflow.documents.pki import KEK_ENV, KeyStore
from wflow.signatures import keys
from wflow.signatures.models import TrustRoot


@pytest.fixture(autouse=True)
def _no_env_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEK_ENV, raising=False)


@pytest.fixture
def certified(app: Flask, session: Session, world: dict[str, Any]) -> dict[str, Any]:
    """The world with the instance CA and a certificate for every unit."""
    keys.ensure_unit_certificates(session, store=KeyStore(app.instance_path))
    return world


def _add(client: FlaskClient, name: str, data: bytes, token: str | None = None) -> Any:
    form = {"csrf_token": token or csrf_token(client, "/admin/trust"), "name": name,
            "file": (BytesIO(data), "root.pem")}  # fmt: skip
    return client.post("/admin/trust/add", data=form, content_type="multipart/form-data")


def _rows(session: Session) -> list[TrustRoot]:
    session.expire_all()
    return list(session.exec(select(TrustRoot).order_by(col(TrustRoot.id))).all())


def _signed_under(ca: Any, name: str) -> bytes:
    key, cert = issued_by(ca, name)
    return signing.sign_pdf(blank_pdf(), key=key, cert=cert, chain=[ca[1]], field="f",
                            box=BOXES[0], page=0,
                            stamp=signing.Stamp(name, name, datetime.now(UTC)))  # fmt: skip


def test_trust__an_administrator_adds_lists_and_removes_a_root(
    app: Flask, client: FlaskClient, session: Session, certified: dict[str, Any]
) -> None:
    vgca = foreign_ca("Ban Cơ yếu Chính phủ (thử nghiệm)")
    stranger = foreign_ca("Một CA lạ")
    signed_vgca, signed_stranger = _signed_under(vgca, "Sở Nội vụ"), _signed_under(stranger, "X")
    with app.app_context():
        before = keys.verify_document(session, signed_vgca)
    assert not before[0].check.trusted

    sign_in(client, "admin")
    page = client.get("/admin/trust").get_data(as_text=True)
    assert "wflow internal certificate authority" in page
    added = _add(client, "VGCA", pem(vgca[1]))
    assert added.status_code == 302
    page = client.get("/admin/trust").get_data(as_text=True)
    assert "VGCA" in page and "Ban Cơ yếu Chính phủ" in page
    (row,) = _rows(session)
    assert row.added_by_id == certified["users"]["admin"].id and row.removed_at is None
    with app.app_context():
        (trusted,) = keys.verify_document(session, signed_vgca)
        (untrusted,) = keys.verify_document(session, signed_stranger)
    assert trusted.check.intact and trusted.check.trusted and trusted.trusted
    assert untrusted.check.intact and not untrusted.trusted

    url = "/admin/trust/remove"
    token = csrf_token(client, "/admin/trust")
    empty = client.post(url, data={"csrf_token": token, "root_id": row.id, "reason": " "})
    assert empty.status_code == 422 and _rows(session)[0].removed_at is None
    gone = client.post(url, data={"csrf_token": token, "root_id": row.id,
                                  "reason": "Chứng thư gốc đã hết hạn sử dụng"})  # fmt: skip
    assert gone.status_code == 302
    (row,) = _rows(session)
    assert row.removed_at is not None and row.removed_by_id == certified["users"]["admin"].id
    assert row.removed_reason == "Chứng thư gốc đã hết hạn sử dụng"
    page = client.get("/admin/trust").get_data(as_text=True)
    removed = page.split("Removed roots")[1]
    assert "VGCA" in removed and "Chứng thư gốc đã hết hạn" in removed
    assert certified["users"]["admin"].display_name in removed
    with app.app_context():
        (after,) = keys.verify_document(session, signed_vgca)
    assert not after.trusted
    again = client.post(url, data={"csrf_token": token, "root_id": row.id, "reason": "x"})
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"not a certificate", "not a PEM certificate"),
        (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "not a PEM"),
        ("\u00e9".encode() * 10, "not a PEM certificate"),
        (b"", "required"),
    ],
)
def test_trust__a_bad_pem_is_refused_with_the_reason(
    client: FlaskClient, session: Session, certified: dict[str, Any], data: bytes, words: str
) -> None:
    sign_in(client, "admin")
    answer = _add(client, "Hỏng", data)
    assert answer.status_code == 422 and words in answer.get_data(as_text=True)
    assert _rows(session) == []


def test_trust__an_end_entity_or_a_duplicate_is_refused(
    app: Flask, client: FlaskClient, session: Session, certified: dict[str, Any]
) -> None:
    sign_in(client, "admin")
    _key, leaf = self_signed("Không phải CA")
    answer = _add(client, "Lá", pem(leaf))
    assert answer.status_code == 422 and "not a certificate authority" in answer.get_data(True)
    two = foreign_ca()[1]
    both = _add(client, "Hai", pem(two) + pem(foreign_ca()[1]))
    assert both.status_code == 422 and "exactly one certificate" in both.get_data(as_text=True)
    assert _add(client, "CA", pem(two)).status_code == 302
    same = _add(client, "CA khác tên", pem(two))
    assert same.status_code == 409 and "already trusted" in same.get_data(as_text=True)
    own = _add(client, "Chính mình", KeyStore(app.instance_path).ca_cert_path.read_bytes())
    assert own.status_code == 409
    assert len(_rows(session)) == 1


@pytest.mark.parametrize("login", ["a1.head", "a1.staff", "council"])
def test_trust__only_administrators(
    client: FlaskClient, session: Session, certified: dict[str, Any], login: str
) -> None:
    sign_in(client, login)
    assert client.get("/admin/trust").status_code == 403
    token = csrf_token(client, "/verify")
    assert _add(client, "X", pem(foreign_ca()[1]), token).status_code == 403
    assert _rows(session) == []


def test_trust__csrf_is_required(
    client: FlaskClient, session: Session, certified: dict[str, Any]
) -> None:
    sign_in(client, "admin")
    form = {"name": "X", "file": (BytesIO(pem(foreign_ca()[1])), "root.pem")}
    answer = client.post("/admin/trust/add", data=form, content_type="multipart/form-data")
    assert answer.status_code == 400 and _rows(session) == []


def test_trust__cli_add_list_remove(
    runner: FlaskCliRunner, session: Session, certified: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "root.pem"
    path.write_bytes(pem(foreign_ca("VNPT-CA (thử nghiệm)")[1]))
    added = runner.invoke(args=["trust", "add", str(path), "--name", "VNPT-CA"])
    assert added.exit_code == 0, added.output
    listed = runner.invoke(args=["trust", "list"])
    assert "VNPT-CA" in listed.output and "the instance's own CA" in listed.output
    bad = tmp_path / "bad.pem"
    bad.write_bytes(b"nope")
    refused = runner.invoke(args=["trust", "add", str(bad), "--name", "Bad"])
    assert refused.exit_code == 1 and "not a PEM certificate" in refused.output
    unknown = runner.invoke(args=["trust", "remove", "Nobody", "--reason", "x"])
    assert unknown.exit_code == 1
    removed = runner.invoke(args=["trust", "remove", "vnpt-ca", "--reason", "thay gốc mới"])
    assert removed.exit_code == 0, removed.output
    (row,) = _rows(session)
    assert row.removed_at and row.removed_by_id is None and row.removed_reason == "thay gốc mới"
    assert "removed" in runner.invoke(args=["trust", "list"]).output

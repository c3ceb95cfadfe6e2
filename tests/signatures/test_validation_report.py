"""The validation report PDF of /verify: one section per signature, nothing stored."""

from __future__ import annotations

import hashlib
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.conftest import csrf_token
from tests.documents.conftest import sign_all
from tests.documents.helpers import append_unsigned_update
from tests.pdftext import pdf_text
from wflow.documents.pki import KEK_ENV, KeyStore
from wflow.signatures import keys


@pytest.fixture(autouse=True)
def _no_env_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEK_ENV, raising=False)


def _report(client: FlaskClient, data: bytes, name: str = "giao-uoc.pdf") -> Any:
    form = {"csrf_token": csrf_token(client, "/verify"), "file": (BytesIO(data), name),
            "format": "pdf"}  # fmt: skip
    return client.post("/verify", data=form, content_type="multipart/form-data")


def _files(folder: str) -> set[Path]:
    return {p for p in Path(folder).rglob("*") if p.is_file()}


def test_verify__report_pdf_lists_each_signature(
    app: Flask, session: Session, client: FlaskClient, make_unit: Any, make_user: Any
) -> None:
    store = KeyStore(app.instance_path)
    units = [make_unit("MTTQ", "Ủy ban MTTQ tỉnh"), make_unit("TDOAN"), make_unit("HND")]
    heads = [make_user(f"{u.code.lower()}.head", u) for u in units]
    keys.ensure_unit_certificates(session, store=store)
    signed = sign_all(app, session, store, {"units": units, "heads": heads})[-1]
    before = _files(app.instance_path)

    result = _report(client, signed)
    assert result.status_code == 200, result.get_data(as_text=True)[:500]
    assert result.mimetype == "application/pdf"
    assert 'filename="validation-giao-uoc.pdf"' in result.headers["Content-Disposition"]
    text = pdf_text(result.data)
    assert "BÁO CÁO KIỂM TRA CHỮ KÝ SỐ" in text and "giao-uoc.pdf" in text
    assert hashlib.sha256(signed).hexdigest() in text.replace(" ", ""), text
    for i in (1, 2, 3):
        assert f"Chữ ký {i}" in text
    for label in ("Người ký", "Tư cách, lý do ký", "Nguồn thời gian", "Nguồn tin cậy gốc",
                  "Tình trạng thu hồi", "Phạm vi ký"):  # fmt: skip
        assert text.count(label) == 3, label
    assert "Ủy ban MTTQ tỉnh (MTTQ)" in text
    assert text.count("Hợp lệ") == 3 and "Không hợp lệ" not in text
    assert "Tất cả 3 chữ ký" in text
    assert text.count("Chưa bị thu hồi") == 3
    assert "Toàn bộ tài liệu" in text  # the last signature covers the whole file
    assert "các phiên bản sau chỉ thêm chữ ký" in text  # the earlier ones, then signatures
    assert "Không thuộc nguồn tin cậy" not in text  # each names the instance's root
    assert _files(app.instance_path) == before  # the upload is not stored


def test_verify__report_names_an_untrusted_signature(
    app: Flask, session: Session, client: FlaskClient, make_unit: Any, make_user: Any
) -> None:
    store = KeyStore(app.instance_path)
    units = [make_unit("MTTQ"), make_unit("TDOAN")]
    heads = [make_user(f"{u.code.lower()}.head", u) for u in units]
    keys.ensure_unit_certificates(session, store=store)
    signed = sign_all(app, session, store, {"units": units, "heads": heads})[-1]
    text = pdf_text(_report(client, append_unsigned_update(signed)).data)
    assert "Chữ ký 2" in text and text.count("Không hợp lệ") == 2
    assert text.count("tài liệu bị sửa đổi sau khi ký") == 2 and "2/2 chữ ký không đạt" in text


@pytest.mark.parametrize(
    ("data", "words"),
    [(b"\x89PNG\r\n\x1a\n not a pdf", "not a PDF file"),
     (b"%PDF-1.7\n1 0 obj\n<</Length 1>>\nstream\n", "cannot be read")],
)  # fmt: skip
def test_verify__report_of_a_bad_file_is_refused_with_the_reason(
    client: FlaskClient, data: bytes, words: str
) -> None:
    result = _report(client, data, "x.pdf")
    assert result.status_code == 422 and result.mimetype == "text/html"
    assert words in result.get_data(as_text=True)


def test_verify__report_without_a_file_is_refused(client: FlaskClient) -> None:
    form = {"csrf_token": csrf_token(client, "/verify"), "format": "pdf"}
    result = client.post("/verify", data=form, content_type="multipart/form-data")
    assert result.status_code == 422 and result.mimetype == "text/html"

"""Fixtures for keys, signing and verification: a key store, three signing units."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session

from tests.documents.helpers import BOXES, blank_pdf
from wflow.documents.pki import KEK_ENV, KeyStore
from wflow.org.models import Role, Unit, User
from wflow.signatures import keys


@pytest.fixture(autouse=True)
def _no_env_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEK_ENV, raising=False)


@pytest.fixture
def store(app: Flask) -> KeyStore:
    """The app's key store (instance/keys/kek, instance/ca)."""
    return KeyStore(app.instance_path)


@pytest.fixture
def trio(
    app: Flask,
    session: Session,
    store: KeyStore,
    make_unit: Callable[..., Unit],
    make_user: Callable[..., User],
) -> dict[str, Any]:
    """Three units with Vietnamese names, a head each (and a staff member of the first)."""
    names = [
        ("MTTQ", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Hà Tĩnh"),
        ("TDOAN", "Tỉnh Đoàn Hà Tĩnh"),
        ("AGRHT", "Ngân hàng Nông nghiệp và Phát triển Nông thôn chi nhánh Hà Tĩnh"),
    ]
    units = [make_unit(code, name) for code, name in names]
    heads = [
        make_user(f"{code.lower()}.head", unit)
        for (code, _), unit in zip(names, units, strict=True)
    ]
    staff = make_user("mttq.staff", units[0], roles=(Role.UNIT_STAFF.value,))
    keys.ensure_unit_certificates(session, store=store)
    return {"units": units, "heads": heads, "staff": staff}


def sign_all(app: Flask, session: Session, store: KeyStore, trio: dict[str, Any]) -> list[bytes]:
    """Have the three heads sign the same PDF in turn; return every version (unsigned first)."""
    from tests.conftest import PASSWORD

    versions = [blank_pdf()]
    with app.app_context():
        for i, (unit, head) in enumerate(zip(trio["units"], trio["heads"], strict=True)):
            versions.append(
                keys.sign_as_unit(
                    session,
                    head,
                    PASSWORD,
                    versions[-1],
                    f"sig_{unit.code}",
                    BOXES[i],
                    unit=unit,
                    page=0,
                    store=store,
                )
            )
    return versions


@pytest.fixture
def signed(app: Flask, session: Session, store: KeyStore, trio: dict[str, Any]) -> list[bytes]:
    """The PDF before and after each of the three signatures."""
    return sign_all(app, session, store, trio)

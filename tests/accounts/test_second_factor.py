"""Two-step sign-in as a person meets it: set up on the account page, asked at sign-in."""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from typing import Any

import pyotp
import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from tests.accounts.conftest import Clock
from tests.conftest import PASSWORD, sign_in, submit
from wflow.accounts.models import SecondFactor
from wflow.accounts.service import confirm_signer
from wflow.core.errors import WrongPassword
from wflow.org.models import User

KEY_RE = re.compile(r'id="key" type="text" readonly value="([A-Z2-7]+)"')


def _code(secret: str, clock: Clock, steps: int = 0) -> str:
    moment = clock.now.replace(tzinfo=UTC) + timedelta(seconds=30 * steps)
    return pyotp.TOTP(secret).at(moment)


def _turn_on(client: FlaskClient, clock: Clock) -> str:
    """Set up the app from the account page; return its secret."""
    assert "Two-step sign-in is off." in client.get("/account/two-step").get_data(as_text=True)
    begun = submit(client, "/account/two-step/begin", {}, page="/account/two-step")
    assert begun.status_code == 303
    page = client.get("/account/two-step").get_data(as_text=True)
    found = KEY_RE.search(page)
    assert found is not None and "<svg" in page  # the key as text and as a QR code
    secret = found.group(1)
    wrong = submit(client, "/account/two-step/confirm", {"code": "000000"},
                   page="/account/two-step")  # fmt: skip
    assert wrong.status_code == 422 and "not the one the app shows" in wrong.get_data(as_text=True)
    right = submit(client, "/account/two-step/confirm", {"code": _code(secret, clock)},
                   page="/account/two-step")  # fmt: skip
    assert right.status_code == 303
    return secret


def test_two_step__set_up_then_asked_at_sign_in(
    client: FlaskClient, world: dict[str, Any], session: Session, clock: Clock
) -> None:
    sign_in(client, "a1.head")
    secret = _turn_on(client, clock)
    row = session.exec(select(SecondFactor)).one()
    assert row.enabled_at is not None and secret not in row.secret_sealed  # sealed at rest
    fresh = client.application.test_client()
    password_ok = sign_in(fresh, "a1.head")
    assert password_ok.status_code == 302 and password_ok.location.endswith("/login/code")
    assert fresh.get("/tasks").status_code == 302  # not signed in until the code
    clock.advance(timedelta(seconds=60))
    wrong = submit(fresh, "/login/code", {"code": "123456"})
    assert wrong.status_code == 401  # a fresh browser speaks Vietnamese, the default
    assert "Mã sai hoặc đã được dùng" in wrong.get_data(as_text=True)
    right = submit(fresh, "/login/code", {"code": _code(secret, clock)})
    assert right.status_code == 302 and fresh.get("/tasks").status_code == 200
    again = client.application.test_client()
    sign_in(again, "a1.head")
    reused = submit(again, "/login/code", {"code": _code(secret, clock)})
    assert reused.status_code == 401  # a code works once
    assert again.get("/tasks").status_code == 302


def test_two_step__signing_asks_for_the_code(
    client: FlaskClient, world: dict[str, Any], session: Session, clock: Clock
) -> None:
    sign_in(client, "a1.head")
    secret = _turn_on(client, clock)
    head = session.exec(select(User).where(User.login == "a1.head")).one()
    with pytest.raises(WrongPassword) as missing:
        confirm_signer(session, head, PASSWORD)
    assert missing.value.field == "code"
    with pytest.raises(WrongPassword) as wrong:
        confirm_signer(session, head, PASSWORD, code="999999")
    assert wrong.value.field == "code"
    clock.advance(timedelta(seconds=30))
    confirm_signer(session, head, PASSWORD, code=_code(secret, clock))  # passes
    session.commit()
    with pytest.raises(WrongPassword):  # the same code a second time
        confirm_signer(session, head, PASSWORD, code=_code(secret, clock))


def test_two_step__turning_off_needs_the_password_and_a_code(
    client: FlaskClient, world: dict[str, Any], session: Session, clock: Clock
) -> None:
    sign_in(client, "a1.head")
    secret = _turn_on(client, clock)
    clock.advance(timedelta(seconds=30))
    url = "/account/two-step/off"
    bad = submit(client, url, {"password": "not it", "code": _code(secret, clock)},
                 page="/account/two-step")  # fmt: skip
    assert bad.status_code == 422 and "password is wrong" in bad.get_data(as_text=True)
    assert session.exec(select(SecondFactor)).first() is not None
    off = submit(client, url, {"password": PASSWORD, "code": _code(secret, clock, 1)},
                 page="/account/two-step")  # fmt: skip
    assert off.status_code == 303
    session.expire_all()
    assert session.exec(select(SecondFactor)).first() is None
    fresh = client.application.test_client()
    assert sign_in(fresh, "a1.head").location.endswith("/")  # the password alone again


def test_two_step__pages_need_a_session_and_a_token(client: FlaskClient, world: Any) -> None:
    assert client.get("/account/two-step").status_code == 302  # to the sign-in page
    sign_in(client, "a1.head")
    assert client.post("/account/two-step/begin").status_code == 400  # no CSRF token
    assert client.get("/login/code").status_code == 302  # nothing pending: back to sign in


def test_two_step__a_secret_sealed_under_another_key_is_named_and_reset_by_the_cli(
    client: FlaskClient, world: dict[str, Any], session: Session, clock: Clock
) -> None:
    sign_in(client, "a1.head")
    secret = _turn_on(client, clock)
    row = session.exec(select(SecondFactor)).one()
    version, _, body = row.secret_sealed.partition(":")
    row.secret_sealed = f"{version}:{body[:-6]}AAAAA="  # as if sealed under another key secret
    session.add(row)
    session.commit()
    fresh = client.application.test_client()
    sign_in(fresh, "a1.head")
    clock.advance(timedelta(seconds=30))
    refused = submit(fresh, "/login/code", {"code": _code(secret, clock)})
    assert refused.status_code == 403
    assert "reset-two-step" in refused.get_data(as_text=True)
    runner = client.application.test_cli_runner()
    reset = runner.invoke(args=["users", "reset-two-step", "a1.head"])
    assert reset.exit_code == 0, reset.output
    again = runner.invoke(args=["users", "reset-two-step", "a1.head"])
    assert again.exit_code != 0 and "has no two-step sign-in" in again.output
    unknown = runner.invoke(args=["users", "reset-two-step", "nobody"])
    assert unknown.exit_code != 0 and "no user with login" in unknown.output
    assert sign_in(client.application.test_client(), "a1.head").location.endswith("/")

"""Signing in and out, throttling, CSRF, cookies and the language switcher."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlmodel import Session

from tests.accounts.conftest import Clock
from tests.conftest import PASSWORD, csrf_token, present, sign_in, submit
from wflow.accounts.models import LoginThrottle
from wflow.org.models import User


def test_auth__sign_in_shows_home_with_unit_and_blocks(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    response = sign_in(client, "a1.head")
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Khối KA" in page and "Đơn vị thử" in page
    assert "Khối KB" not in page  # not a member of the other block


def test_auth__wrong_password_is_refused_and_counted(
    client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    submit(client, "/locale", {"locale": "en", "next": "/login"}, page="/login")
    response = sign_in(client, "a1.head", "wrong password")
    assert response.status_code == 401
    assert "Wrong login or password." in response.get_data(as_text=True)
    session.expire_all()
    row = session.get(LoginThrottle, ("a1.head", "127.0.0.1"))
    assert row is not None and row.failures == 1 and row.blocked_until is None
    assert client.get("/").status_code == 302  # still signed out
    assert sign_in(client, "a1.head").status_code == 302  # a success forgets the failures
    session.expire_all()
    assert session.get(LoginThrottle, ("a1.head", "127.0.0.1")) is None


def test_auth__unknown_user_gets_the_same_message(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    unknown = sign_in(client, "nobody.here", PASSWORD).get_data(as_text=True)
    client2 = client.application.test_client()
    wrong = sign_in(client2, "a1.head", "not the password").get_data(as_text=True)
    marker = "flash error"
    assert marker in unknown and marker in wrong
    assert unknown.split(marker)[1][:120] == wrong.split(marker)[1][:120]


def _from(client: FlaskClient, address: str) -> FlaskClient:
    other = client.application.test_client()
    other.environ_base["REMOTE_ADDR"] = address
    return other


def test_auth__repeated_failures_make_that_address_wait_longer_each_time(
    client: FlaskClient, world: dict[str, Any], session: Session, clock: Clock
) -> None:
    app = client.application
    free, first = app.config["LOGIN_MAX_FAILURES"], app.config["LOGIN_DELAY_SECONDS"]
    clock.at("2026-03-02T08:00:00")
    for _ in range(free):
        assert sign_in(client, "a1.head", "bad guess 1234").status_code == 401
    refused = sign_in(client, "a1.head", PASSWORD)  # even the right password now waits
    # signed out, the page speaks the default language: "locked here for … more seconds"
    assert refused.status_code == 401 and "tạm khóa tại đây" in refused.get_data(as_text=True)
    assert client.get("/").status_code == 302
    session.expire_all()
    row = session.get(LoginThrottle, ("a1.head", "127.0.0.1"))
    assert row is not None and row.failures == free  # tries while waiting are not counted
    assert row.blocked_until == row.last_failure_at + timedelta(seconds=first)
    clock.advance(timedelta(seconds=first + 1))
    assert sign_in(client, "a1.head", "another guess").status_code == 401
    session.expire_all()
    row = session.get(LoginThrottle, ("a1.head", "127.0.0.1"))
    assert row is not None  # the next failure waits twice as long
    assert row.blocked_until == row.last_failure_at + timedelta(seconds=2 * first)
    clock.advance(timedelta(seconds=2 * first + 1))
    assert sign_in(client, "a1.head").status_code == 302


def test_auth__a_stranger_elsewhere_cannot_lock_an_account_out(
    client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    stranger = _from(client, "203.0.113.66")
    for _ in range(12):  # issue 18: twelve wrong passwords locked the account for everyone
        assert sign_in(stranger, "a1.head", "guessing 123").status_code in (401, 429)
    held = sign_in(stranger, "a1.head", PASSWORD)
    assert held.status_code in (401, 429)  # the stranger's address waits (and is rate-limited)
    assert sign_in(client, "a1.head").status_code == 302  # the owner, from their own address
    assert client.get("/").status_code == 200


def test_auth__fifty_people_behind_one_address_sign_in_within_a_minute(
    client: FlaskClient, world: dict[str, Any], make_unit: Any, make_user: Any
) -> None:
    unit = make_unit("HOP")
    people = [make_user(f"person{n:02d}", unit) for n in range(50)]
    sign_in(client, "person00", "a typo 1234")  # one colleague's typo holds nobody else back
    for person in people:
        office = client.application.test_client()  # every browser in the room, one address
        assert sign_in(office, person.login).status_code == 302, person.login
        assert office.get("/").status_code == 200


def test_auth__post_without_csrf_token_is_refused(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    response = client.post("/login", data={"login": "a1.head", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_auth__logout_needs_post_with_token(client: FlaskClient, world: dict[str, Any]) -> None:
    sign_in(client, "a1.head")
    assert client.get("/logout").status_code == 405
    token = csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_auth__session_is_renewed_on_sign_in(client: FlaskClient, world: dict[str, Any]) -> None:
    client.get("/login")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    sign_in(client, "a1.head")
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess.get("_user_id") == str(world["users"]["a1.head"].id)


def test_auth__cookies_are_http_only_and_lax(client: FlaskClient, world: dict[str, Any]) -> None:
    response = sign_in(client, "a1.head")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_auth__secure_cookie_flag_is_the_default(tmp_path: Any, monkeypatch: Any) -> None:
    from wflow import create_app

    monkeypatch.setenv("WFLOW_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("WFLOW_SECURE_COOKIES", raising=False)
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_auth__next_parameter_cannot_leave_the_site(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    token = csrf_token(client, "/login")
    response = client.post(
        "/login?next=//evil.example/x",
        data={"csrf_token": token, "login": "a1.head", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/"


def test_auth__language_switch_is_remembered_for_the_user(
    client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    sign_in(client, "a1.head")
    response = submit(client, "/locale", {"locale": "fr", "next": "/"}, page="/")
    assert response.status_code == 302
    session.expire_all()
    assert present(session.get(User, world["users"]["a1.head"].id), "the user").locale == "fr"
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="fr">' in page
    other = client.application.test_client()
    sign_in(other, "a1.head")
    assert '<html lang="fr">' in other.get("/").get_data(as_text=True)


def test_auth__unknown_language_is_refused(client: FlaskClient, world: dict[str, Any]) -> None:
    sign_in(client, "a1.head")
    submit(client, "/locale", {"locale": "xx", "next": "/"}, page="/")
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)  # the user's own


def test_auth__vietnamese_is_the_default_language(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="vi">' in page and "Đăng nhập" in page
    for locale, word in (("fr", "Se connecter"), ("hu", "Bejelentkezés"), ("en", "Sign in")):
        submit(client, "/locale", {"locale": locale, "next": "/login"}, page="/login")
        assert word in client.get("/login").get_data(as_text=True)

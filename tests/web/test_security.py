"""Security through HTTP: CSRF, sessions, headers, rate limits, hostile PDFs, health, logs."""

from __future__ import annotations

import json
import logging
import time
import zlib
from collections.abc import Callable
from io import BytesIO
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from tests.conftest import PASSWORD, csrf_token, sign_in, submit
from wflow import create_app
from wflow.accounts import tokens
from wflow.accounts.models import ApiToken
from wflow.plans.models import Plan
from wflow.security import HSTS

MiB = 1 << 20
SLOW = 20.0  # seconds: a hostile file must be answered well before a proxy would time out


def _english(client: FlaskClient, page: str = "/login") -> None:
    submit(client, "/locale", {"locale": "en", "next": page}, page=page)


def _count(session: Session, model: Any) -> int:
    session.expire_all()
    return int(session.exec(select(func.count()).select_from(model)).one())


def _session_cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie is not None else None


@pytest.fixture
def make_token(app: Flask, session: Session, world: dict[str, Any]) -> Callable[[str], str]:
    """Create a personal API token for one of the world's users; return its secret."""

    def make(login: str) -> str:
        with app.app_context():
            _row, secret = tokens.create_token(session, user=world["users"][login], name="t")
        return secret

    return make


def _twin(app: Flask, **config: Any) -> Flask:
    """Return a second app on the same database with `config` on top of the test settings."""
    keys = ("TESTING", "DATABASE_URL", "SECRET_KEY", "SESSION_COOKIE_SECURE",
            "REMEMBER_COOKIE_SECURE", "ARGON2_TIME_COST", "ARGON2_MEMORY_KIB")  # fmt: skip
    return create_app({**{k: app.config[k] for k in keys}, **config})


# --- CSRF --------------------------------------------------------------------------------


def test_security__login_without_csrf_token_is_refused(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    refused = client.post("/login", data={"login": "a1.head", "password": PASSWORD})
    assert refused.status_code == 400
    assert client.get("/").status_code == 302  # still signed out
    forged = client.post("/login", data={"login": "a1.head", "password": PASSWORD,
                                         "csrf_token": "forged-token"})  # fmt: skip
    assert forged.status_code == 400
    assert client.get("/").status_code == 302


def test_security__plan_form_without_csrf_token_changes_nothing(
    client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    from tests.plans.test_views import plan_form

    sign_in(client, "a1.head")
    url = f"/blocks/{world['blocks']['a'].id}/plans/new"
    form = plan_form(world["year"])
    assert client.post(url, data=form).status_code == 400
    other = client.application.test_client()  # a token of another session does not do either
    sign_in(other, "a1.staff")
    stolen = csrf_token(other, url)
    assert client.post(url, data={**form, "csrf_token": stolen}).status_code == 400
    assert _count(session, Plan) == 0
    # with this session's token the same post reaches the form's own checks (303 when they
    # pass, 422 when the form has grown fields since): the token was what was refused
    assert submit(client, url, form).status_code in (303, 422)


def test_security__token_form_without_csrf_token_changes_nothing(
    client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    sign_in(client, "a1.head")
    assert client.post("/account/tokens", data={"name": "script"}).status_code == 400
    assert _count(session, ApiToken) == 0
    assert submit(client, "/account/tokens", {"name": "script"}).status_code == 201
    assert _count(session, ApiToken) == 1


# --- sessions ----------------------------------------------------------------------------


def test_security__signing_in_gives_a_new_session_and_the_old_one_stays_anonymous(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    _english(client)
    before = _session_cookie(client)
    assert before
    assert sign_in(client, "a1.head").status_code == 302
    after = _session_cookie(client)
    assert after and after != before
    attacker = app.test_client()  # the cookie an attacker planted (or saw) before sign-in
    attacker.set_cookie("session", before)
    assert attacker.get("/").status_code == 302
    assert client.get("/").status_code == 200


def test_security__logout_ends_the_session(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    sign_in(client, "a1.head")
    signed_in = _session_cookie(client)
    assert signed_in and client.get("/").status_code == 200
    laptop = app.test_client()  # the same person in another browser
    sign_in(laptop, "a1.head")
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/")}).status_code == 302
    assert client.get("/").status_code == 302
    assert _session_cookie(client) != signed_in
    replay = app.test_client()  # a copy of the cookie taken before sign-out no longer works
    replay.set_cookie("session", signed_in)
    assert replay.get("/").status_code == 302
    assert laptop.get("/").status_code == 302  # signing out ends every session of the user
    assert sign_in(laptop, "a1.head").status_code == 302 and laptop.get("/").status_code == 200


# --- headers -----------------------------------------------------------------------------


def test_security__every_page_sends_the_protective_headers(client: FlaskClient) -> None:
    headers = client.get("/login").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in headers  # plain HTTP: HSTS would be ignored


def test_security__hsts_only_over_tls(client: FlaskClient) -> None:
    secure = client.get("/login", base_url="https://wflow.example")
    assert (
        secure.headers["Strict-Transport-Security"]
        == HSTS
        == ("max-age=31536000; includeSubDomains")
    )
    # without a trusted proxy, anybody could claim HTTPS: the header is ignored
    claimed = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in claimed.headers


def test_security__behind_a_trusted_proxy_its_headers_count(app: Flask) -> None:
    proxied = _twin(app, PROXY_FIX=1, RATELIMIT_LOGIN="1 per minute")

    def behind_proxy(address: str) -> FlaskClient:
        client = proxied.test_client()
        client.environ_base.update({"HTTP_X_FORWARDED_PROTO": "https",
                                    "HTTP_X_FORWARDED_FOR": address,
                                    "HTTP_REFERER": "https://localhost/login"})  # fmt: skip
        return client

    try:
        first = behind_proxy("203.0.113.7")
        assert first.get("/login").headers["Strict-Transport-Security"] == HSTS
        # the client's address is the forwarded one: limits count per real client
        assert [_login_attempt(first) for _ in range(2)] == [401, 429]
        assert _login_attempt(behind_proxy("203.0.113.8")) == 401
    finally:
        proxied.extensions["wflow.db"].dispose()


def test_security__proxy_fix_is_read_from_the_environment(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WFLOW_PROXY_FIX", "1")
    proxied = _twin(app)
    try:
        answer = proxied.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
        assert answer.headers["Strict-Transport-Security"] == HSTS
    finally:
        proxied.extensions["wflow.db"].dispose()


# --- rate limits -------------------------------------------------------------------------


def _login_attempt(client: FlaskClient, login: str = "nobody.here") -> int:
    return int(submit(client, "/login", {"login": login, "password": "wrong guess"}).status_code)


def test_security__the_eleventh_sign_in_in_a_minute_is_refused(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    _english(client)
    statuses = [_login_attempt(client, "a1.head") for _ in range(10)]
    assert statuses == [401] * 10  # each refused (its password, then the throttle's wait)
    refused = submit(client, "/login", {"login": "a1.head", "password": PASSWORD})
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Too many requests" in page and "try again in" in page
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert client.get("/").status_code == 302  # even the right password waits
    assert client.get("/login").status_code == 200  # showing the form is not limited
    # the limit counts one login's tries from one address: a colleague behind the same
    # office address signs in, and so does the same person from elsewhere
    colleague = app.test_client()
    assert sign_in(colleague, "a2.head").status_code == 302
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    assert sign_in(elsewhere, "a1.head").status_code == 302


def test_security__one_address_trying_many_logins_is_limited(
    app: Flask, world: dict[str, Any]
) -> None:
    sprayer = _twin(app, RATELIMIT_LOGIN_ADDRESS="5 per minute")
    try:
        client = sprayer.test_client()
        statuses = [_login_attempt(client, f"guess{n}") for n in range(6)]
        assert statuses == [401] * 5 + [429]
    finally:
        sprayer.extensions["wflow.db"].dispose()


def test_security__the_login_limit_is_configurable(
    app: Flask, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WFLOW_RATELIMIT_LOGIN", "2 per minute")
    strict = _twin(app)
    try:
        client = strict.test_client()
        assert [_login_attempt(client) for _ in range(3)] == [401, 401, 429]
    finally:
        strict.extensions["wflow.db"].dispose()


def test_security__verify_is_limited_on_the_page_and_the_api(
    client: FlaskClient, world: dict[str, Any], make_token: Callable[[str], str]
) -> None:
    _english(client, "/verify")
    for _ in range(20):
        assert _upload(client, b"not a pdf").status_code == 422
    page = _upload(client, b"not a pdf")
    assert page.status_code == 429 and "Too many requests" in page.get_data(as_text=True)

    api = client.application.test_client()
    api.environ_base["REMOTE_ADDR"] = "198.51.100.30"  # its own counter
    token = make_token("a1.head")
    for _ in range(20):
        assert _api_verify(api, token, b"not a pdf").status_code == 422
    refused = _api_verify(api, token, b"not a pdf")
    assert refused.status_code == 429 and refused.mimetype == "application/json"
    error = refused.get_json()["error"]
    assert error["status"] == 429 and error["code"] == "too_many_requests"
    assert "try again in" in error["message"]
    assert int(refused.headers["Retry-After"]) > 0


def test_security__health_is_never_limited(client: FlaskClient) -> None:
    assert {client.get("/healthz").status_code for _ in range(50)} == {200}


# --- hostile uploads ---------------------------------------------------------------------


def _upload(client: FlaskClient, data: bytes) -> Any:
    token = csrf_token(client, "/verify")
    form = {"csrf_token": token, "file": (BytesIO(data), "file.pdf")}
    return client.post("/verify", data=form, content_type="multipart/form-data")


def _api_verify(client: FlaskClient, token: str, data: bytes) -> Any:
    return client.post("/api/v1/verify", data=data, content_type="application/pdf",
                       headers={"Authorization": f"Bearer {token}"})  # fmt: skip


def _zeros(mib: int, layers: int = 1) -> bytes:
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(bytes(MiB)) for _ in range(mib)) + packer.flush()
    for _ in range(layers - 1):
        body = zlib.compress(body, 9)
    return body


def _pdf(*objects: bytes) -> bytes:
    """Return a PDF of `objects` (numbered from 1; 1 the catalog) with a classic xref table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(body: bytes, extra: bytes = b"/Filter/FlateDecode", eol: bytes = b"\n") -> bytes:
    return b"<</Length %d%s>>\nstream%s%s\nendstream" % (len(body), extra, eol, body)


def _xref_stream_pdf(body: bytes, extra: bytes) -> bytes:
    """Return a PDF whose only cross-reference section is the stream `body` (a reader inflates
    it before anything else)."""
    head = (b"%PDF-1.7\n1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n"
            b"2 0 obj\n<</Type/Pages/Kids[]/Count 0>>\nendobj\n")  # fmt: skip
    xref = b"3 0 obj\n" + _stream(body, b"/Type/XRef/Size 4/W[1 4 2]/Root 1 0 R" + extra)
    return head + xref + b"\nendobj\nstartxref\n%d\n%%%%EOF\n" % len(head)


CATALOG = b"<</Type/Catalog/Pages 2 0 R>>"
PAGES = b"<</Type/Pages/Kids[]/Count 0>>"
DEPTH = 100_000
BOMBS: dict[str, Callable[[], bytes]] = {
    # 160 MiB of zeros in a 160 KiB content stream
    "flate bomb": lambda: _pdf(CATALOG, PAGES, _stream(_zeros(160))),
    # the same after "stream" + a lone CR, which the size precheck must see too
    "flate bomb, CR": lambda: _pdf(CATALOG, PAGES, _stream(_zeros(160), eol=b"\r")),
    # 1 GiB compressed twice: the reader must inflate the cross-reference stream to read on
    "xref stream compressed twice": lambda: _xref_stream_pdf(
        _zeros(1024, layers=2), b"/Filter[/FlateDecode/FlateDecode]"
    ),
    # 1 GiB compressed twice in a page's content stream (never needed to check signatures)
    "content compressed twice": lambda: _pdf(
        CATALOG, PAGES, _stream(_zeros(1024, layers=2), b"/Filter[/FlateDecode/FlateDecode]")
    ),
    # deeply nested arrays and dictionaries, against recursive parsers
    "nested arrays": lambda: _pdf(
        b"<</Type/Catalog/Pages 2 0 R/X " + b"[" * DEPTH + b"]" * DEPTH + b">>", PAGES
    ),
    "nested dictionaries": lambda: _pdf(
        b"<</Type/Catalog/Pages 2 0 R/X " + b"<</A " * DEPTH + b">>" * DEPTH + b">>", PAGES
    ),
}


@pytest.mark.parametrize("name", list(BOMBS))
def test_security__hostile_pdfs_get_a_clear_verdict_quickly(
    client: FlaskClient, world: dict[str, Any], make_token: Callable[[str], str], name: str
) -> None:
    data = BOMBS[name]()
    assert len(data) < 2 * MiB
    _english(client, "/verify")
    started = time.perf_counter()
    page = _upload(client, data)
    html = page.get_data(as_text=True)
    assert page.status_code in (200, 422), html[-2000:]
    if page.status_code == 422:
        assert "The file was refused:" in html
    else:  # read without harm: nothing in it is a valid signature
        assert "This PDF holds no signature." in html
    answer = _api_verify(client, make_token("a1.head"), data)
    assert answer.status_code in (200, 422), answer.get_data(as_text=True)
    if answer.status_code == 422:
        assert answer.get_json()["error"]["code"] == "bad_document"
    else:
        assert answer.get_json() == {"signatures": [], "ok": False}
    assert time.perf_counter() - started < SLOW


def test_security__inflation_bombs_are_named(client: FlaskClient, world: dict[str, Any]) -> None:
    _english(client, "/verify")
    for name in ("flate bomb", "flate bomb, CR", "xref stream compressed twice"):
        page = _upload(client, BOMBS[name]())
        assert page.status_code == 422, name
        assert "PDF bomb" in page.get_data(as_text=True), name


def test_security__verify_refuses_a_body_over_the_limit(
    app: Flask, client: FlaskClient, world: dict[str, Any], make_token: Callable[[str], str]
) -> None:
    app.config["VERIFY_MAX_BYTES"] = MiB
    body = b"%PDF-1.7\n" + b" " * MiB
    _english(client, "/verify")
    page = _upload(client, body)
    assert page.status_code == 413
    assert "The file is larger than 1 MB." in page.get_data(as_text=True)
    answer = _api_verify(client, make_token("a1.head"), body)
    assert answer.status_code == 413
    error = answer.get_json()["error"]
    assert error["code"] == "too_large" and "larger than 1 MB" in error["message"]


# --- health ------------------------------------------------------------------------------


def test_security__health_answers_without_a_session(client: FlaskClient) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert isinstance(body["version"], str) and body["version"]
    assert "Set-Cookie" not in answer.headers
    assert answer.headers["Cache-Control"] == "no-store"


def test_security__health_is_503_when_the_database_is_down(
    app: Flask, client: FlaskClient, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = sa.create_engine(f"sqlite:///{tmp_path / 'missing' / 'nowhere.sqlite3'}")
    monkeypatch.setitem(app.extensions, "wflow.db", broken)
    try:
        answer = client.get("/healthz")
    finally:
        broken.dispose()
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["database"] == "error" and body["status"] == "error"
    assert "Set-Cookie" not in answer.headers


# --- logs --------------------------------------------------------------------------------


def _access(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """Return the `access` field the access log passes as `extra` (kept in each record's dict)."""
    return [dict(vars(r)["access"]) for r in caplog.records if r.name == "wflow.access"]


def test_security__every_request_is_logged_with_its_id(
    client: FlaskClient, world: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wflow.access")
    echoed = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.42"})
    assert echoed.headers["X-Request-ID"] == "lb-7f3a.42"
    unsafe = 'not safe"}{'
    made = client.get("/login", headers={"X-Request-ID": unsafe})
    assert made.headers["X-Request-ID"] != unsafe and len(made.headers["X-Request-ID"]) == 32
    sign_in(client, "a1.head")
    client.get("/")
    lines = _access(caplog)
    first = lines[0]
    assert first["method"] == "GET" and first["path"] == "/healthz" and first["status"] == 200
    assert first["request_id"] == "lb-7f3a.42" and first["user"] is None
    assert first["remote_addr"] == "127.0.0.1" and first["duration_ms"] >= 0
    assert lines[1]["request_id"] == made.headers["X-Request-ID"]
    assert lines[-1]["path"] == "/" and lines[-1]["user"] == world["users"]["a1.head"].id
    for record in caplog.records:  # the message itself is the JSON line, in any format
        if record.name == "wflow.access":
            assert json.loads(record.getMessage()) == vars(record)["access"]


def test_security__json_log_format_writes_one_object_per_line(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    from wflow import logs

    caplog.set_level(logging.INFO, logger="wflow")
    json_app = _twin(app, LOG_FORMAT="json")
    try:
        handlers = [h for h in logging.getLogger("wflow").handlers
                    if isinstance(h.formatter, logs.JsonFormatter)]  # fmt: skip
        assert len(handlers) == 1
        json_app.test_client().get("/healthz", headers={"X-Request-ID": "abc"})
        formatter = handlers[0].formatter
        assert formatter is not None
        access = next(r for r in caplog.records if r.name == "wflow.access")
        line = formatter.format(access)
        assert "\n" not in line
        parsed = json.loads(line)
        assert parsed["logger"] == "wflow.access" and parsed["level"] == "INFO"
        assert parsed["path"] == "/healthz" and parsed["request_id"] == "abc"
        try:
            raise ValueError("boom")
        except ValueError:
            error = logging.getLogger("wflow.test").makeRecord(
                "wflow.test", logging.ERROR, __file__, 1, "failed: %s", ("x",), None
            )
            import sys

            error.exc_info = sys.exc_info()
        parsed = json.loads(formatter.format(error))
        assert parsed["message"] == "failed: x" and "ValueError: boom" in parsed["exception"]
    finally:
        json_app.extensions["wflow.db"].dispose()
        logs.configure("text")  # the logging module is global: leave it as other tests expect
    assert not [h for h in logging.getLogger("wflow").handlers
                if isinstance(h.formatter, logs.JsonFormatter)]  # fmt: skip

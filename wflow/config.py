"""Configuration: defaults here -> instance/config.py -> WFLOW_* environment -> test config."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask

# Languages the interface speaks; the first is the default.
LANGUAGES: tuple[str, ...] = ("vi", "en", "fr", "hu")


class Defaults:
    """Every key wflow reads, with a safe default and the reason it exists."""

    # Where the database URL points when WFLOW_DATABASE_URL is unset: SQLite in instance/.
    DATABASE_URL: str | None = None
    # Language of pages for visitors who have not chosen one.
    BABEL_DEFAULT_LOCALE = "vi"
    # The installation's time zone (an IANA name): every date and time shown in pages,
    # e-mails, PDFs, signature stamps, /verify and exports, and the local midnight at which a
    # date-only deadline ends. Stored values are UTC. (WFLOW_TIMEZONE sets it.)
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    # Session cookie only over HTTPS; `make run` on http://127.0.0.1 turns it off.
    SESSION_COOKIE_SECURE = True
    # Scripts cannot read the session cookie.
    SESSION_COOKIE_HTTPONLY = True
    # The cookie is not sent on cross-site POSTs (CSRF defence in depth).
    SESSION_COOKIE_SAMESITE = "Lax"
    # Same rules for Flask-Login's remember-me cookie.
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # A login session lasts a working day of inactivity at most (seconds).
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    # CSRF tokens live as long as the session.
    WTF_CSRF_TIME_LIMIT: int | None = None
    # Wrong passwords one login allows from one client address
    # before each further try must wait: first LOGIN_DELAY_SECONDS, doubling with each
    # failure, up to LOGIN_LOCK_SECONDS. Per (login, address): a stranger elsewhere never
    # locks the account's owner out, and one office address is not one shared lock.
    LOGIN_MAX_FAILURES = 5
    LOGIN_DELAY_SECONDS = 30
    LOGIN_LOCK_SECONDS = 15 * 60
    # Argon2id cost of password hashes (RFC 9106 second recommendation); tests lower it.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_KIB = 64 * 1024
    # Largest request body accepted (bytes): uploads above this are refused with 413.
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    # Folder of workflow definitions (YAML); None means the project's workflows/.
    WORKFLOWS_DIR: str | None = None
    # Rows per page in lists.
    PAGE_SIZE = 50
    # Largest PDF the signature verification page and `wflow verify` accept (bytes).
    VERIFY_MAX_BYTES = 15 * 1024 * 1024
    # Largest evidence file a unit may attach to a review (bytes; below MAX_CONTENT_LENGTH).
    REVIEW_EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
    # Deliver notifications of new work from a thread of the server process, in batches, off
    # the requests (wflow.wsgi turns it on); off: after each change, before the response.
    NOTIFY_IN_BACKGROUND = False
    # E-mail notifications: off until an SMTP server is configured (in-app ones always work).
    MAIL_ENABLED = False
    # The SMTP server that relays wflow's mail (host name and port).
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    # Upgrade the SMTP connection with STARTTLS before logging in.
    MAIL_USE_TLS = False
    # SMTP login, when the server asks for one (None: no login).
    MAIL_USERNAME: str | None = None
    # SMTP password: only from the environment (WFLOW_MAIL_PASSWORD), never in code.
    MAIL_PASSWORD: str | None = None
    # The sender address of every message.
    MAIL_FROM = "wflow@localhost"
    # Seconds to wait for the SMTP server before giving up (the failure is logged).
    MAIL_TIMEOUT = 10
    # Rate limits (Flask-Limiter syntax): sign-in attempts per login and client address, all
    # sign-in attempts of one address (an office of 50 behind one address signs in at a
    # meeting; a password sprayer trying many logins is held back), PDF checks per address.
    RATELIMIT_LOGIN = "10 per minute"
    RATELIMIT_LOGIN_ADDRESS = "300 per minute"
    RATELIMIT_VERIFY = "20 per minute"
    # Where the counters live: memory:// is per process; several servers share redis://host:6379.
    RATELIMIT_STORAGE_URI = "memory://"
    # An unreachable counter store lets requests through (logged) rather than failing them.
    RATELIMIT_SWALLOW_ERRORS = True
    # Proxies in front that set X-Forwarded-For/-Proto/-Host (0: trust none, the default).
    PROXY_FIX = 0
    # Log lines: "text" for people (development), "json" for a log collector (production).
    LOG_FORMAT = "text"
    # Minutes between the audit checks `wflow tick` runs (chains, instance rows, stored files;
    # each breakage reported once to the administrators); 0 turns the periodic check off.
    AUDIT_CHECK_MINUTES = 60
    # The address people reach this installation at: certificates the instance CA issues name
    # <PUBLIC_URL>/pki/crl.der as where its certificate revocation list is published.
    PUBLIC_URL = "http://localhost:5000"
    # An external RFC 3161 time-stamping authority (its URL) for signatures' timestamps; unset,
    # the instance's own TSA (certified by the instance CA) timestamps them.
    TSA_URL: str | None = None


ENV_KEYS: dict[str, str] = {
    "WFLOW_DATABASE_URL": "DATABASE_URL",
    "WFLOW_SECRET_KEY": "SECRET_KEY",
    "WFLOW_WORKFLOWS_DIR": "WORKFLOWS_DIR",
    "WFLOW_MAIL_PASSWORD": "MAIL_PASSWORD",
    "WFLOW_RATELIMIT_LOGIN": "RATELIMIT_LOGIN",
    "WFLOW_RATELIMIT_LOGIN_ADDRESS": "RATELIMIT_LOGIN_ADDRESS",
    "WFLOW_RATELIMIT_VERIFY": "RATELIMIT_VERIFY",
    "WFLOW_RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "WFLOW_PROXY_FIX": "PROXY_FIX",
    "WFLOW_LOG_FORMAT": "LOG_FORMAT",
    "WFLOW_AUDIT_CHECK_MINUTES": "AUDIT_CHECK_MINUTES",
    "WFLOW_TIMEZONE": "BABEL_DEFAULT_TIMEZONE",
    "WFLOW_PUBLIC_URL": "PUBLIC_URL",
    "WFLOW_TSA_URL": "TSA_URL",
    "WFLOW_NOTIFY_IN_BACKGROUND": "NOTIFY_IN_BACKGROUND",
}

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def instance_path() -> str:
    """Return the instance folder: WFLOW_INSTANCE_PATH or the project's instance/."""
    return os.environ.get("WFLOW_INSTANCE_PATH") or str(PROJECT_ROOT / "instance")


def load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill app.config from defaults, instance/config.py, the environment, then tests."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    for env_key, key in ENV_KEYS.items():
        if os.environ.get(env_key):
            app.config[key] = os.environ[env_key]
    secure = os.environ.get("WFLOW_SECURE_COOKIES")
    if secure is not None:
        flag = secure.lower() not in {"0", "false", "no", "off"}
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = flag
    if test_config:
        app.config.update(test_config)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'wflow.sqlite3'}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret(Path(app.instance_path))
    ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])  # an unknown zone stops the start-up
    if not app.config.get("WORKFLOWS_DIR"):
        app.config["WORKFLOWS_DIR"] = str(PROJECT_ROOT / "workflows")


def instance_secret(folder: Path) -> str:
    """Read instance/secret_key, creating it (random, owner-only) on first use."""
    path = folder / "secret_key"
    if path.exists():
        return path.read_text().strip()
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key

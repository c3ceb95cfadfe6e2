"""`wflow backup` and `wflow restore`: the demo province round-trips, refusals change nothing."""

from __future__ import annotations

import shutil
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlmodel import Session, col, select

from tests.conftest import sign_in
from tests.dbs import TEST_CONFIG, DemoBuild, fresh_database_url
from wflow import create_app
from wflow.db import upgrade
from wflow.demo.org import DEMO_PASSWORD
from wflow.ops import agefile
from wflow.ops.agefile import AgeReader
from wflow.ops.dbcopy import table_counts
from wflow.pacts.models import Document

PASSPHRASE = "một cụm mật khẩu đủ dài"


@pytest.fixture(autouse=True)
def _cheap_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """scrypt at 2^18 costs seconds per archive on a busy machine: not what is tested here."""
    monkeypatch.setattr(agefile, "WORK_FACTOR", 12)


@dataclass
class Target:
    """An empty instance to restore into: its app, database and folder."""

    app: Flask
    url: str
    folder: Path

    def restore(self, archive: Path, *args: str, typed: str | None = None) -> Result:
        """Run `wflow restore` in this instance (`typed`: what the operator types)."""
        runner = self.app.test_cli_runner()
        return runner.invoke(args=["restore", str(archive), *args], input=typed)


@pytest.fixture
def target(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Target]:
    """A second instance on an empty database of `backend`, its folder not created yet."""
    where = tmp_path / "restored"
    where.mkdir()
    url = fresh_database_url(backend, where)
    monkeypatch.setenv("WFLOW_INSTANCE_PATH", str(where / "instance"))
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url})
    yield Target(app, url, where / "instance")
    app.extensions["wflow.db"].dispose()


def _counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return table_counts(conn)
    finally:
        engine.dispose()


def _members(archive: Path, passphrase: str | None) -> list[str]:
    with archive.open("rb") as raw:
        stream = AgeReader(raw, passphrase) if passphrase else raw
        # typeshed wants write, seek and tell even of a stream read once ("r|"): tarfile does not
        with tarfile.open(fileobj=stream, mode="r|") as tar:  # type: ignore[call-overload]
            return [m.name for m in tar]


def _backup(runner: FlaskCliRunner, archive: Path, *args: str) -> None:
    made = runner.invoke(args=["backup", str(archive), *args])
    assert made.exit_code == 0, made.output
    assert "backup written" in made.output


def _passphrase_file(tmp_path: Path, text: str = PASSPHRASE) -> Path:
    path = tmp_path / f"passphrase-{len(text)}"
    path.write_text(text + "\n")
    return path


def _error_lines(result: Result) -> list[str]:
    lines = result.stderr.splitlines()
    assert "Traceback" not in result.output
    return [line for line in lines if line.startswith("Error:")]


@pytest.mark.parametrize("how", ["keys-carried-apart", "ca-key-in-backup"])
def test_backup__the_demo_round_trips_into_an_empty_instance(
    app: Flask,
    demo: DemoBuild,
    runner: FlaskCliRunner,
    session: Session,
    target: Target,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    """Backup, restore, audit intact, same rows and bytes, no session of before opens."""
    admin = app.test_client()
    assert sign_in(admin, "admin", DEMO_PASSWORD).status_code == 302
    assert admin.get("/admin/users").status_code == 200
    cookie = admin.get_cookie("session")
    assert cookie is not None
    source = Path(app.instance_path)
    before = _counts(app.config["DATABASE_URL"])
    secret = _passphrase_file(tmp_path)
    archive = tmp_path / "demo.wflow"
    with_ca_key = how == "ca-key-in-backup"
    _backup(runner, archive, "--passphrase-file", str(secret),
            *(["--with-ca-key"] if with_ca_key else []))  # fmt: skip

    names = _members(archive, PASSPHRASE)
    assert names[0] == "wflow-backup.json" and names[-1] == "manifest.json"
    assert "instance/ca/ca-cert.pem" in names
    assert ("instance/ca/ca-key.pem" in names) is with_ca_key
    assert not [n for n in names if n.endswith(("keys/kek", "secret_key"))]
    docs = session.exec(select(Document).order_by(col(Document.id))).all()
    assert {f"instance/{d.path}" for d in docs} <= set(names)

    kek = (source / "keys" / "kek").read_text().strip()
    if with_ca_key:  # the operator gives the KEK in the environment
        monkeypatch.setenv("WFLOW_KEY_PASSPHRASE", kek)
        upgrade(target.url)  # a migrated, empty database (`wflow db upgrade`)
    else:  # the operator brings the KEK and the CA's key back from where they keep them
        (target.folder / "keys").mkdir(parents=True)
        (target.folder / "ca").mkdir()
        shutil.copy(source / "keys" / "kek", target.folder / "keys" / "kek")
        shutil.copy(source / "ca" / "ca-key.pem", target.folder / "ca" / "ca-key.pem")

    restored = target.restore(archive, "--passphrase-file", str(secret))
    assert restored.exit_code == 0, restored.output
    assert "keys: the key-encryption key decrypts all" in restored.output
    assert "ca-key.pem" not in restored.output  # the CA's key is in place
    assert "audit intact" in restored.output

    audited = target.app.test_cli_runner().invoke(args=["audit", "verify"])
    assert audited.exit_code == 0, audited.output
    assert _counts(target.url) == before
    for doc in docs:
        assert (target.folder / doc.path).read_bytes() == (source / doc.path).read_bytes()
    assert (target.folder / "ca" / "ca-cert.pem").read_bytes() == (
        source / "ca" / "ca-cert.pem"
    ).read_bytes()

    stolen = target.app.test_client()  # the admin's cookie of before the restore
    stolen.set_cookie("session", cookie.value)
    assert stolen.get("/admin/users").status_code == 302  # to the sign-in page
    assert admin.get("/admin/users").status_code == 200  # it was a good cookie
    fresh = target.app.test_client()
    assert sign_in(fresh, "admin", DEMO_PASSWORD).status_code == 302
    assert fresh.get("/admin/users").status_code == 200


def test_backup__refusals_are_one_line_and_change_nothing(
    app: Flask,
    demo: DemoBuild,
    runner: FlaskCliRunner,
    target: Target,
    tmp_path: Path,
) -> None:
    archive = tmp_path / "demo.wflow"
    _backup(runner, archive, "--passphrase-file", str(_passphrase_file(tmp_path)))
    size = archive.stat().st_size
    again = runner.invoke(args=["backup", str(archive)])
    assert again.exit_code == 1
    assert _error_lines(again) == [f"Error: {archive} exists: give the backup a new name"]
    assert archive.stat().st_size == size

    wrong = target.restore(archive, "--passphrase-file", str(_passphrase_file(tmp_path, "sai")))
    assert wrong.exit_code == 1
    assert _error_lines(wrong) == ["Error: wrong passphrase for this backup"]
    none = target.restore(archive, typed="")  # asked for the passphrase, nothing typed
    assert none.exit_code != 0 and "Passphrase" in none.output
    assert _counts(target.url) == {} or not any(_counts(target.url).values())
    assert not (target.folder / "documents").exists()

    own = _counts(app.config["DATABASE_URL"])
    full = runner.invoke(
        args=["restore", str(archive), "--passphrase-file", str(_passphrase_file(tmp_path))]
    )
    assert full.exit_code == 1
    [line] = _error_lines(full)
    assert line.startswith("Error: the database is not empty (table ")
    assert line.endswith("): restore needs an empty database")
    assert _counts(app.config["DATABASE_URL"]) == own
    assert not list(Path(app.instance_path).glob(".restore-*"))


def test_backup__an_unencrypted_backup_restores_and_a_foreign_ca_is_refused(
    app: Flask,
    demo: DemoBuild,
    runner: FlaskCliRunner,
    target: Target,
    tmp_path: Path,
) -> None:
    archive = tmp_path / "plain.wflow"
    _backup(runner, archive)
    assert archive.read_bytes()[257:262] == b"ustar"  # a plain tar file
    (target.folder / "ca").mkdir(parents=True)
    (target.folder / "ca" / "ca-cert.pem").write_text("another CA, made by `wflow init`\n")
    refused = target.restore(archive)
    assert refused.exit_code == 1
    [line] = _error_lines(refused)
    assert "ca-cert.pem is not this backup's" in line
    assert not any(_counts(target.url).values())

    (target.folder / "ca" / "ca-cert.pem").unlink()
    restored = target.restore(archive)
    assert restored.exit_code == 0, restored.output
    assert "warning: keys: NO key-encryption key here" in restored.stderr
    assert "put back ca/ca-key.pem" in restored.stderr
    assert "audit intact" in restored.output

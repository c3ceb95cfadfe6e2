"""A consistent copy of the database into one file, and its loading into an empty database.

SQLite: the online backup API (`sqlite3.Connection.backup`), page by page while the app
runs, into a file in rollback-journal mode (self-contained), and back the same way (the
destination is written in one transaction). PostgreSQL: `pg_dump --format=custom` inside an
exported snapshot, so the row counts of the manifest are those of the dump; loaded by
`pg_restore` piped into `psql --single-transaction`, after dropping the empty tables of a
migrated database in the same transaction: it all happens, or nothing does.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from wflow.ops.progress import Advance, Progress

SQLITE, POSTGRES = "sqlite", "postgresql"
MEMBER = {SQLITE: "database.sqlite3", POSTGRES: "database.pgdump"}
# filled by the migrations or by `wflow init` from the workflow files, not by people: an empty
# database may hold them (access_epoch: its one row, migration 0109)
SETUP_TABLES = frozenset({"alembic_version", "wf_definition", "access_epoch"})
PAGES_PER_STEP = 1024


class DatabaseError(Exception):
    """A database that cannot be copied or loaded; the message is one line for people."""


@dataclass(frozen=True)
class Snapshot:
    """What a copy holds: its kind, the row count of every table, the migration revisions."""

    kind: str
    tables: dict[str, int]
    revisions: tuple[str, ...]


def kind_of(url: str) -> str:
    """Return the database kind of a URL (sqlite or postgresql); DatabaseError for others."""
    backend = make_url(url).get_backend_name()
    if backend not in MEMBER:
        raise DatabaseError(f"backups support SQLite and PostgreSQL, not {backend}")
    return backend


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def table_counts(conn: sa.Connection) -> dict[str, int]:
    """Return the number of rows of every table of the connection's database."""
    names = sorted(sa.inspect(conn).get_table_names())
    count = sa.select(sa.func.count())
    return {n: int(conn.execute(count.select_from(sa.table(n))).scalar_one()) for n in names}


def _revisions(conn: sa.Connection, tables: dict[str, int]) -> tuple[str, ...]:
    if "alembic_version" not in tables:
        return ()
    rows = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
    return tuple(sorted(rows))


def not_empty(url: str) -> str | None:
    """Say why the database is not empty (a table holding rows), None when it is."""
    if kind_of(url) == SQLITE and not _sqlite_path(url).exists():
        return None
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            for name, rows in table_counts(conn).items():
                if rows and name not in SETUP_TABLES:
                    return f"table {name} holds {rows} row(s)"
    except sa.exc.OperationalError as exc:
        raise DatabaseError(f"cannot open the database: {_first_line(str(exc.orig))}") from None
    finally:
        engine.dispose()
    return None


def snapshot(url: str, target: Path, progress: Progress) -> Snapshot:
    """Copy the database at `url` into the file `target`, consistently, while it is in use."""
    kind = kind_of(url)
    if kind == SQLITE:
        return _snapshot_sqlite(url, target, progress)
    return _snapshot_postgres(url, target, progress)


def load(url: str, source: Path, progress: Progress) -> dict[str, int]:
    """Load a copy made by `snapshot` into the (empty) database at `url`; return its counts."""
    if kind_of(url) == SQLITE:
        _load_sqlite(url, source, progress)
    else:
        _load_postgres(url, source, progress)
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return table_counts(conn)
    finally:
        engine.dispose()


# --- SQLite ----------------------------------------------------------------------------


def _sqlite_path(url: str) -> Path:
    name = make_url(url).database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise DatabaseError("backups need an SQLite database in a file")
    return Path(name)


def _copy_pages(src: sqlite3.Connection, dst: sqlite3.Connection, advance: Advance) -> None:
    done = [0]

    def step(_status: int, remaining: int, total: int) -> None:
        advance(total - remaining - done[0])
        done[0] = total - remaining

    src.backup(dst, pages=PAGES_PER_STEP, progress=step)


def _snapshot_sqlite(url: str, target: Path, progress: Progress) -> Snapshot:
    path = _sqlite_path(url)
    if not path.exists():
        raise DatabaseError(f"no database at {path}")
    src = sqlite3.connect(path, timeout=30)
    dst = sqlite3.connect(target)
    try:
        pages = int(src.execute("PRAGMA page_count").fetchone()[0])
        with progress.stage("database (SQLite online backup)", pages) as advance:
            _copy_pages(src, dst, advance)
        dst.execute("PRAGMA journal_mode=DELETE")  # the copy is one file, no -wal beside it
    finally:
        dst.close()
        src.close()
    engine = _engine(f"sqlite:///{target}")
    try:
        with engine.connect() as conn:
            tables = table_counts(conn)
            return Snapshot(SQLITE, tables, _revisions(conn, tables))
    finally:
        engine.dispose()


def _load_sqlite(url: str, source: Path, progress: Progress) -> None:
    path = _sqlite_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(path, timeout=30)
    try:
        pages = int(src.execute("PRAGMA page_count").fetchone()[0])
        with progress.stage("database (SQLite)", pages) as advance:
            _copy_pages(src, dst, advance)  # one write transaction on `dst`: all or nothing
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot load the SQLite database: {exc}") from None
    finally:
        dst.close()
        src.close()


# --- PostgreSQL ------------------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise DatabaseError(
            f"{name} is not installed: install postgresql-client-NN, NN the server's major version"
        )
    return found


def _major(text: str) -> int:
    found = re.search(r"(\d+)(?:\.\d+)?", text)
    return int(found.group(1)) if found else 0


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """Return the libpq connection URI (no password) and the environment carrying it."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    uri = parsed.set(drivername="postgresql", password=None)
    return uri.render_as_string(hide_password=False), env


def _check_client(tool: str, conn: sa.Connection) -> None:
    """Refuse a client older than the server (pg_dump would refuse, less clearly)."""
    client = _major(subprocess.run([tool, "--version"], capture_output=True, text=True).stdout)
    server = int(conn.execute(sa.text("SHOW server_version_num")).scalar_one()) // 10000
    if client < server:
        name = Path(tool).name
        raise DatabaseError(
            f"{name} {client} cannot handle a PostgreSQL {server} server: "
            f"install postgresql-client-{server}"
        )


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise DatabaseError(f"{what} failed: {_first_line(done.stderr)}")


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else "no message"


def _snapshot_postgres(url: str, target: Path, progress: Progress) -> Snapshot:
    pg_dump = _tool("pg_dump")
    uri, env = _libpq(url)
    engine = _engine(url)
    try:
        with engine.connect() as base:
            conn = base.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                _check_client(pg_dump, conn)
                snap = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
                tables = table_counts(conn)  # in the snapshot pg_dump reads
                revisions = _revisions(conn, tables)
                with progress.stage("database (pg_dump)", None):
                    _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                          f"--snapshot={snap}", f"--file={target}", f"--dbname={uri}"],
                         env, "pg_dump")  # fmt: skip
    except sa.exc.OperationalError as exc:
        raise DatabaseError(f"cannot open the database: {_first_line(str(exc.orig))}") from None
    finally:
        engine.dispose()
    return Snapshot(POSTGRES, tables, revisions)


# the functions of the schema (triggers' functions, migration 0109), not an extension's
_FUNCTIONS = sa.text(
    "SELECT p.oid::regprocedure::text FROM pg_proc p "
    "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = :schema "
    "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
)


def _drop_tables_sql(url: str) -> str:
    """Return the DROP statements of the (empty) tables a migrated database already has, and
    of its functions (the dump creates them again)."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            schema = inspector.default_schema_name or "public"
            names = inspector.get_table_names()
            functions = conn.execute(_FUNCTIONS, {"schema": schema}).scalars().all()
    finally:
        engine.dispose()
    quote = _quote
    drops = [f"DROP TABLE IF EXISTS {quote(schema)}.{quote(n)} CASCADE;\n" for n in names]
    drops += [f"DROP FUNCTION IF EXISTS {f} CASCADE;\n" for f in functions]  # regprocedure: quoted
    return "".join(drops)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _load_postgres(url: str, source: Path, progress: Progress) -> None:
    pg_restore, psql = _tool("pg_restore"), _tool("psql")
    uri, env = _libpq(url)
    drops = _drop_tables_sql(url)
    with (
        tempfile.TemporaryFile() as restore_err,
        tempfile.TemporaryFile() as psql_err,
        progress.stage("database (pg_restore)", None),
    ):
        loader = subprocess.Popen(
            [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
             f"--dbname={uri}", "-f", "-"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_err, env=env,
        )  # fmt: skip
        reader = subprocess.Popen(
            [pg_restore, "--no-owner", "--no-privileges", "--file=-", str(source)],
            stdout=subprocess.PIPE, stderr=restore_err, env=env,
        )  # fmt: skip
        restored = _pump(drops.encode(), reader, loader)
        failed = [(restored, restore_err, "pg_restore"), (loader.wait(), psql_err, "psql")]
        for code, err, name in failed:
            if code != 0:
                err.seek(0)
                message = _first_line(err.read().decode("utf-8", "replace"))
                raise DatabaseError(f"{name} failed, nothing was loaded: {message}")


def _pump(prefix: bytes, reader: subprocess.Popen[bytes], loader: subprocess.Popen[bytes]) -> int:
    """Feed `prefix`, then pg_restore's script, to psql; return pg_restore's exit code.

    psql commits when its input ends: it is ended only after pg_restore succeeded, and killed
    otherwise (its connection drops, the server rolls the transaction back).
    """
    assert reader.stdout is not None and loader.stdin is not None
    try:
        loader.stdin.write(prefix)
        while chunk := reader.stdout.read(1 << 16):
            loader.stdin.write(chunk)
    except BrokenPipeError:  # psql stopped at an error: its exit code and message tell
        reader.kill()
    finally:
        reader.stdout.close()
    code = reader.wait()
    if code != 0:
        loader.kill()
    else:
        with contextlib.suppress(BrokenPipeError):
            loader.stdin.close()
    return code

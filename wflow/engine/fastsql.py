"""Run pre-built Core statements on the DBAPI cursor of a SQLAlchemy connection.

Measured on the firing path, SQLAlchemy's per-execution machinery (execution context, cache
key, result object) costs several times what SQLite spends on the statement itself. A
`Prepared` statement is compiled by SQLAlchemy once per dialect; each execution then only
applies the columns' own bind/result processors (so values round-trip exactly as through
SQLAlchemy) and runs the SQL on the cursor of `session.connection()`, inside the session's
transaction. Every value must come from a named bind parameter given at execution (no
literal values, no expanding IN): `Prepared` refuses other statements when compiling.
Listeners of the engine's `before_cursor_execute` see these statements as they see
SQLAlchemy's own (with no execution context): whoever counts statements counts them all.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

Proc = Callable[[Any], Any] | None


def _generate(name: str, body: str, env: dict[str, Any]) -> Callable[[Any], Any]:
    """Compile a one-expression function; the per-statement converters are generated so
    a call does no loop and no lookups beyond the values themselves."""
    code = f"def {name}(g):\n    return {body}\n"
    exec(compile(code, f"<wflow.fastsql.{name}>", "exec"), env)
    fn: Callable[[Any], Any] = env[name]
    return fn


def _convert(expr: str, proc: Proc, slot: str, env: dict[str, Any]) -> str:
    if proc is None:
        return expr
    env[slot] = proc
    return f"(None if ({slot}_v := {expr}) is None else {slot}({slot}_v))"


def _bind_proc(type_: Any, dialect: Dialect) -> Proc:
    proc: Proc = type_.dialect_impl(dialect).bind_processor(dialect)
    if proc is None or dialect.name != "sqlite":
        return proc
    full = proc
    if isinstance(type_, sa.JSON):  # most event and participant data is empty
        return lambda v: "{}" if v == {} else full(v)
    if type(type_) is sa.DateTime:  # SQLAlchemy's SQLite text format, minus its generic code
        return lambda v: (
            _sqlite_datetime(v) if type(v) is datetime and v.tzinfo is None else full(v)
        )
    return proc


_last_datetime: tuple[datetime | None, str] = (None, "")


def _sqlite_datetime(value: datetime) -> str:
    global _last_datetime
    last, text = _last_datetime  # a fire writes the same `now` to several columns
    if value is last:
        return text
    text = value.isoformat(" ")
    if len(text) != 26:
        text += ".000000"
    _last_datetime = (value, text)
    return text


def _result_proc(type_: Any, dialect: Dialect) -> Proc:
    proc: Proc = type_.dialect_impl(dialect).result_processor(dialect, None)
    if proc is not None and dialect.name == "sqlite" and isinstance(type_, sa.JSON):
        full = proc
        return lambda v: {} if v == "{}" else full(v)
    return proc


class _Form:
    """One statement compiled for one dialect, with generated parameter and row converters."""

    __slots__ = ("params", "row", "sql")

    def __init__(self, stmt: Any, dialect: Dialect) -> None:
        compiled = stmt.compile(dialect=dialect)
        self.sql: str = compiled.string
        binds = compiled.binds
        literal = [n for n, b in binds.items() if not b.required]
        if literal:
            raise ValueError(f"Prepared statements take every value as a parameter: {literal}")
        positional = bool(dialect.positional)
        names = list(compiled.positiontup if positional and compiled.positiontup else binds)
        env: dict[str, Any] = {}
        exprs = [
            _convert(f"g[{n!r}]", _bind_proc(binds[n].type, dialect), f"b{i}", env)
            for i, n in enumerate(names)
        ]
        body = (
            "(" + "".join(e + ", " for e in exprs) + ")" if positional
            else "{" + ", ".join(f"{n!r}: {e}" for n, e in zip(names, exprs, strict=True)) + "}"
        )  # fmt: skip
        #: the DBAPI parameters (tuple or dict) for a mapping of bind names to values
        self.params = _generate("params", body, env)
        cols = list(getattr(stmt, "selected_columns", ()) or ())
        cols += list(getattr(stmt, "_returning", ()))
        fields = [getattr(c, "key", None) or f"c{i}" for i, c in enumerate(cols)]
        renv: dict[str, Any] = {"Row": namedtuple("Row", fields, rename=True)}
        rexprs = [
            _convert(f"g[{i}]", _result_proc(c.type, dialect), f"r{i}", renv)
            for i, c in enumerate(cols)
        ]
        #: a named row from a DBAPI row, every column's result processor applied
        self.row = _generate("row", "Row(" + ", ".join(rexprs) + ")", renv)


class Db:
    """The connection of a Session (or a bare Connection) and its DBAPI cursor, per call.

    `session` is the caller's Session, or one joined to the bare connection's transaction
    (made only when a guard, effect, resolver or hook asks for it).
    """

    __slots__ = ("_session", "conn", "cursor", "dialect", "key", "watch")

    def __init__(self, handle: Session | Connection) -> None:
        if isinstance(handle, Session):
            self._session: Session | None = handle
            self.conn = handle.connection()
        else:
            self._session = None
            self.conn = handle
            if not handle.in_transaction():
                handle.begin()  # as SQLAlchemy's autobegin would: the caller commits
        self.dialect = self.conn.dialect
        self.key = f"{self.dialect.name}+{self.dialect.driver}"
        self.cursor: Any = self.conn.connection.cursor()
        # the engine's and connection's `before_cursor_execute` listeners, if any (tests, logs)
        listeners = self.conn.dispatch.before_cursor_execute
        self.watch: Any = listeners if listeners else None

    def execute(self, sql: str, params: Any, many: bool = False) -> Any:
        """Run `sql` on the cursor, once per parameter set when `many` (told to
        `before_cursor_execute` listeners first); return the cursor."""
        if self.watch is not None:
            self.watch(self.conn, self.cursor, sql, params, None, many)
        if many:
            self.cursor.executemany(sql, params)
        else:
            self.cursor.execute(sql, params)
        return self.cursor

    @property
    def session(self) -> Session:
        """Return a Session in the same transaction."""
        if self._session is None:
            self._session = Session(bind=self.conn, join_transaction_mode="conditional_savepoint")
        return self._session


class Prepared:
    """A Core statement compiled once per dialect and executed on the DBAPI cursor."""

    __slots__ = ("_forms", "_returning", "stmt")

    def __init__(self, stmt: sa.Executable, returning: sa.Executable | None = None) -> None:
        self.stmt: Any = stmt  # a Select, Insert, Update or Delete
        self._returning: Any = returning  # the INSERT ... RETURNING id variant, if any
        self._forms: dict[str, _Form] = {}

    def _form(self, db: Db) -> _Form:
        form = self._forms.get(db.key)
        if form is None:
            stmt = self.stmt
            if self._returning is not None and db.dialect.name != "sqlite":
                stmt = self._returning
            form = self._forms[db.key] = _Form(stmt, db.dialect)
        return form

    def insert(self, db: Db, params: Mapping[str, Any]) -> int:
        """Execute an INSERT and return the new row's id (lastrowid on SQLite, else RETURNING)."""
        form = self._forms.get(db.key) or self._form(db)
        cursor = db.execute(form.sql, form.params(params))
        if db.dialect.name == "sqlite":
            return int(cursor.lastrowid)
        return int(cursor.fetchone()[0])

    def run(self, db: Db, params: Mapping[str, Any]) -> Any:
        """Execute with `params`; return the DBAPI cursor (rowcount, fetch)."""
        form = self._forms.get(db.key) or self._form(db)
        return db.execute(form.sql, form.params(params))

    def many(self, db: Db, rows: list[dict[str, Any]]) -> None:
        """Execute once per parameter set (executemany)."""
        form = self._forms.get(db.key) or self._form(db)
        db.execute(form.sql, [form.params(r) for r in rows], many=True)

    def all(self, db: Db, params: Mapping[str, Any]) -> list[Any]:
        """Execute and return every row as a named tuple."""
        form = self._forms.get(db.key) or self._form(db)
        cursor = db.execute(form.sql, form.params(params))
        return [form.row(raw) for raw in cursor.fetchall()]

    def first(self, db: Db, params: Mapping[str, Any]) -> Any:
        """Execute and return the first row as a named tuple, None when there is none."""
        form = self._forms.get(db.key) or self._form(db)
        raw = db.execute(form.sql, form.params(params)).fetchone()
        return None if raw is None else form.row(raw)

"""PostgreSQL connections that end a transaction which wrote nothing with COMMIT, not ROLLBACK.

psycopg 3 forgets its prepared statements, and the executions it counted towards preparing
one, on every ROLLBACK. Every request that only read ended with one (`Session.close()` at
teardown, a pooled connection's reset, `/healthz`'s connection), so no statement was ever
prepared and the server planned every statement of every page afresh. To the database a
transaction that wrote nothing ends the same with COMMIT as with ROLLBACK, so the rollback
of such a transaction commits instead; SQLAlchemy still sees a rollback (the session's objects
expire, its rollback events run), and a transaction that wrote anything rolls back as before.

Whether it wrote is told by the connection's own cursors (SQLAlchemy's and the workflow
engine's raw ones, `wflow.engine.fastsql`, alike): a statement whose command tag is not
SELECT or SHOW (INSERT, UPDATE, DELETE, SET, CREATE, SAVEPOINT, LOCK…), one that failed, a
bulk execution or a COPY, and a SELECT whose text may change something (a data-modifying
CTE, SELECT INTO, FOR UPDATE) count as writes. A SELECT calling a function that writes would
not be seen: wflow has none (its one function is a trigger's, fired by the INSERT, UPDATE or
DELETE that counts already).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from typing import Any, Self, cast

import psycopg
import sqlalchemy as sa
from psycopg import pq
from psycopg.rows import Row
from sqlalchemy.engine import Engine

IDLE = pq.TransactionStatus.IDLE
INTRANS = pq.TransactionStatus.INTRANS
_READS = (b"SELECT ", b"SHOW")  # command tags: "SELECT 3", "SHOW"
_MAY_WRITE = re.compile(r"\b(?:INSERT|UPDATE|DELETE|MERGE|INTO|CREATE|NOTIFY)\b", re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def _may_write(query: str) -> bool:
    """Tell whether a statement tagged SELECT may still change something (cached: pages send
    the same few statement strings over and over)."""
    return _MAY_WRITE.search(query) is not None


class TrackedConnection(psycopg.Connection[Row]):
    """A psycopg connection that commits, when asked to roll back, a transaction that only
    read."""

    wrote = False  # set by its cursors; cleared when a statement opens the next transaction

    def wrote_nothing(self) -> bool:
        """Tell whether a transaction is open, healthy, and has only read."""
        return self.pgconn.transaction_status == INTRANS and not self.wrote

    def rollback(self) -> None:
        """Roll back; a transaction that only read commits instead (the same to the database),
        which keeps the prepared statements."""
        if self.wrote_nothing():
            self.commit()
        else:
            super().rollback()


class TrackedCursor(psycopg.Cursor[Row]):
    """A cursor that tells its connection when a statement may have written."""

    __slots__ = ()

    def execute(
        self,
        query: Any,
        params: Any = None,
        *,
        prepare: bool | None = None,
        binary: bool | None = None,
    ) -> Self:
        """Execute as psycopg does, then mark the connection unless the statement only read."""
        conn = cast(TrackedConnection[Any], self.connection)
        if conn.pgconn.transaction_status == IDLE:
            conn.wrote = False  # this statement opens a transaction
        try:
            super().execute(query, params, prepare=prepare, binary=binary)
        except BaseException:
            conn.wrote = True
            raise
        result = self.pgresult
        tag = result.command_status if result is not None else None
        if not (tag and tag.startswith(_READS)) or not isinstance(query, str) or _may_write(query):
            conn.wrote = True
        return self

    def executemany(
        self, query: Any, params_seq: Iterable[Any], *, returning: bool = False
    ) -> None:
        """Execute as psycopg does; the transaction counts as written."""
        cast(TrackedConnection[Any], self.connection).wrote = True
        super().executemany(query, params_seq, returning=returning)

    def stream(self, *args: Any, **kwargs: Any) -> Iterator[Row]:
        """Stream as psycopg does; the transaction counts as written."""
        cast(TrackedConnection[Any], self.connection).wrote = True
        return super().stream(*args, **kwargs)

    def copy(self, *args: Any, **kwargs: Any) -> Any:
        """Copy as psycopg does; the transaction counts as written."""
        cast(TrackedConnection[Any], self.connection).wrote = True
        return super().copy(*args, **kwargs)


def track(engine: Engine) -> None:
    """Make the PostgreSQL (psycopg) `engine` connect with tracked connections and cursors."""

    @sa.event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, _record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
        cparams["cursor_factory"] = TrackedCursor  # no other: an untracked cursor could write
        return TrackedConnection.connect(*cargs, **cparams)

"""PostgreSQL connections on which reads run outside a transaction, and a transaction that
wrote nothing ends with COMMIT, not ROLLBACK.

Reads outside a transaction: a connection is in psycopg's autocommit mode, and a statement
that may write opens a transaction (BEGIN) first, which lasts until the commit or rollback
SQLAlchemy asks for, as psycopg's own would; the statements after it, reads too, run in it.
A request that only reads, most of them, then sends its statements and nothing else, not a
BEGIN before them and a COMMIT after (two round trips of its five or so). It sees what it
would have seen in a transaction: at READ COMMITTED, PostgreSQL's default and wflow's, every
statement of a transaction reads a snapshot of its own, and a plain SELECT takes no lock that
a transaction would hold. Django runs every connection so. Whether a statement may write is
read from its text (cached): only a SELECT, WITH or SHOW that names no writing clause (INSERT,
UPDATE, DELETE, MERGE, INTO, CREATE, NOTIFY), no row lock (FOR UPDATE, FOR SHARE…) and no
function with an effect (`pg_*`, nextval, setval, set_config) counts as a read; anything else
(SET, SAVEPOINT, LOCK, DDL, a bulk execution, a COPY) opens the transaction. A connection
given an isolation level (SQLAlchemy's execution option) leaves autocommit while it has it,
and psycopg opens its transactions, as before; one given AUTOCOMMIT (a VACUUM) runs every
statement on its own; returned to the pool either reads outside again.

COMMIT for a transaction that only read: psycopg 3 forgets its prepared statements, and the
executions it counted towards preparing one, on every ROLLBACK. A transaction that wrote
nothing (opened by a statement that turned out to read, or under an isolation level) ends the
same to the database with COMMIT as with ROLLBACK, so its rollback commits instead; SQLAlchemy
still sees a rollback (the session's objects expire, its rollback events run), and a
transaction that wrote anything rolls back as before.

Whether it wrote is told by the connection's own cursors (SQLAlchemy's and the workflow
engine's raw ones, `wflow.engine.fastsql`, alike): a statement whose command tag is not
SELECT or SHOW, one that failed, a bulk execution or a COPY, and one whose text is not a read
as above count as writes. A SELECT calling a function of its own that writes would not be
seen: wflow has none (its one function is a trigger's, fired by the INSERT, UPDATE or DELETE
that counts already).
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
_READ = re.compile(r"\s*(?:SELECT|WITH|SHOW)\b", re.IGNORECASE)
_MAY_WRITE = re.compile(
    r"\b(?:INSERT|UPDATE|DELETE|MERGE|INTO|CREATE|NOTIFY|SHARE|LOCK)\b"
    r"|\b(?:pg_\w+|nextval|setval|set_config)\s*\(",
    re.IGNORECASE,
)
_BEGIN = "BEGIN"


@functools.lru_cache(maxsize=1024)
def _reads_only(query: str) -> bool:
    """Tell whether a statement's text says it only reads (cached: pages send the same few
    statement strings over and over)."""
    return _READ.match(query) is not None and _MAY_WRITE.search(query) is None


class TrackedConnection(psycopg.Connection[Row]):
    """A psycopg connection that runs reads outside a transaction and commits, when asked to
    roll back, a transaction that only read."""

    wrote = False  # set by its cursors; cleared when a statement opens the next transaction
    outside = False  # reads run outside a transaction: wflow's autocommit, not one asked for

    def read_outside(self) -> None:
        """Run reads outside a transaction from now on (the statement that may write opens one)."""
        super().set_autocommit(True)
        self.outside = True

    def set_autocommit(self, value: bool) -> None:
        """Set autocommit as someone asks (SQLAlchemy for an isolation level, AUTOCOMMIT for a
        VACUUM): no statement opens a transaction of its own meanwhile."""
        super().set_autocommit(value)
        self.outside = False

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
    """A cursor that opens a transaction for a statement that may write, and tells its
    connection when one may have written."""

    __slots__ = ()

    def _opening(self, conn: TrackedConnection[Any], reads: bool) -> None:
        """Before a statement with no transaction open: clear the connection's mark and, for
        a statement that may write on a connection reading outside, open one."""
        if conn.pgconn.transaction_status != IDLE:
            return
        conn.wrote = False
        if conn.outside and not reads:
            super().execute(_BEGIN, prepare=False)

    def _writing(self) -> None:
        """Before a bulk execution, a stream or a COPY: in a transaction, counted as written."""
        conn = cast(TrackedConnection[Any], self.connection)
        self._opening(conn, reads=False)
        conn.wrote = True

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
        reads = isinstance(query, str) and _reads_only(query)
        self._opening(conn, reads)
        try:
            super().execute(query, params, prepare=prepare, binary=binary)
        except BaseException:
            conn.wrote = True
            raise
        result = self.pgresult
        tag = result.command_status if result is not None else None
        if not (reads and tag and tag.startswith(_READS)):
            conn.wrote = True
        return self

    def executemany(
        self, query: Any, params_seq: Iterable[Any], *, returning: bool = False
    ) -> None:
        """Execute as psycopg does, in a transaction that counts as written."""
        self._writing()
        super().executemany(query, params_seq, returning=returning)

    def stream(self, *args: Any, **kwargs: Any) -> Iterator[Row]:
        """Stream as psycopg does, in a transaction that counts as written."""
        self._writing()
        return super().stream(*args, **kwargs)

    def copy(self, *args: Any, **kwargs: Any) -> Any:
        """Copy as psycopg does, in a transaction that counts as written."""
        self._writing()
        return super().copy(*args, **kwargs)


def track(engine: Engine) -> None:
    """Make the PostgreSQL (psycopg) `engine` connect with tracked connections and cursors,
    reading outside a transaction."""

    @sa.event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, _record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
        cparams["cursor_factory"] = TrackedCursor  # no other: an untracked cursor could write
        conn = TrackedConnection.connect(*cargs, **cparams)
        conn.read_outside()
        return conn

    @sa.event.listens_for(engine, "checkin")
    def _read_outside(dbapi_conn: Any, _record: Any) -> None:
        # after an isolation level, or AUTOCOMMIT, asked for: outside again, as connected
        if (
            isinstance(dbapi_conn, TrackedConnection)
            and not dbapi_conn.closed
            and not dbapi_conn.outside
            and dbapi_conn.pgconn.transaction_status == IDLE
        ):
            dbapi_conn.read_outside()

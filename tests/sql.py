"""Recording the SQL statements a piece of work sends, for tests that count them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa


@contextlib.contextmanager
def statements_sent(bind: sa.Engine) -> Iterator[list[str]]:
    """Yield the list of statements sent through `bind` (SQLAlchemy's cursor) while inside."""
    seen: list[str] = []

    def hook(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    sa.event.listen(bind, "before_cursor_execute", hook)
    try:
        yield seen
    finally:
        sa.event.remove(bind, "before_cursor_execute", hook)


@contextlib.contextmanager
def statements_with_params(bind: sa.Engine) -> Iterator[list[tuple[str, Any]]]:
    """Yield the (statement, parameters) sent through `bind` while inside."""
    seen: list[tuple[str, Any]] = []

    def hook(_conn: Any, _cursor: Any, statement: str, params: Any, *_rest: Any) -> None:
        seen.append((statement, params))

    sa.event.listen(bind, "before_cursor_execute", hook)
    try:
        yield seen
    finally:
        sa.event.remove(bind, "before_cursor_execute", hook)


def sqlite_plan(bind: sa.Engine, statement: str, params: Any) -> list[str]:
    """Return the lines of SQLite's EXPLAIN QUERY PLAN of a statement sent with `params`."""
    with bind.connect() as conn:
        found = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
    return [str(r[-1]) for r in found]

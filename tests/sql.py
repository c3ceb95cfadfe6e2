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

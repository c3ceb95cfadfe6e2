"""Pages of a long list: which rows page N shows, how many pages there are, and refusals.

A page number is counted from 1. A number past the last page is refused (`PageNotFound`, a
404 naming the pages there are) rather than silently shown as another page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from wflow.core.errors import NotFound

T = TypeVar("T")
BADGE_CAP = 100  # a menu's badge counts this far, then says "99+": its cost is bounded


class PageNotFound(NotFound):
    """A page number past the last page of a list."""


def page_count(total: int, size: int) -> int:
    """Return how many pages of `size` rows `total` rows fill (one when there is none)."""
    return max(1, -(-total // size))


def capped_count(rows: sa.Select[Any], cap: int = BADGE_CAP) -> sa.ScalarSelect[int]:
    """Return the count of `rows` as a scalar subquery that stops reading at `cap` rows."""
    # the numbers written in the statement, not bound (SQLite's dialect binds an OFFSET 0 else)
    capped = rows.limit(sa.literal_column(str(int(cap)))).offset(sa.literal_column("0"))
    return sa.select(sa.func.count()).select_from(capped.subquery()).scalar_subquery()


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its rows, its number (from 1), the page size and the list's length."""

    items: Sequence[T]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        """Return how many pages the whole list fills (one when it is empty)."""
        return page_count(self.total, self.size)

    @property
    def first(self) -> int:
        """Return the place of the page's first row in the list (from 1; 0 when empty)."""
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def last(self) -> int:
        """Return the place of the page's last row in the list (0 when empty)."""
        return (self.number - 1) * self.size + len(self.items)


def paginate(rows: Sequence[T], number: int, size: int) -> Page[T]:
    """Return page `number` (from 1) of `rows`, `size` a page; PageNotFound past the last."""
    start = max(0, (number - 1) * size)
    return page_of(rows[start : start + size], number, size, len(rows))


def page_of(items: Sequence[T], number: int, size: int, total: int) -> Page[T]:
    """Return `items` as page `number` of a list of `total` rows read a page at a time
    (`size` a page); PageNotFound when the list has no such page."""
    if size < 1:
        raise ValueError("a page holds one row at least")
    pages = page_count(total, size)
    if number < 1 or number > pages:
        raise PageNotFound(
            _l("There is no page %(number)d: the last page is %(pages)d.", number=number,
               pages=pages),
            "page",
        )  # fmt: skip
    return Page(items, number, size, total)


def whole(rows: Sequence[T]) -> Page[T]:
    """Return every row of `rows` as one page (an export, a list too short to split)."""
    return Page(rows, 1, max(1, len(rows)), len(rows))

"""How long operations tell their progress without knowing who watches (the CLI draws bars)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

Advance = Callable[[int], None]  # called with how many units (bytes, pages, keys) were done


class Progress(Protocol):
    """Where a long operation reports its stages and says what people should know."""

    def stage(self, label: str, total: int | None) -> AbstractContextManager[Advance]:
        """Open a stage of `total` units (None: unknown); the context yields its `advance`."""
        ...

    def say(self, line: str) -> None:
        """Tell one line (a result, a warning)."""
        ...


class Silent:
    """Progress nobody watches (tests, library use)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def stage(self, label: str, total: int | None) -> AbstractContextManager[Advance]:
        """Open a stage that counts nothing."""
        return _nothing()

    def say(self, line: str) -> None:
        """Keep the line (tests read them)."""
        self.lines.append(line)


@contextmanager
def _nothing() -> Iterator[Advance]:
    yield lambda _n: None

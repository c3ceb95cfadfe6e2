"""The one clock of wflow: naive UTC datetimes everywhere, replaceable in tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

_now: Callable[[], datetime] | None = None


def utcnow() -> datetime:
    """Return the current time as a naive UTC datetime (or the frozen test time)."""
    if _now is not None:
        return _now()
    return datetime.now(UTC).replace(tzinfo=None)


def set_clock(now: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests, `wflow tick --now`); None restores the real one."""
    global _now
    _now = now

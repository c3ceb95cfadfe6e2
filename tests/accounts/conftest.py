"""Account fixtures: a clock the test moves (throttle waits)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from wflow.clock import set_clock


class Clock:
    """wflow's clock, frozen where the test puts it."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 8, 0, 0)
        set_clock(lambda: self.now)

    def at(self, text: str) -> datetime:
        """Move the clock to an ISO date-time."""
        self.now = datetime.fromisoformat(text)
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by `delta`."""
        self.now += delta
        return self.now


@pytest.fixture
def clock() -> Iterator[Clock]:
    """Freeze wflow's clock (restored afterwards)."""
    yield Clock()
    set_clock(None)

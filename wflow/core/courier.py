"""Follow-up work that drains an outbox after a commit: inline, or on a thread of its own.

A courier runs jobs of the form `job(session) -> int` (one batch; how many it handled) until
a batch handles nothing. Inline (the default, tests and command-line runs), a poke drains at
once on the caller's session, after the change committed. In the background (production
servers, `NOTIFY_IN_BACKGROUND`), a poke only wakes a thread of the process, which waits a
moment for more pokes and drains in batches on its own session, so the request that caused
the work neither waits for it nor pays for it per change. A process that dies leaves the
outbox as it was; the next poke or `wflow tick` drains it. A failing batch is logged and left
for the next drain.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session

from wflow.core.uow import best_effort

log = logging.getLogger(__name__)


class Batch(NamedTuple):
    """What one batch of a job handled, and whether more may be waiting behind it."""

    handled: int
    more: bool


# one batch of work: how many items it handled (more may wait while that is not 0), or a Batch
Job = Callable[[Session], int | Batch]
MAX_BATCHES = 1_000  # a drain stops there: a job that always finds work cannot spin forever
RETRIES = 1  # failed batches a drain tries again before it stops


class Courier:
    """Drain outboxes after commits, inline or on one background thread per process."""

    def __init__(
        self,
        bind: sa.Engine,
        context: Callable[[], AbstractContextManager[Any]],
        background: bool = False,
        window: float = 0.05,
    ) -> None:
        """Drain on sessions of `bind` inside `context()` (the app's); `window`: seconds the
        background thread waits after a poke for more work to batch with it."""
        self.bind = bind
        self.context = context
        self.background = background
        self.window = window
        self._jobs: set[Job] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def poke(self, session: Session, job: Job) -> None:
        """Have `job` drained: now on `session` (inline), or soon by the thread (background)."""
        if not self.background:
            drain(session, job)
            return
        with self._lock:
            self._jobs.add(job)
            self._idle.clear()
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._pid = os.getpid()  # a forked worker starts its own thread
                self._thread = threading.Thread(target=self._run, name="wflow-courier",
                                                daemon=True)  # fmt: skip
                self._thread.start()
        self._wake.set()

    def wait(self, timeout: float = 10.0) -> bool:
        """Wait until the thread has drained what it was poked for; False on timeout."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self.window:
                time.sleep(self.window)  # let the next changes join this batch
            with self._lock:
                jobs, self._jobs = list(self._jobs), set()
            try:
                with self.context(), Session(self.bind, expire_on_commit=False) as session:
                    for job in jobs:
                        drain(session, job)
            except Exception:  # never let the thread die: the next poke or tick retries
                log.exception("the courier failed to drain its outboxes")
            with self._lock:
                if not self._jobs:
                    self._idle.set()


def drain(session: Session, job: Job) -> int:
    """Run `job` in units of its own until a batch handles nothing; return the total handled.

    A batch that fails is logged and rolled back, then tried once more at once (a job may
    have learned which item failed it); a second failure stops the drain, its items staying
    in the outbox for the next drain.
    """
    total, failed = 0, 0
    for _ in range(MAX_BATCHES):
        done: int | Batch | None = None
        with best_effort(session, f"draining {getattr(job, '__qualname__', job)}"):
            done = job(session)
        if done is None:  # rolled back
            failed += 1
            if failed > RETRIES:
                break
            continue
        handled, more = done if isinstance(done, Batch) else (done, bool(done))
        total += handled
        if not more:
            break
    return total

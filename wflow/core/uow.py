"""The unit of work: the one owner of transactions (commit on success, roll back on any error).

Services wrap their writes in `unit_of_work(session)` (or decorate a verb with
`@transactional`); units nest, and only the outermost commits or rolls back, so a verb that
calls another verb stays one transaction. Work that must follow a commit (notifications,
e-mail) is queued with `after_commit` and runs once the outermost unit has committed.
No other module calls `commit()` for a service or `rollback()` at all.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

P = ParamSpec("P")
R = TypeVar("R")
log = logging.getLogger(__name__)

_DEPTH = "wflow.uow.depth"
_AFTER = "wflow.uow.after_commit"
_ON_ROLLBACK = "wflow.uow.after_rollback"
_ONCE = "wflow.uow.once"  # the keys of the work queued `once` in the open unit


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """Run the block as one transaction: commit when it ends, roll back if it raises."""
    depth = session.info.get(_DEPTH, 0)
    session.info[_DEPTH] = depth + 1
    failed = False
    try:
        yield session
        if depth == 0:
            session.commit()
    except BaseException:
        failed = True
        if depth == 0:
            session.rollback()
            session.info.pop(_AFTER, None)
        raise
    finally:
        session.info[_DEPTH] = depth
        if depth == 0:
            session.info.pop(_ONCE, None)
            _run(session, _ON_ROLLBACK if failed else _AFTER)
            session.info.pop(_ON_ROLLBACK, None)


def transactional(fn: Callable[P, R]) -> Callable[P, R]:
    """Make a service verb one unit of work on the session it is given (first argument)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        session = kwargs.get("session", args[0] if args else None)
        if not isinstance(session, Session):
            raise TypeError(f"{fn.__qualname__}: the first argument must be the Session")
        with unit_of_work(session):
            return fn(*args, **kwargs)

    return wrapper


def after_commit(session: OrmSession, work: Callable[[], Any], once: object = None) -> None:
    """Run `work` after the current unit commits (at once when no unit is open); with `once`,
    only the first work queued under that key in the unit runs."""
    if session.info.get(_DEPTH, 0) == 0:
        work()
        return
    queued = session.info.setdefault(_AFTER, [])
    if once is not None:
        if once in session.info.setdefault(_ONCE, set()):
            return
        session.info[_ONCE].add(once)
    queued.append(work)


def after_rollback(session: OrmSession, work: Callable[[], Any]) -> None:
    """Run `work` if the current unit rolls back (e.g. record a wrong password all the same)."""
    if session.info.get(_DEPTH, 0) > 0:
        session.info.setdefault(_ON_ROLLBACK, []).append(work)


def in_unit(session: OrmSession) -> bool:
    """Tell whether a unit of work is open on the session."""
    return bool(session.info.get(_DEPTH, 0))


def _run(session: Session, key: str) -> None:
    for work in session.info.pop(key, []):
        work()


def discard(session: Session) -> None:
    """Drop whatever a failed request or a lost race left pending (nothing is written)."""
    session.rollback()
    session.info.pop(_AFTER, None)
    session.info.pop(_ONCE, None)
    session.info.pop(_ON_ROLLBACK, None)


def fresh(session: Session) -> None:
    """End the open read transaction so the next read sees what others committed meanwhile."""
    if session.info.get(_DEPTH, 0) > 1:
        raise RuntimeError("a fresh read inside a nested unit of work would lose its writes")
    session.rollback()


@contextmanager
def best_effort(session: Session, what: str) -> Iterator[None]:
    """Run follow-up work in its own unit; a failure is logged, never raised (the change stands)."""
    try:
        with unit_of_work(session):
            yield
    except Exception:
        log.exception("%s failed", what)

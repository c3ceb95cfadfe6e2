"""Mapped objects made from rows read on the DBAPI cursor, attached as if the ORM loaded them.

A request reads its signed-in user first, every time: through the ORM that statement costs
about twice what it costs on the cursor (the execution context, the loading machinery, the
result object). `persistent` builds the object from a row of its column attributes and puts it
in the session's identity map, persistent and unmodified, exactly what a query would have
left there, minus the ORM's `load` event (the caller does what its listeners would).
"""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapper, make_transient_to_detached
from sqlalchemy.orm import Session as OrmSession

M = TypeVar("M")


def loaded(session: OrmSession, cls: type[M], ident: Any) -> M | None:
    """Return the object of `cls` with primary key `ident` already in the session, if any."""
    mapper: Mapper[Any] = sa.inspect(cls)
    found = session.identity_map.get(mapper.identity_key_from_primary_key((ident,)))
    return found if isinstance(found, cls) else None


def persistent(session: OrmSession, cls: type[M], row: Any) -> M:
    """Return a new object of `cls` holding `row` (a named row of every column attribute),
    attached to `session` as loaded: nothing to flush, expired and refreshed as any other.

    The session must not hold the object already (`loaded` tells).
    """
    mapper: Mapper[Any] = sa.inspect(cls)
    obj: M = mapper.class_manager.new_instance()
    sa.inspect(obj).dict.update(row._asdict())
    make_transient_to_detached(obj)
    session.add(obj)
    return obj

"""Councils in a hierarchy: which council a unit, block or person belongs to, and what it sees.

A council is a unit of kind `council` (its signing identity); its superior council is its
`parent_id`. Every unit is in one council's jurisdiction (`Unit.council_id`; a council's is
itself), and so is every block (`Block.council_id`). A council's committee (secretariat,
members, administrators) acts within its own council and reads the councils below it.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from wflow.core import attach
from wflow.org import epoch
from wflow.org.models import Block, CouncilLevel, Unit, UnitKind, User

DEFAULT_CODE = "HDTDKT"
DEFAULT_NAME = "Hội đồng Thi đua - Khen thưởng"
_BELOW = "wflow.councils.below"  # session.info: council id -> it and the councils below
_OF_USER = "wflow.councils.of_user"  # session.info: user id -> the council they work in
_TREE = "wflow.councils.tree"  # session.info: every council's (id, parent id), by id
_COUNCILS = (
    sa.select(col(Unit.id), col(Unit.parent_id))
    .where(col(Unit.kind) == UnitKind.COUNCIL.value)
    .order_by(col(Unit.id))
)
_KIND = "councils"  # their kind among what is kept per process under the access epoch
_COUNCIL_OF_UNIT = sa.select(col(Unit.council_id)).where(col(Unit.id) == sa.bindparam("unit"))
_COUNCIL_OF_BLOCK = sa.select(col(Block.council_id)).where(col(Block.id) == sa.bindparam("block"))


def default_council(session: Session) -> Unit:
    """Return the installation's first council, creating it when there is none yet."""
    found = session.get(Unit, first_id(session) or 0)
    if found is not None:
        return found
    council = Unit(name=DEFAULT_NAME, code=DEFAULT_CODE, kind=UnitKind.COUNCIL.value,
                   level=CouncilLevel.PROVINCE.value)  # fmt: skip
    session.add(council)
    session.flush()
    council.council_id = council.id
    session.add(council)
    session.flush()
    return council


def first_id(session: Session) -> int | None:
    """Return the id of the installation's first council (None before there is one)."""
    tree = _tree(session)
    return tree[0][0] if tree else None


def _tree(session: Session) -> list[tuple[int, int | None]]:
    """Return every council's (id, parent id), by id: read once per transaction, in one
    statement for the first council (every access check asks) and the hierarchy; kept per
    process under the access epoch a user loaded in this transaction (`wflow.org.epoch`)."""
    found: list[tuple[int, int | None]] | None = session.info.get(_TREE)
    if found is None:
        if session.new or session.dirty:
            session.flush()  # as autoflush would: a council added in this unit of work counts
        found = epoch.kept(session, _KIND, "tree", lambda: _read_tree(session))
        if found:  # none yet: `default_council` may create the first in this transaction
            session.info[_TREE] = found
    return found


def _read_tree(session: Session) -> list[tuple[int, int | None]]:
    rows = session.connection().execute(_COUNCILS).all()
    return [(cid or 0, parent) for cid, parent in rows]  # a primary key: never None


def _read(session: Session, query: sa.Select[Any], params: dict[str, Any]) -> Any:
    """Return the first column of the first row, on the connection (every access check asks)."""
    if session.new or session.dirty:
        session.flush()  # as autoflush would: a unit added in this unit of work counts
    return session.connection().execute(query, params).scalar()


def default_council_id(session: Session) -> int:
    """Return the id of the installation's first council (created when missing)."""
    return default_council(session).id or 0


def of_unit(session: Session, unit_id: int | None) -> int | None:
    """Return the council of a unit (None: no such unit)."""
    if unit_id is None:
        return None
    found: int | None = epoch.kept(
        session, _KIND, ("unit", unit_id),
        lambda: _read(session, _COUNCIL_OF_UNIT, {"unit": unit_id}),
    )  # fmt: skip
    return found


def of_block(session: Session, block_id: int | None) -> int | None:
    """Return the council of a block (None: no such block): the session's block if it holds
    it, else kept per process under the access epoch as a unit's council is."""
    if block_id is None:
        return None
    held = attach.loaded(session, Block, block_id)
    if held is not None:
        return held.council_id
    found: int | None = epoch.kept(
        session, _KIND, ("block", block_id),
        lambda: _read(session, _COUNCIL_OF_BLOCK, {"block": block_id}),
    )  # fmt: skip
    return found


def of_user(session: Session, user: User) -> int:
    """Return the council a person works in: their unit's; without a unit, the first council
    (0 before there is any). Read once per transaction: every access check asks it."""
    cache: dict[int, int] = session.info.setdefault(_OF_USER, {})
    if user.id is not None and user.id in cache:
        return cache[user.id]
    found = of_unit(session, user.unit_id)
    council = found if found is not None else first_id(session) or 0
    if user.id is not None:
        cache[user.id] = council
    return council


def of_scope(session: Session, unit_id: int | None, block_id: int | None) -> int | None:
    """Return the council of what a workflow is about: its block's, else its unit's, else the
    first council's."""
    found = of_block(session, block_id)
    if found is None:
        found = of_unit(session, unit_id)
    return found if found is not None else first_id(session)


def forget(session: Session) -> None:
    """Forget the hierarchy read in this transaction (a council was added)."""
    _forget(session)


def below(session: Session, council_id: int) -> frozenset[int]:
    """Return the council and every council below it (read once per transaction)."""
    cache: dict[int, frozenset[int]] = session.info.setdefault(_BELOW, {})
    if council_id in cache:
        return cache[council_id]
    children: dict[int, list[int]] = {}
    for cid, parent in _tree(session):
        if parent is not None:
            children.setdefault(parent, []).append(cid)
    seen, todo = {council_id}, [council_id]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    cache[council_id] = frozenset(seen)
    return cache[council_id]


def seen_by(session: Session, user: User) -> frozenset[int]:
    """Return the councils whose data a committee member reads: their own and those below."""
    return below(session, of_user(session, user))


def unit_ids_in(session: Session, council_ids: Collection[int]) -> frozenset[int]:
    """Return the ids of the units in the jurisdiction of `council_ids` (councils included)."""
    return frozenset(i for i in session.exec(units_in(council_ids)).all() if i is not None)


def units_in(council_ids: Collection[int]) -> SelectOfScalar[int | None]:
    """Return the query of the ids of the units in the jurisdiction of `council_ids`: to filter
    by inside another statement rather than sending a thousand ids back as parameters."""
    return select(col(Unit.id)).where(col(Unit.council_id).in_(sorted(council_ids)))


def blocks_in(council_ids: Collection[int]) -> SelectOfScalar[int | None]:
    """Return the query of the ids of the blocks of `council_ids` (see `units_in`)."""
    return select(col(Block.id)).where(col(Block.council_id).in_(sorted(council_ids)))


def units_seen_by(session: Session, user: User) -> frozenset[int]:
    """Return the units a committee member reads: those of their council and those below."""
    return unit_ids_in(session, seen_by(session, user))


@sa.event.listens_for(OrmSession, "after_commit")
@sa.event.listens_for(OrmSession, "after_soft_rollback")
def _forget(session: OrmSession, *_args: Any) -> None:
    session.info.pop(_BELOW, None)
    session.info.pop(_OF_USER, None)
    session.info.pop(_TREE, None)

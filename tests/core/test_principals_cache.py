"""Principals are kept per process: a user seen again sends no SQL for them, and every change
to what they are read from (memberships, leaders, delegations, the user's roles and unit,
councils, the day) shows on the very next request."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.conftest import PASSWORD, present, sign_in
from tests.sql import statements_sent
from wflow.clock import set_clock
from wflow.core.access import principals
from wflow.core.uow import unit_of_work
from wflow.councils import service as councils
from wflow.org import service as org
from wflow.org import signers
from wflow.org.models import AccessEpoch, Block, Role, Unit, User

TABLES = ("unit", "block", "blockmembership", "signing_delegation")  # what principals read
SEATS = "SELECT blockmembership.block_id, blockmembership.year, blockmembership.position FROM"


def _engine(app: Flask) -> sa.Engine:
    engine: sa.Engine = app.extensions["wflow.db"]
    return engine


def request(app: Flask, user_id: int | None) -> frozenset[str]:
    """Return the user's principals as the next request sees them (a session of its own, the
    user loaded as Flask-Login loads them)."""
    with Session(_engine(app), expire_on_commit=False) as session:
        user = session.get(User, user_id)
        assert user is not None
        return principals(session, user)


def seats(app: Flask, user: User, year: int, block: Block) -> set[str]:
    """Return the user's principals on `block` in `year`, as the next request sees them."""
    prefix = f"block:{block.id}:{year}:"
    return {p.removeprefix(prefix) for p in request(app, user.id) if p.startswith(prefix)}


def _set_year(app: Flask, session: Session, block: Block, year: int, members: list[Unit],
              leader: Unit | None) -> None:  # fmt: skip
    with app.test_request_context():
        org.set_block_year(session, block, year=year, member_ids=[u.id or 0 for u in members],
                           leader_id=leader.id if leader else None, deputy_id=None)  # fmt: skip


def test_principals_cache__a_user_seen_again_sends_no_sql_for_them(
    app: Flask, world: dict[str, Any]
) -> None:
    head = world["users"]["a1.head"]
    first = request(app, head.id)
    with Session(_engine(app), expire_on_commit=False) as session:
        user = session.get(User, head.id)
        assert user is not None
        with statements_sent(_engine(app)) as sent:
            again = principals(session, user)
    assert again == first and sent == []
    assert f"block:{world['blocks']['a'].id}:{world['year']}:leader_head" in again


def test_principals_cache__a_signed_in_page_reads_the_seats_once(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    sign_in(client, "a1.head")

    def seats_read() -> int:
        with statements_sent(_engine(app)) as sent:
            assert client.get("/").status_code == 200
        return sum(SEATS in " ".join(s.split()) for s in sent)

    seats_read()  # the first page of this process may compute them
    assert seats_read() == 0
    # a change: the next page computes them again, the one after does not
    with Session(_engine(app)) as session:
        _set_year(app, session, world["blocks"]["a"], world["year"],
                  [world["units"]["a1"], world["units"]["a2"]], world["units"]["a2"])  # fmt: skip
    assert seats_read() == 1
    assert seats_read() == 0


def test_principals_cache__memberships_and_leaders_show_on_the_next_request(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    year, block, units, users = world["year"], world["blocks"]["a"], world["units"], world["users"]
    a1, a2 = users["a1.head"], users["a2.head"]
    assert seats(app, a1, year, block) == {"member", "leader", "leader_head"}
    assert seats(app, a2, year, block) == {"member"}
    _set_year(app, session, block, year, [units["a1"]], units["a1"])  # a2 leaves
    assert seats(app, a2, year, block) == set()
    _set_year(app, session, block, year, [units["a1"], units["a2"]], units["a2"])  # a2 leads
    assert seats(app, a2, year, block) == {"member", "leader", "leader_head"}
    assert seats(app, a1, year, block) == {"member"}
    _set_year(app, session, block, year + 1, [units["b1"]], units["b1"])  # another year's seat
    assert seats(app, users["b1.head"], year + 1, block) == {"member", "leader", "leader_head"}


def test_principals_cache__a_delegation_granted_and_revoked_shows_on_the_next_request(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    head, staff, unit = world["users"]["a1.head"], world["users"]["a1.staff"], world["units"]["a1"]
    leads = f"block:{world['blocks']['a'].id}:{world['year']}:leader_head"
    assert f"unit:{unit.id}:head" not in request(app, staff.id)
    with app.test_request_context():
        today = signers.today(session)
        row = signers.grant(session, head=head, delegate_id=staff.id, capacity="KT",
                            starts_on=today, ends_on=today + timedelta(days=3),
                            reason="Đi họp")  # fmt: skip
    assert {f"unit:{unit.id}:head", leads} <= request(app, staff.id)
    with app.test_request_context():
        signers.revoke(session, head=head, delegation_id=row.id or 0)
    found = request(app, staff.id)
    assert f"unit:{unit.id}:head" not in found and leads not in found


@pytest.fixture
def frozen() -> Iterator[list[datetime]]:
    """Freeze wflow's clock at 2026-12-06 16:59 UTC: 23:59 in Hà Nội (the installation's zone);
    the test moves it by changing the list's item."""
    now = [datetime(2026, 12, 6, 16, 59)]
    set_clock(lambda: now[0])
    yield now
    set_clock(None)


def test_principals_cache__a_delegation_starts_and_ends_at_local_midnight(
    app: Flask, session: Session, world: dict[str, Any], frozen: list[datetime]
) -> None:
    head, staff, unit = world["users"]["a1.head"], world["users"]["a1.staff"], world["units"]["a1"]
    colleague = world["users"]["a2.head"]
    with app.test_request_context():
        today = signers.today(session)  # 6 December in Hà Nội
        signers.grant(session, head=head, delegate_id=staff.id, capacity="KT", starts_on=today,
                      ends_on=today, reason="Một ngày")  # fmt: skip
        later = org.create_user(session, login="a1.deputy", display_name="Deputy",
                                password=PASSWORD, unit_id=unit.id,
                                roles=[Role.UNIT_STAFF.value])  # fmt: skip
        signers.grant(session, head=head, delegate_id=later.id, capacity="KT",
                      starts_on=today + timedelta(days=1), ends_on=today + timedelta(days=1),
                      reason="Ngày mai")  # fmt: skip
    assert colleague.id is not None
    assert f"unit:{unit.id}:head" in request(app, staff.id)
    assert f"unit:{unit.id}:head" not in request(app, later.id)
    frozen[0] = datetime(2026, 12, 6, 17, 0)  # midnight in Hà Nội: nothing else changed
    assert f"unit:{unit.id}:head" not in request(app, staff.id)
    assert f"unit:{unit.id}:head" in request(app, later.id)


def test_principals_cache__a_change_of_the_users_roles_or_unit_shows_on_the_next_request(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    year, units = world["year"], world["units"]
    a2 = world["users"]["a2.head"]
    assert f"unit:{units['a2'].id}:head" in request(app, a2.id)

    def update(unit: Unit, roles: list[str], active: bool = True) -> None:
        with app.test_request_context():
            org.update_user(session, a2, display_name=a2.display_name, unit_id=unit.id,
                            roles=roles, active=active)  # fmt: skip

    update(units["a2"], [Role.UNIT_STAFF.value])
    found = request(app, a2.id)
    assert f"unit:{units['a2'].id}:member" in found and f"unit:{units['a2'].id}:head" not in found
    update(units["b2"], [Role.UNIT_HEAD.value])
    assert f"block:{world['blocks']['b'].id}:{year}:member" in request(app, a2.id)
    assert f"unit:{units['b2'].id}:head" in request(app, a2.id)
    update(units["b2"], [Role.UNIT_HEAD.value], active=False)
    assert request(app, a2.id) == frozenset()


def test_principals_cache__a_unit_moved_to_another_council_shows_on_the_next_request(
    app: Flask, session: Session, world: dict[str, Any], make_user: Any
) -> None:
    province = councils.default_council(session)
    session.commit()
    with app.test_request_context():
        office = org.create_unit(session, name="Văn phòng", code="VP", kind="agency")
        clerk = make_user("clerk", office, roles=(Role.SECRETARIAT.value,))
        assert request(app, clerk.id) == {f"secretariat:{province.id}"}
        commune = org.create_unit(session, name="Hội đồng xã", code="HDX", kind="council",
                                  level="commune", parent_id=province.id)  # fmt: skip
        assert request(app, clerk.id) == {f"secretariat:{province.id}"}
        org.update_unit(session, office, name=office.name, code=office.code, kind=office.kind,
                        parent_id=None, council_id=commune.id)  # fmt: skip
    assert request(app, clerk.id) == {f"secretariat:{commune.id}"}


def test_principals_cache__what_a_transaction_wrote_counts_in_it_and_never_after_a_rollback(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    year, block, units, users = world["year"], world["blocks"]["a"], world["units"], world["users"]
    assert seats(app, users["a2.head"], year, block) == {"member"}  # kept: a2's, not b1's
    with Session(_engine(app), expire_on_commit=False) as other:
        a2, b1 = other.get(User, users["a2.head"].id), other.get(User, users["b1.head"].id)
        assert a2 is not None and b1 is not None
        theirs = present(other.get(Block, block.id), "the block")
        with pytest.raises(RuntimeError), unit_of_work(other):
            _set_year(app, other, theirs, year,
                      [units["a1"], units["a2"], units["b1"]], units["a2"])  # fmt: skip
            other.flush()
            assert f"block:{block.id}:{year}:leader" in principals(other, a2)  # not the kept
            assert f"block:{block.id}:{year}:member" in principals(other, b1)  # not kept
            raise RuntimeError("rolled back")
    assert seats(app, users["a2.head"], year, block) == {"member"}
    assert seats(app, users["b1.head"], year, block) == set()


def test_principals_cache__a_user_kept_across_commits_sees_changes_made_elsewhere(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    year, block, units = world["year"], world["blocks"]["a"], world["units"]
    a2 = world["users"]["a2.head"]
    with Session(_engine(app), expire_on_commit=False) as kept:
        user = kept.get(User, a2.id)
        assert user is not None
        assert f"block:{block.id}:{year}:leader" not in principals(kept, user)
        kept.commit()
        _set_year(app, session, block, year, [units["a1"], units["a2"]], units["a2"])  # elsewhere
        assert f"block:{block.id}:{year}:leader" in principals(kept, user)


def _epoch(app: Flask) -> int:
    with Session(_engine(app)) as s:
        row = s.get(AccessEpoch, 1)
        assert row is not None
        return row.value


def test_principals_cache__every_table_they_are_read_from_raises_the_epoch(
    app: Flask, world: dict[str, Any]
) -> None:
    """Each of INSERT, UPDATE and DELETE on each table principals read raises the epoch (a
    migration copying one of these tables on SQLite would lose its triggers: this says so)."""
    unit_id = world["units"]["a1"].id
    head, staff = world["users"]["a1.head"].id, world["users"]["a1.staff"].id
    statements = {
        "unit": ["INSERT INTO unit (name, code, kind, level, created_at) "
                 "VALUES ('x', 'XX', 'agency', '', '2026-01-01')",
                 "UPDATE unit SET name = 'y' WHERE code = 'XX'",
                 "DELETE FROM unit WHERE code = 'XX'"],
        "block": ["INSERT INTO block (name, kind, code, description, created_at) "
                  "VALUES ('x', 'block', 'XX', '', '2026-01-01')",
                  "UPDATE block SET name = 'y' WHERE code = 'XX'",
                  "DELETE FROM block WHERE code = 'XX'"],
        "blockmembership": [f"INSERT INTO blockmembership (block_id, year, unit_id, position) "
                            f"VALUES ({world['blocks']['b'].id}, 2001, {unit_id}, 'member')",
                            "UPDATE blockmembership SET position = 'leader' WHERE year = 2001",
                            "DELETE FROM blockmembership WHERE year = 2001"],
        "signing_delegation": [
            "INSERT INTO signing_delegation (unit_id, grantor_user_id, delegate_user_id, "
            f"capacity, starts_on, ends_on, reason, created_at) VALUES ({unit_id}, {head}, "
            f"{staff}, 'KT', '2001-01-01', '2001-01-02', 'x', '2001-01-01')",
            "UPDATE signing_delegation SET reason = 'y' WHERE reason = 'x'",
            "DELETE FROM signing_delegation WHERE reason = 'y'"],
    }  # fmt: skip
    assert set(statements) == set(TABLES)
    for table, sqls in statements.items():
        for sql in sqls:
            before = _epoch(app)
            with _engine(app).begin() as conn:
                assert conn.exec_driver_sql(sql).rowcount == 1, sql
            assert _epoch(app) > before, f"{table}: {sql.split()[0]} does not raise the epoch"

"""The load tests' province, built through the services, and the checks of what they left."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session, col, select

from tests.pacts.helpers import GROUPS, published_plan
from wflow.accounts import tokens
from wflow.clock import utcnow
from wflow.core.access import current_year
from wflow.engine.audit import verify_chains
from wflow.engine.tables import WfEvent, WfInstance, WfParticipant
from wflow.org import service as org
from wflow.org.models import Block, Role, User
from wflow.pacts import service as pacts
from wflow.pacts.models import Document, Pact
from wflow.plans import service as plans
from wflow.plans.models import Plan
from wflow.signatures import keys
from wflow.workflow_setup import engine

PASSWORD = "load-test-2026!"


@dataclass
class Team:
    """A block of units for this year, a head per unit (and staff of the leading unit)."""

    block_id: int
    heads: list[User]
    staff: User | None


def team(session: Session, prefix: str, size: int, *, staff: bool = False) -> Team:
    """Create `size` units with a head each and a block they form, led by the first."""
    units = [
        org.create_unit(
            session, code=f"{prefix}{i:02d}", name=f"Đơn vị {prefix}{i:02d}", kind="socio_political"
        )
        for i in range(1, size + 1)
    ]
    heads = [
        org.create_user(
            session,
            login=f"{u.code.lower()}.head",
            display_name=f"Thủ trưởng {u.code}",
            password=PASSWORD,
            unit_id=u.id,
            roles=[Role.UNIT_HEAD.value],
            locale="en",
        )
        for u in units
    ]
    helper = None
    if staff:
        helper = org.create_user(
            session,
            login=f"{units[0].code.lower()}.staff",
            display_name=f"Chuyên viên {prefix}",
            password=PASSWORD,
            unit_id=units[0].id,
            roles=[Role.UNIT_STAFF.value],
            locale="en",
        )
    block = org.create_block(
        session,
        name=f"Khối {prefix}",
        code=f"K{prefix}",
        year=current_year(),
        member_ids=[u.id or 0 for u in units],
        leader_id=units[0].id,
    )
    return Team(block.id or 0, heads, helper)


def secretariat(session: Session) -> User:
    """Create the secretariat's account."""
    return org.create_user(
        session,
        login="secretariat",
        display_name="Văn phòng",
        password=PASSWORD,
        unit_id=None,
        roles=[Role.SECRETARIAT.value],
    )


def pact_in_signing(session: Session, leader: User, approver: User, block_id: int) -> Pact:
    """Draft, approve and publish a plan of the block; prepare its pact and open signing."""
    block = session.get(Block, block_id)
    assert block is not None
    plan = published_plan(session, leader, approver, block)
    pact = pacts.prepare_pact(session, engine(), user=leader, plan=plan)
    pacts.open_signing(session, engine(), user=leader, pact=pact)
    return pact


def plan_in_consultation(session: Session, leader: User, block_id: int, days: int) -> Plan:
    """Draft a plan with a balanced criteria table and open its consultation for `days`."""
    plan = plans.create_plan(
        session,
        engine(),
        user=leader,
        block_id=block_id,
        year=current_year(),
        title=f"Kế hoạch thi đua khối {block_id}",
        purposes="Đoàn kết.",
        contents=[{"area": "Tuyên truyền", "text": "Quán triệt nghị quyết."}],
    )
    plans.set_criteria(session, user=leader, plan=plan, groups=GROUPS)
    plans.open_consultation(
        session, engine(), user=leader, plan=plan, until=utcnow().date() + timedelta(days=days)
    )
    return plan


def api_token(session: Session, user: User) -> str:
    """Create a personal API token for `user`; return its secret."""
    return tokens.create_token(session, user=user, name="load test")[1]


def ensure_certificates(session: Session) -> None:
    """Issue every unit its certificate now (not on first signature, under load)."""
    keys.ensure_unit_certificates(session)


# --- checks ------------------------------------------------------------------------------


def events(session: Session, instance_id: int) -> Counter[str]:
    """Return how many audit events each trigger has on the instance."""
    rows = session.exec(select(WfEvent.trigger).where(WfEvent.instance_id == instance_id)).all()
    return Counter(rows)


def state(session: Session, instance_id: int) -> str:
    """Return the instance's state."""
    row = session.get(WfInstance, instance_id)
    assert row is not None
    session.refresh(row)
    return row.state


def broken_chains(session: Session) -> list[str]:
    """Return every broken audit chain of the database, described."""
    return [
        f"instance {b.instance_id} at event {b.seq}: {b.reason}" for b in verify_chains(session)
    ]


@dataclass(frozen=True)
class PactFacts:
    """What the database says about a pact's signatures, checked to agree with itself."""

    state: str
    signed_units: frozenset[int]
    events: Counter[str]
    revisions: list[Document]


def pact_facts(app: Flask, session: Session, pact_id: int) -> PactFacts:
    """Check that a pact's state, events, participants and documents agree; return them.

    Every `sign` event names a stored revision by hash; every signed revision row has
    exactly one such event (a transaction is whole or absent); the acted participants are
    the signing units; the current document's chain holds every signature; each file on
    disk matches its hash.
    """
    session.expire_all()
    pact = session.get(Pact, pact_id)
    assert pact is not None and pact.instance_id is not None
    iid = pact.instance_id
    instance = session.get(WfInstance, iid)
    assert instance is not None
    counted = events(session, iid)
    signs = session.exec(
        select(WfEvent).where(WfEvent.instance_id == iid, WfEvent.trigger == "sign")
    ).all()
    revisions = list(
        session.exec(
            select(Document)
            .where(Document.pact_id == pact_id, Document.kind == "pact")
            .order_by(col(Document.id))
        ).all()
    )
    signed_rows = [d for d in revisions if d.field]
    by_hash = {d.sha256: d for d in signed_rows}
    event_hashes = [e.data.get("sha256") for e in signs]
    assert sorted(h or "" for h in event_hashes) == sorted(by_hash), (
        "sign events and signed revisions disagree",
        event_hashes,
        [(d.id, d.field, d.sha256) for d in signed_rows],
    )
    fields = Counter(d.field for d in signed_rows)
    assert all(n == 1 for n in fields.values()), f"a unit's field was signed twice: {fields}"
    acted = session.exec(
        select(WfParticipant.key).where(
            WfParticipant.instance_id == iid, WfParticipant.choice == "act"
        )
    ).all()
    assert len(acted) == len(signs), (acted, len(signs))
    chain: set[str] = set()
    doc = session.get(Document, pact.document_id) if pact.document_id else None
    while doc is not None:
        if doc.field:
            chain.add(doc.field)
        doc = session.get(Document, doc.parent_id) if doc.parent_id else None
    assert chain == set(fields), ("the current PDF lacks signatures", chain, set(fields))
    for d in revisions:
        data = (Path(app.instance_path) / d.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == d.sha256, f"document {d.id} changed on disk"
    units = {int(k.split(":")[1]) for k in acted}
    if instance.state == "in_force":
        assert counted["all_signed"] == 1 and pact.evidence_id is not None
    else:
        assert counted["all_signed"] == 0
    return PactFacts(instance.state, frozenset(units), counted, revisions)


def unit_of(session: Session, login: str) -> int:
    """Return the unit id of a login."""
    user = session.exec(select(User).where(User.login == login)).one()
    return user.unit_id or 0


def open_transactions(db: sa.Engine, application_name: str) -> int:
    """Return how many connections named `application_name` are inside a transaction."""
    with db.connect() as conn:
        found = conn.execute(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"
                " AND datname = current_database() AND xact_start IS NOT NULL"
            ),
            {"name": application_name},
        ).scalar_one()
    return int(found)


def connections(db: sa.Engine, application_name: str) -> int:
    """Return how many connections named `application_name` the server still holds."""
    with db.connect() as conn:
        found = conn.execute(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"
                " AND datname = current_database()"
            ),
            {"name": application_name},
        ).scalar_one()
    return int(found)

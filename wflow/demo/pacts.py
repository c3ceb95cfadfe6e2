"""The demo's pacts, built through the services: last year's signed by every unit, one signing now.

The political block's plan for this year stays in consultation (the plan demo), so this
year's pact in signing belongs to the enterprises' block, whose plan is published here.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from wflow.clock import utcnow
from wflow.core import subjects
from wflow.demo.org import DEMO_PASSWORD, user_by_login
from wflow.demo.plans import CONTENTS, LEGAL_BASES, PURPOSES, _groups
from wflow.engine import Engine
from wflow.org.models import Block, User
from wflow.pacts import service as pacts
from wflow.pacts.models import Pact
from wflow.plans import service as plans
from wflow.plans.models import Plan
from wflow.signatures import keys

SIGNED_NOW = ("pcht", "agrht")  # this year's leader and one member; CNHT and VNPTHT still to sign


def _published_plan(session: Session, engine: Engine, block: Block, year: int) -> Plan:
    leader, secretariat = user_by_login(session, "pcht.head"), user_by_login(session, "secretariat")
    plan = plans.create_plan(
        session, engine, user=leader, block_id=block.id or 0, year=year,
        title=f"Kế hoạch tổ chức phong trào thi đua năm {year} của {block.name}",
        legal_bases=LEGAL_BASES, purposes=PURPOSES, contents=CONTENTS,
    )  # fmt: skip
    plans.set_criteria(session, user=leader, plan=plan, groups=_groups())
    plans.open_consultation(
        session, engine, user=leader, plan=plan, until=utcnow().date() + timedelta(days=7)
    )
    for who, trigger in ((leader, "end_consultation"), (leader, "submit"),
                         (secretariat, "approve"), (leader, "publish")):  # fmt: skip
        subjects.fire(session, engine, user=who, subject=plan, trigger=trigger)
    return plan


def _sign(session: Session, engine: Engine, pact_id: int, logins: list[str]) -> None:
    for login in logins:
        pact = session.get(Pact, pact_id)
        assert pact is not None
        pacts.sign_pact(
            session, engine, user=user_by_login(session, login), pact=pact, password=DEMO_PASSWORD
        )


def build_pact_demo(session: Session, engine: Engine, year: int) -> None:
    """Sign last year's pact of the political block; open this year's of the enterprises."""
    keys.ensure_unit_certificates(session)
    political = session.exec(select(Block).where(Block.code == "KCTXH")).one()
    last_plan = session.exec(
        select(Plan).where(Plan.block_id == political.id, Plan.year == year - 1)
    ).one()
    last_leader = user_by_login(session, "mttq.head")
    last = pacts.prepare_pact(session, engine, user=last_leader, plan=last_plan)
    pacts.open_signing(session, engine, user=last_leader, pact=last)
    logins = [
        u.login
        for s in pacts.signers(session, last)
        for u in session.exec(select(User).where(User.unit_id == s.unit_id)).all()
        if u.login.endswith(".head")
    ]
    _sign(session, engine, last.id or 0, logins)

    business = session.exec(select(Block).where(Block.code == "KDN")).one()
    plan = _published_plan(session, engine, business, year)
    current = pacts.prepare_pact(
        session, engine, user=user_by_login(session, "pcht.head"), plan=plan
    )
    pacts.open_signing(session, engine, user=user_by_login(session, "pcht.head"), pact=current)
    _sign(session, engine, current.id or 0, [f"{code}.head" for code in SIGNED_NOW])

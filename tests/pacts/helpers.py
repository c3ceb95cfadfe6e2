"""Helpers for pact tests: a block of six units with heads, a published plan, a pact."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import Flask
from sqlmodel import Session

from wflow.clock import utcnow
from wflow.core import subjects
from wflow.core.access import current_year
from wflow.org.models import Block, Role, Unit, User
from wflow.pacts import service as pacts
from wflow.pacts.models import Pact
from wflow.plans import service as plans
from wflow.plans.criteria import CriterionInput, GroupInput
from wflow.plans.models import Plan
from wflow.signatures import keys
from wflow.workflow_setup import engine

NAMES = [
    ("MTTQ", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Hà Tĩnh"),
    ("TDOAN", "Tỉnh Đoàn Hà Tĩnh"),
    ("HLHPN", "Hội Liên hiệp Phụ nữ tỉnh Hà Tĩnh"),
    ("LDLD", "Liên đoàn Lao động tỉnh Hà Tĩnh"),
    ("HND", "Hội Nông dân tỉnh Hà Tĩnh"),
    ("HCCB", "Hội Cựu chiến binh tỉnh Hà Tĩnh"),
]
GROUPS = [
    GroupInput("I", "Công tác tuyên truyền", Decimal(60), [
        CriterionInput("1.1", "Quán triệt nghị quyết", Decimal(30), Decimal(2), "Báo cáo"),
        CriterionInput("1.2", "Tuyên truyền trên mạng", Decimal(30), Decimal(0), "Đường dẫn"),
    ]),
    GroupInput("II", "Phát triển hội viên", Decimal(40), [
        CriterionInput("2.1", "Kết nạp hội viên mới", Decimal(40), Decimal(3), "Danh sách"),
    ]),
]  # fmt: skip


def make_block_of(
    session: Session,
    make_unit: Callable[..., Unit],
    make_user: Callable[..., User],
    make_block: Callable[..., Block],
    names: list[tuple[str, str]] = NAMES,
    code: str = "KCT",
) -> dict[str, Any]:
    """Create units with a head each (staff for the first), a block led by the first."""
    units = [make_unit(c, n) for c, n in names]
    heads = [make_user(f"{c.lower()}.head", u) for (c, _n), u in zip(names, units, strict=True)]
    staff = make_user(f"{names[0][0].lower()}.staff", units[0], roles=(Role.UNIT_STAFF.value,))
    # the deputy is the last unit: the PDF must still put it second
    block = make_block(code, units, current_year(), leader=units[0], deputy=units[-1])
    keys.ensure_unit_certificates(session)
    return {"units": units, "heads": heads, "staff": staff, "block": block}


def published_plan(session: Session, leader: User, secretariat: User, block: Block) -> Plan:
    """Draft, consult, approve and publish a plan of `block` for this year (services)."""
    eng = engine()
    plan = plans.create_plan(
        session, eng, user=leader, block_id=block.id or 0, year=current_year(),
        title="Kế hoạch thi đua của khối", purposes="Phát huy tinh thần đoàn kết.",
        contents=[{"area": "Tuyên truyền", "text": "Quán triệt nghị quyết."}],
    )  # fmt: skip
    plans.set_criteria(session, user=leader, plan=plan, groups=GROUPS)
    plans.open_consultation(
        session, eng, user=leader, plan=plan, until=utcnow().date() + timedelta(days=3)
    )
    for who, trigger in ((leader, "end_consultation"), (leader, "submit"),
                         (secretariat, "approve"), (leader, "publish")):  # fmt: skip
        subjects.fire(session, eng, user=who, subject=plan, trigger=trigger)
    return plan


def pact_in_signing(app: Flask, session: Session, team: dict[str, Any], secretariat: User) -> Pact:
    """Prepare the pact of a published plan and open signing (the leader's head)."""
    leader = team["heads"][0]
    with app.test_request_context():
        plan = published_plan(session, leader, secretariat, team["block"])
        pact = pacts.prepare_pact(session, engine(), user=leader, plan=plan)
        pacts.open_signing(session, engine(), user=leader, pact=pact)
    return pact

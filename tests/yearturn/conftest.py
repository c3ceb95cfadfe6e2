"""A council closing 2025: three blocks with different successions, one with a plan."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session, SQLModel, col, select

from wflow.engine.tables import WfEvent, WfInstance
from wflow.org.models import Block, BlockMembership, Role, Unit, User
from wflow.plans import service as plans
from wflow.plans.criteria import CriterionInput, GroupInput
from wflow.plans.models import Criterion, CriterionGroup, Plan
from wflow.plans.text import default_rules
from wflow.workflow_setup import engine
from wflow.yearturn import leadership

CLOSED = 2025
TABLE = [
    GroupInput("I", "Công tác tuyên truyền", Decimal(40), [
        CriterionInput("1.1", "Quán triệt nghị quyết", Decimal(25), Decimal(2), "Báo cáo"),
        CriterionInput("1.2", "Tuyên truyền trên mạng xã hội", Decimal(15)),
    ]),
    GroupInput("II", "Phát triển hội viên", Decimal(60), [
        CriterionInput("2.1", "Kết nạp hội viên mới", Decimal(60), Decimal(3), "Danh sách"),
    ]),
]  # fmt: skip


@pytest.fixture
def council(
    app: Flask,
    session: Session,
    make_unit: Callable[..., Unit],
    make_user: Callable[..., User],
    make_block: Callable[..., Block],
) -> dict[str, Any]:
    """KA rotates and has a 2025 plan; KB keeps its leaders; KC's conference elected Lan."""
    names = ["An", "Bình", "Cường", "Dũng", "Em", "Giang", "Hà", "Khánh", "Lan"]
    u = {n: make_unit(f"U{i}", name=f"Hội {n}") for i, n in enumerate(names, 1)}
    ka = make_block("KA", [u["Dũng"], u["Cường"], u["Bình"], u["An"]], CLOSED, u["An"], u["Bình"])
    kb = make_block("KB", [u["Em"], u["Giang"]], CLOSED, u["Em"], u["Giang"])
    kc = make_block("KC", [u["Hà"], u["Khánh"], u["Lan"]], CLOSED, u["Hà"], u["Khánh"])
    users = {
        "an.head": make_user("an.head", u["An"]),
        "em.head": make_user("em.head", u["Em"]),
        "secretariat": make_user("secretariat", None, roles=(Role.SECRETARIAT.value,)),
        "council": make_user("council", None, roles=(Role.COUNCIL_MEMBER.value,)),
        "admin": make_user("admin", None, roles=(Role.ADMIN.value,)),
    }
    with app.test_request_context():
        plan = plans.create_plan(
            session, engine(), user=users["an.head"], block_id=ka.id or 0, year=CLOSED,
            title=f"Kế hoạch thi đua năm {CLOSED} của Khối KA", purposes="Thi đua yêu nước.",
            contents=[{"area": "Tuyên truyền", "text": "Tuyên truyền sâu rộng."}],
            rules={**default_rules(), "vote_threshold": "3/4"},
            registration_deadline=date(CLOSED, 3, 31),
        )  # fmt: skip
        plans.set_criteria(session, user=users["an.head"], plan=plan, groups=TABLE)
        leadership.set_succession(
            session, user=users["secretariat"], block=kb, year=CLOSED + 1, rule="keep",
            leader_id=None, deputy_id=None,
        )  # fmt: skip
        leadership.set_succession(
            session, user=users["secretariat"], block=kc, year=CLOSED + 1, rule="rotate",
            leader_id=u["Lan"].id, deputy_id=u["Hà"].id, note="Hội nghị tổng kết 12/12",
        )  # fmt: skip
    return {"units": u, "blocks": {"KA": ka, "KB": kb, "KC": kc}, "users": users, "plan": plan}


def closed_year_rows(session: Session, year: int = CLOSED) -> list[dict[str, Any]]:
    """Return every row of `year` the turn of the year could touch, as plain values."""
    session.expire_all()
    plan_ids = select(Plan.id).where(Plan.year == year)
    instance_ids = select(Plan.instance_id).where(Plan.year == year)
    queries: list[Any] = [
        select(BlockMembership).where(BlockMembership.year == year),
        select(Plan).where(Plan.year == year),
        select(CriterionGroup).where(col(CriterionGroup.plan_id).in_(plan_ids)),
        select(Criterion).where(col(Criterion.plan_id).in_(plan_ids)),
        select(WfInstance).where(col(WfInstance.id).in_(instance_ids)),
        select(WfEvent).where(col(WfEvent.instance_id).in_(instance_ids)),
    ]
    rows: list[SQLModel] = []
    for query in queries:
        rows.extend(session.exec(query.order_by(query.column_descriptions[0]["type"].id)).all())
    return [{"table": type(r).__name__, **r.model_dump()} for r in rows]

"""A subject's state is read through its workflow's tags: what it means, never its name."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlmodel import Session

from tests.pacts.helpers import GROUPS
from wflow.clock import utcnow
from wflow.core import subjects
from wflow.core.access import current_year
from wflow.engine import WfInstance
from wflow.engine.tables import WfDefinition
from wflow.engine.versions import sha256_text
from wflow.org.models import Block, Unit, User
from wflow.plans import service as plans
from wflow.plans.models import Plan
from wflow.plans.subject import PLAN
from wflow.workflow_setup import engine

PLAN_YAML = Path(__file__).resolve().parents[2] / "workflows" / "plan.yaml"


def _draft(
    session: Session,
    make_unit: Callable[..., Unit],
    make_user: Callable[..., User],
    make_block: Callable[..., Block],
) -> tuple[User, Plan]:
    units = [make_unit(), make_unit()]
    leader = make_user("lead.head", units[0])
    block = make_block("KT", units, current_year(), leader=units[0])
    plan = plans.create_plan(
        session, engine(), user=leader, block_id=block.id or 0, year=current_year(),
        title="Kế hoạch thi đua của khối",
    )  # fmt: skip
    return leader, plan


def test_subjects__a_plan_means_what_its_state_is_tagged_with(
    app: Flask,
    session: Session,
    make_unit: Callable[..., Unit],
    make_user: Callable[..., User],
    make_block: Callable[..., Block],
) -> None:
    with app.test_request_context():
        leader, plan = _draft(session, make_unit, make_user, make_block)
        editable = subjects.tagged(session, PLAN, "editable")
        assert editable == subjects.tagged(session, "plan", "editable")  # kind or workflow
        assert editable == {"draft", "revision", "returned"}
        assert subjects.tagged(session, PLAN, "no_such_tag") == frozenset()
        assert subjects.has_tag(session, plan, "editable")
        assert not subjects.has_tag(session, plan, "commentable")

        plans.set_criteria(session, user=leader, plan=plan, groups=GROUPS)
        until = utcnow().date() + timedelta(days=3)
        plans.open_consultation(session, engine(), user=leader, plan=plan, until=until)
        assert subjects.has_tag(session, plan, "commentable")
        assert not subjects.has_tag(session, plan, "editable")


def test_subjects__an_instance_of_an_older_version_keeps_its_state_s_meaning(
    app: Flask,
    session: Session,
    make_unit: Callable[..., Unit],
    make_user: Callable[..., User],
    make_block: Callable[..., Block],
) -> None:
    """Version 1 of plan.yaml tagged nothing; its running drafts are still editable."""
    with app.test_request_context():
        _leader, plan = _draft(session, make_unit, make_user, make_block)
        current = engine().definition("plan").version
        old = PLAN_YAML.read_text().replace(f"version: {current}\n", "version: 1\n", 1)
        old = "\n".join(line for line in old.splitlines() if "tags:" not in line) + "\n"
        session.add(WfDefinition(name="plan", version=1, sha256=sha256_text(old), source=old,
                                 path="workflows/plan.yaml", created_at=utcnow()))  # fmt: skip
        instance = session.get(WfInstance, plan.instance_id)
        assert instance is not None
        instance.version = 1
        session.add(instance)
        session.commit()
        engine().sync_versions(session)
        assert engine().definition("plan", 1).tagged("editable") == frozenset()
        assert subjects.has_tag(session, plan, "editable")

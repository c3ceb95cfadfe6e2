"""Versions: each definition's text is stored; instances keep the version they started with."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.engine.flows import (
    LEADER,
    SCOPE,
    SECRETARIAT,
    Journal,
    head,
    make_registry,
    snapshot,
)
from wflow.engine import Engine, Registry, UnknownWorkflow, VersionConflict
from wflow.engine.loader import parse_definition
from wflow.engine.versions import D

L = "{vi: %s, en: %s, fr: %s, hu: %s}"


def approval_yaml(version: int, extra_step: bool = False) -> str:
    """Return the approval flow as YAML; v2 may add a review step before approval."""
    mid = "reviewed" if extra_step else "approved"
    review = (
        f"""
  - trigger: approve
    source: reviewed
    dest: approved
    label: {L % (("Duyệt",) * 4)}
    roles: [secretariat]
"""
        if extra_step
        else ""
    )
    reviewed_state = (
        f"""
  reviewed:
    label: {L % (("Đã xem",) * 4)}"""
        if extra_step
        else ""
    )
    return f"""name: approval
version: {version}
label: {L % (("Phê duyệt",) * 4)}
initial: draft
states:
  draft:
    label: {L % (("Nháp",) * 4)}
  submitted:
    label: {L % (("Đã gửi",) * 4)}{reviewed_state}
  approved:
    label: {L % (("Đã duyệt",) * 4)}
    final: true
transitions:
  - trigger: submit
    source: draft
    dest: submitted
    label: {L % (("Gửi",) * 4)}
    roles: [unit_head]
  - trigger: {"review" if extra_step else "approve"}
    source: submitted
    dest: {mid}
    label: {L % (("Xem",) * 4)}
    roles: [{"block_leader" if extra_step else "secretariat"}]
{review}"""


def _engine(journal: Journal, version: int, extra_step: bool = False) -> Engine:
    registry = make_registry(journal)
    d = parse_definition(approval_yaml(version, extra_step), "workflows/approval.yaml", registry)
    return Engine({"approval": d}, registry)


def test_sync_stores_each_version_once(journal: Journal, session: Session) -> None:
    engine = _engine(journal, 1)
    engine.sync_versions(session)
    engine.sync_versions(session)
    session.commit()
    rows = session.connection().execute(sa.select(D.c.name, D.c.version, D.c.source)).all()
    assert [(r.name, r.version) for r in rows] == [("approval", 1)]
    assert rows[0].source == approval_yaml(1)


def test_a_changed_text_under_the_same_version_is_refused(
    journal: Journal, session: Session
) -> None:
    _engine(journal, 1).sync_versions(session)
    session.commit()
    with pytest.raises(VersionConflict, match="bump `version:` to 2"):
        _engine(journal, 1, extra_step=True).sync_versions(session)


def test_running_instances_keep_their_version(journal: Journal, session: Session) -> None:
    v1 = _engine(journal, 1)
    v1.sync_versions(session)
    old = v1.start(session, "approval", SCOPE, head(1))
    session.commit()

    v2 = _engine(journal, 2, extra_step=True)
    before = snapshot(session)
    with pytest.raises(UnknownWorkflow):  # not loaded until synced
        v2.fire(session, old, "submit", head(1))
    session.rollback()
    assert snapshot(session) == before
    loaded = v2.sync_versions(session)
    assert [(d.name, d.version) for d in loaded] == [("approval", 1)]
    new = v2.start(session, "approval", SCOPE, head(1))
    for iid in (old, new):
        v2.fire(session, iid, "submit", head(1))
    assert v2.fire(session, old, "approve", SECRETARIAT).dest == "approved"  # v1: one step
    assert v2.fire(session, new, "review", LEADER).dest == "reviewed"  # v2: two steps
    assert v2.fire(session, new, "approve", SECRETARIAT).dest == "approved"
    assert v2.definition("approval").version == 2
    assert v2.definition("approval", 1).version == 1


def _permissive_registry(directory: Path) -> Registry:
    """Return a registry knowing every name the files use (the domain registers real ones)."""
    import yaml

    registry = Registry()
    for path in directory.glob("*.yaml"):
        doc = yaml.safe_load(path.read_text())
        start = doc.get("start") or {}
        for t in [*(doc.get("transitions") or []), start]:
            for name in t.get("roles") or []:  # a name, or {role: …, from: …} read from data
                if isinstance(name, dict):
                    registry.data_roles[name["role"]] = lambda *args: ()
                else:
                    registry.roles[name] = lambda *args: ()
            for name in t.get("guards") or []:
                registry.guards[name] = lambda *args: False
            for name in t.get("effects") or []:
                registry.effects[name] = lambda *args: None
        for state in (doc.get("states") or {}).values():
            part = (state or {}).get("participation") or {}
            who = part.get("who")
            if isinstance(who, dict):
                registry.data_resolvers[who["resolver"]] = lambda *args: ()
            elif who:
                registry.resolvers[who] = lambda ctx: ()
            for name in part.get("guards") or []:  # guards of a participation's acts
                registry.guards[name] = lambda *args: False
    return registry


def test_the_domain_workflows_compile() -> None:
    from wflow.engine.loader import load_directory

    directory = Path(__file__).resolve().parents[2] / "workflows"
    registry = _permissive_registry(directory)
    definitions = load_directory(directory, registry)
    engine = Engine(definitions, registry)
    assert set(engine.definitions) == {
        "plan",
        "pact",
        "review",
        "nomination",
        "programme",
        "campaign",
        "adhoc_award",
        "award_decision",
        "inspection",
    }
    for d in definitions.values():
        for t in d.transitions:
            for source in t.sources:
                if source != "*":
                    assert engine.definition(d.name) is d
                    assert engine._comp(d.name).dest(t.trigger, source) == t.dest

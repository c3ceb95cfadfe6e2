"""A coordination programme between units, written in YAML only: start, data-driven parties.

Drafted by a party, agreed and then signed by the head of every unit named in `data.parties`
(in order), in force, reviewed every year by the parties, closed. It uses the `start:`
section (roles, scope, required data, a guard), roles and participants read from the
instance's data, built-in and declared tags: what a new workflow needs from the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from tests.engine.conftest import Clock
from tests.engine.flows import SECRETARIAT, STRANGER, Journal, head, make_registry, snapshot
from wflow.engine import (
    Actor,
    Engine,
    GuardFailed,
    MissingFields,
    NotAllowed,
    Scope,
    TickReport,
    WorkflowError,
)
from wflow.engine.loader import parse_definition

L = "label: {vi: Nhãn, en: Label, fr: Étiquette, hu: Címke}"
PROGRAMME = f"""\
name: programme
version: 1
label: {{vi: Chương trình phối hợp, en: Coordination programme, fr: Programme, hu: Program}}
initial: draft
tags:
  reviewing: the parties review the programme's year
start:
  roles: [secretariat, {{role: unit_head_of, from: parties}}]
  scope: unit
  require: [title, period_end, parties]
  guards: [two_parties]
states:
  draft:
    {L}
    tags: [editable]
  agreeing:
    {L}
    tags: [commentable]
    participation:
      who: {{resolver: unit_heads, from: parties}}
      act: agree
      refuse: object
      require_refuse: [reason]
      complete: all
      on_complete: agreed
      on_refuse: objected
  signing:
    {L}
    tags: [signing]
    participation:
      who: {{resolver: unit_heads, from: parties}}
      act: sign
      order: sequential
      complete: all
      on_complete: signed
  in_force:
    {L}
    tags: [in_force]
    deadline: {{after: P52W, fire: review_year}}
  yearly_review:
    {L}
    tags: [in_force, reviewing]
    participation:
      who: {{resolver: unit_heads, from: parties}}
      act: confirm_year
      complete: all
      on_complete: year_reviewed
  closed:
    {L}
    tags: [done]
    final: true
transitions:
  - {{trigger: submit, source: draft, dest: agreeing, {L},
     roles: [{{role: unit_head_of, from: parties}}]}}
  - {{trigger: agreed, source: agreeing, dest: signing, system: true, {L}}}
  - {{trigger: objected, source: agreeing, dest: draft, system: true, {L}}}
  - {{trigger: signed, source: signing, dest: in_force, system: true, {L}}}
  - {{trigger: review_year, source: in_force, dest: yearly_review, system: true, {L}}}
  - {{trigger: year_reviewed, source: yearly_review, dest: in_force, system: true, {L}}}
  - {{trigger: close, source: [in_force, yearly_review], dest: closed, require: [reason], {L},
     roles: [secretariat, {{role: unit_head_of, from: parties}}]}}
"""
DATA = {"title": "Flood plan 2025-2027", "period_end": "2027-12-31", "parties": [2, 3, 5]}
SCOPE = Scope("programme", 1, unit_id=2)
SessionFactory = Callable[[], Session]


@pytest.fixture
def engine(journal: Journal, clock: Clock) -> Engine:
    """Return an engine running the programme (parsed from its YAML)."""
    registry = make_registry(journal)
    defn = parse_definition(PROGRAMME, "workflows/programme.yaml", registry)
    return Engine({"programme": defn}, registry)


def _in_force(engine: Engine, session: Session) -> int:
    iid = engine.start(session, "programme", SCOPE, head(2), DATA)
    engine.fire(session, iid, "submit", head(2))
    for unit in (2, 3, 5):
        engine.fire(session, iid, "agree", head(unit))
    for unit in (2, 3, 5):
        engine.fire(session, iid, "sign", head(unit))
    session.commit()
    return iid


def _state(engine: Engine, session: Session, iid: int) -> str:
    return engine.history(session, iid)[-1].dest


# ---------------------------------------------------------------- start


def test_start__a_party_head_or_the_secretariat_may_start(engine: Engine, session: Session) -> None:
    by_party = engine.start(session, "programme", SCOPE, head(5), DATA)
    by_secretariat = engine.start(session, "programme", SCOPE, SECRETARIAT, DATA)
    session.commit()
    assert _state(engine, session, by_party) == _state(engine, session, by_secretariat) == "draft"
    assert engine.may_start("programme", Scope("programme", 1, unit_id=2, data=DATA), head(3))


def test_start__refuses_a_head_of_a_unit_not_named_in_parties(
    engine: Engine, session: Session
) -> None:
    before = snapshot(session)
    with pytest.raises(NotAllowed):
        engine.start(session, "programme", SCOPE, head(4), DATA)
    with pytest.raises(NotAllowed):
        engine.start(session, "programme", SCOPE, STRANGER, DATA)
    session.rollback()
    assert snapshot(session) == before
    assert not engine.may_start("programme", Scope("programme", 1, unit_id=4, data=DATA), head(4))


def test_start__roles_read_the_data_given_with_the_scope(engine: Engine, session: Session) -> None:
    scope = Scope("programme", 1, unit_id=2, data={"parties": [2, 4]})
    iid = engine.start(session, "programme", scope, head(4), {**DATA, "parties": [2, 4]})
    assert iid > 0


@pytest.mark.parametrize(
    ("data", "missing"),
    [
        ({"period_end": "2027-12-31", "parties": [2, 3]}, ("title",)),
        ({**DATA, "title": "   "}, ("title",)),
        ({"title": "T", "period_end": "2027-12-31", "parties": []}, ("parties",)),
        ({"title": "T", "parties": [2, 3]}, ("period_end",)),
    ],
)
def test_start__requires_its_data(
    engine: Engine, session: Session, data: dict[str, object], missing: tuple[str, ...]
) -> None:
    before = snapshot(session)
    with pytest.raises(MissingFields) as caught:
        engine.start(session, "programme", SCOPE, SECRETARIAT, data)
    assert tuple(caught.value.fields) == missing and caught.value.status == 422
    session.rollback()
    assert snapshot(session) == before


def test_start__checks_its_guards(engine: Engine, session: Session) -> None:
    with pytest.raises(GuardFailed, match="at least two parties"):
        engine.start(session, "programme", SCOPE, SECRETARIAT, {**DATA, "parties": [2]})


def test_start__the_system_actor_skips_roles_data_and_guards(
    engine: Engine, session: Session
) -> None:
    iid = engine.start(session, "programme", SCOPE, Actor.system(), {"parties": [2]})
    session.commit()
    assert _state(engine, session, iid) == "draft"
    assert engine.may_start("programme", SCOPE, Actor.system())


def test_start__the_scope_must_carry_what_the_instance_is_about(
    engine: Engine, session: Session
) -> None:
    no_unit = Scope("programme", 1, block_id=3, year=2025)
    for actor in (SECRETARIAT, Actor.system()):
        with pytest.raises(WorkflowError, match="about a unit: give unit_id"):
            engine.start(session, "programme", no_unit, actor, DATA)


def test_start__a_workflow_without_start_is_unchecked(
    journal: Journal, clock: Clock, session: Session
) -> None:
    from tests.engine.flows import pact

    engine = Engine({"pact": pact()}, make_registry(journal))
    assert engine.definition("pact").start is None
    iid = engine.start(session, "pact", Scope("pact", 1), STRANGER)  # no scope, no role: as before
    assert iid > 0 and engine.may_start("pact", Scope("pact", 1), STRANGER)


# ---------------------------------------------------------------- roles and parties from data


def test_roles_from_data__any_party_head_submits(engine: Engine, session: Session) -> None:
    iid = engine.start(session, "programme", SCOPE, SECRETARIAT, DATA)
    session.commit()
    assert engine.available(session, iid, head(3)) == ["submit"]
    assert engine.available(session, iid, head(4)) == []
    assert {t.trigger for t in engine.inbox(session, head(5))} == {"submit"}
    assert engine.inbox(session, head(4)) == []
    with pytest.raises(NotAllowed):
        engine.fire(session, iid, "submit", head(4))
    assert engine.fire(session, iid, "submit", head(3)).dest == "agreeing"


def test_parties_from_data__every_named_unit_agrees_then_signs_in_order(
    engine: Engine, session: Session
) -> None:
    iid = engine.start(session, "programme", SCOPE, head(2), DATA)
    engine.fire(session, iid, "submit", head(2))
    session.commit()
    assert {t.trigger for t in engine.inbox(session, head(5))} == {"agree", "object"}
    with pytest.raises(NotAllowed):
        engine.fire(session, iid, "agree", head(4))  # unit 4 is not a party
    engine.fire(session, iid, "agree", head(5))
    engine.fire(session, iid, "agree", head(2))
    result = engine.fire(session, iid, "agree", head(3))
    assert result.completed == ("agreed",) and result.state == "signing"
    with pytest.raises(NotAllowed, match="waiting for Unit 2"):  # sequential: data order
        engine.fire(session, iid, "sign", head(3))
    engine.fire(session, iid, "sign", head(2))
    engine.fire(session, iid, "sign", head(3))
    last = engine.fire(session, iid, "sign", head(5))
    session.commit()
    assert last.completed == ("signed",) and last.state == "in_force"


def test_parties_from_data__an_objection_sends_it_back(engine: Engine, session: Session) -> None:
    iid = engine.start(session, "programme", SCOPE, head(2), DATA)
    engine.fire(session, iid, "submit", head(2))
    engine.fire(session, iid, "agree", head(2))
    result = engine.fire(session, iid, "object", head(3), {"reason": "too costly"})
    assert result.completed == ("objected",) and result.state == "draft"


def test_parties_from_data__read_when_the_step_is_entered(engine: Engine, session: Session) -> None:
    iid = engine.start(session, "programme", SCOPE, head(2), DATA)
    engine.fire(session, iid, "submit", head(2), {"parties": [2, 7]})  # data given on entry
    engine.fire(session, iid, "agree", head(2))
    result = engine.fire(session, iid, "agree", head(7))
    assert result.state == "signing"


def test_programme__reviewed_every_year_then_closed(
    engine: Engine, session: Session, session_factory: SessionFactory, clock: Clock
) -> None:
    iid = _in_force(engine, session)
    assert engine.tick(session_factory, clock.now + timedelta(weeks=52, hours=1)) == TickReport(
        fired=1, reminded=0
    )
    session.expire_all()
    assert _state(engine, session, iid) == "yearly_review"
    for unit in (5, 3, 2):
        engine.fire(session, iid, "confirm_year", head(unit))
    session.commit()
    assert _state(engine, session, iid) == "in_force"
    with pytest.raises(NotAllowed):
        engine.fire(session, iid, "close", head(4), {"reason": "done"})
    assert engine.fire(session, iid, "close", head(3), {"reason": "done"}).dest == "closed"


# ---------------------------------------------------------------- tags


def test_tags__the_programme_answers_by_tag(engine: Engine, session: Session) -> None:
    defn = engine.definition("programme")
    assert engine.tagged("programme", "in_force") == {"in_force", "yearly_review"}
    assert engine.tagged("programme", "reviewing", version=1) == {"yearly_review"}
    assert engine.tagged("programme", "final") == {"closed"} == defn.tagged("done")
    iid = _in_force(engine, session)
    assert defn.has_tag(_state(engine, session, iid), "in_force")


def test_tags__span_every_loaded_version(journal: Journal, clock: Clock) -> None:
    registry = make_registry(journal)
    v1 = parse_definition(PROGRAMME, "workflows/programme.yaml", registry)
    v2_text = PROGRAMME.replace("version: 1", "version: 2").replace(
        "    tags: [commentable]\n", "    tags: [commentable, editable]\n"
    )
    v2 = parse_definition(v2_text, "workflows/programme.yaml", registry)
    engine = Engine({"programme": v2}, registry)
    engine._add(v1)  # as sync_versions does for a version running instances still use
    assert engine.tagged("programme", "editable", version=1) == {"draft"}
    assert engine.tagged("programme", "editable", version=2) == {"draft", "agreeing"}
    assert engine.tagged("programme", "editable") == {"draft", "agreeing"}
    with pytest.raises(WorkflowError):
        engine.tagged("nothing", "editable")


def test_start__empty_roles_means_only_code_starts_it(journal: Journal, clock: Clock,
                                                      session: Session) -> None:  # fmt: skip
    registry = make_registry(journal)
    text = PROGRAMME.replace("roles: [secretariat, {role: unit_head_of, from: parties}]\n  scope",
                             "roles: []\n  scope")  # fmt: skip
    engine = Engine({"programme": parse_definition(text, "programme.yaml", registry)}, registry)
    with pytest.raises(NotAllowed, match="started by the application only"):
        engine.start(session, "programme", SCOPE, SECRETARIAT, DATA)
    assert not engine.may_start("programme", SCOPE, SECRETARIAT)
    assert engine.start(session, "programme", SCOPE, Actor.system(), DATA) > 0

"""Random walks through the pact flow: any actor, any trigger, stale versions, missing reasons.

After every step: the state is a state of the definition, a refused fire changed nothing,
the version grew on every success, the audit chain verifies, a final state has no way out.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from tests.engine.conftest import make_db_engine
from tests.engine.flows import LEADER, SECRETARIAT, STRANGER, Journal, head, make_registry, pact
from wflow.clock import set_clock
from wflow.engine import Actor, Engine, Scope, WorkflowError
from wflow.engine.statements import EVT, INST, TASK, TMR
from wflow.engine.tables import TABLES

FORWARD = ("submit", "open_signing", "sign", "close")
ACTORS = [head(1), head(2), head(3), LEADER, SECRETARIAT, STRANGER, Actor.system()]
DEFINITION = pact()
TRIGGERS = sorted({t.trigger for t in DEFINITION.transitions} | {"sign", "decline", "abstain",
                                                                   "fly"})  # fmt: skip


class PactWalk(RuleBasedStateMachine):
    """One pact instance driven by random triggers."""

    def __init__(self) -> None:
        super().__init__()
        self.now = datetime(2025, 3, 1, 8, 0)
        set_clock(lambda: self.now)
        self.dir = tempfile.mkdtemp()
        self.db = make_db_engine(f"sqlite:///{self.dir}/walk.sqlite3")
        SQLModel.metadata.create_all(self.db, tables=list(TABLES))
        self.engine = Engine({"pact": DEFINITION}, make_registry(Journal()))
        self.session = Session(self.db)
        scope = Scope("pact", 1, unit_id=1, block_id=3, data={"title": "P", "members": [1, 2, 3]})
        self.iid = self.engine.start(self.session, "pact", scope, head(1))
        self.session.commit()
        self.fired = 0

    def teardown(self) -> None:
        """Close the database and restore the clock."""
        self.session.close()
        self.db.dispose()
        shutil.rmtree(self.dir, ignore_errors=True)
        set_clock(None)

    def _look(self) -> tuple[str, int, int]:
        conn = self.session.connection()
        row = conn.execute(sa.select(INST.c.state, INST.c.lock_version)
                           .where(INST.c.id == self.iid)).one()  # fmt: skip
        events = conn.execute(sa.select(sa.func.count()).select_from(EVT)).scalar_one()
        return row.state, row.lock_version, int(events)

    @rule(
        trigger=st.sampled_from(TRIGGERS),
        actor=st.sampled_from(ACTORS),
        reason=st.sampled_from([None, "", "  ", "Số liệu chưa đúng"]),
        stale=st.booleans(),
        hours=st.integers(0, 48),
    )
    def fire(self, trigger: str, actor: Actor, reason: str | None, stale: bool, hours: int) -> None:
        self.now += timedelta(hours=hours)
        state, version, events = self._look()
        data = {} if reason is None else {"reason": reason}
        try:
            expected = version - 1 if stale else version
            result = self.engine.fire(self.session, self.iid, trigger, actor, data, expected)
        except WorkflowError:
            self.session.rollback()
            assert self._look() == (state, version, events), "a refused fire changed something"
            return
        self.session.commit()
        self.fired += 1
        after = self._look()
        assert not stale, "a stale version was accepted"
        assert result.version == after[1] > version
        assert after[2] >= events + 1 + len(result.completed)

    @rule(moves=st.lists(st.tuples(st.sampled_from(ACTORS), st.integers(-3, 5)), max_size=10))
    def progress(self, moves: list[tuple[Actor, int]]) -> None:
        """Fire triggers the actors may fire now, in a row, mostly forward (to reach the end)."""
        for actor, pick in moves:
            choices = self.engine.available(self.session, self.iid, actor)
            forward = [c for c in choices if c in FORWARD]
            if pick < 0 and forward:
                self.fire(forward[0], actor, None, False, 1)
            elif choices:
                self.fire(choices[pick % len(choices)], actor, "Lý do", False, 1)

    @rule(days=st.integers(1, 25))
    def tick(self, days: int) -> None:
        self.now += timedelta(days=days)
        _, version, _ = self._look()
        self.session.commit()
        report = self.engine.tick(lambda: Session(self.db), self.now)
        self.session.expire_all()
        _, after, _ = self._look()
        assert after == version + report.fired  # reminders leave the version alone

    @invariant()
    def state_is_known(self) -> None:
        assert self._look()[0] in DEFINITION.states

    @invariant()
    def chain_verifies(self) -> None:
        assert self.engine.verify_chains(self.session) == []

    @invariant()
    def final_has_no_way_out(self) -> None:
        state = self._look()[0]
        if not DEFINITION.states[state].final:
            return
        assert DEFINITION.transitions_from(state) == ()
        assert all(self.engine.available(self.session, self.iid, a) == [] for a in ACTORS)
        conn = self.session.connection()
        assert conn.execute(sa.select(TASK).where(TASK.c.instance_id == self.iid)).all() == []
        live = sa.select(TMR).where(TMR.c.fired_at.is_(None) & TMR.c.cancelled.is_(False))
        assert conn.execute(live).all() == []


PactWalk.TestCase.settings = settings(
    max_examples=50, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip
TestPactWalk = PactWalk.TestCase

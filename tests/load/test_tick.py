"""Two `wflow tick` processes started together fire every due timer exactly once (PostgreSQL).

Forty blocks each have a plan in consultation until five days from now: each plan has a
deadline (close_consultation) and a reminder two days before it. Six days on, two real
`wflow tick --now …` processes start on the same database; the test holds the timer table
locked until both are waiting on it, so they begin the same work at the same moment however
slowly each process starts.
"""

from __future__ import annotations

import re
import subprocess
import time as clock
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from tests.load import world
from tests.load.cluster import BIN, ROOT, environment, fresh_database, make_instance, wflow
from tests.load.conftest import app_for
from wflow.clock import utcnow

pytestmark = [pytest.mark.load, pytest.mark.postgres]
PLANS = 40
FIRED = re.compile(r"(\d+) deadline\(s\) fired")
REMINDED = re.compile(r"(\d+) reminder\(s\) sent")


def report(out: str) -> tuple[int, int]:
    """Return (deadlines fired, reminders sent) from what `wflow tick` printed."""
    fired, reminded = FIRED.search(out), REMINDED.search(out)
    assert fired and reminded, out
    return int(fired.group(1)), int(reminded.group(1))


@dataclass
class Timers:
    """A migrated database whose plans have deadlines and reminders due at `later`."""

    env: dict[str, str]
    url: str
    session: Session
    instances: list[int]
    later: datetime


@pytest.fixture(scope="module")
def timers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Timers]:
    """Seed PLANS plans in consultation on a fresh database of their own."""
    folder = tmp_path_factory.mktemp("tick")
    with fresh_database("tick") as url:
        env = environment(url, make_instance(folder / "instance"))
        migrated = wflow(env, "db", "upgrade")
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        app = app_for(env)
        try:
            with app.test_request_context(), Session(app.extensions["wflow.db"]) as session:
                ids = []
                for i in range(PLANS):
                    team = world.team(session, f"T{i:02d}", 1)
                    plan = world.plan_in_consultation(session, team.heads[0], team.block_id, 5)
                    ids.append(plan.instance_id or 0)
                later = datetime.combine(utcnow().date() + timedelta(days=6), time(12))
                yield Timers(env, url, session, ids, later)
        finally:
            app.extensions["wflow.db"].dispose()


def waiting_on_locks(conn: sa.Connection) -> int:
    """Return how many other sessions of this database wait for a lock."""
    return int(
        conn.execute(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    )


def test_two_tick_processes_fire_each_timer_once(timers: Timers) -> None:
    """Both processes start together; every plan closes once and is reminded once."""
    command = [str(BIN / "wflow"), "tick", "--now", timers.later.isoformat()]
    gate = sa.create_engine(timers.url)
    try:
        with (
            gate.connect() as holder,
            gate.connect().execution_options(isolation_level="AUTOCOMMIT") as watcher,
        ):
            holder.execute(sa.text("LOCK TABLE wf_timer IN ACCESS EXCLUSIVE MODE"))
            processes = [
                subprocess.Popen(
                    command,
                    env=timers.env,
                    cwd=ROOT,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for _ in range(2)
            ]
            deadline = clock.monotonic() + 120
            while waiting_on_locks(watcher) < 2:
                exited = [p.poll() for p in processes]
                assert exited == [None, None], [p.communicate() for p in processes]
                assert clock.monotonic() < deadline, "the two ticks never reached the timers"
                clock.sleep(0.05)
            holder.commit()  # both start on the timers now
        outputs = [p.communicate(timeout=180) for p in processes]
    finally:
        gate.dispose()
    assert [p.returncode for p in processes] == [0, 0], outputs
    reports = [report(out) for out, _err in outputs]
    print(f"two ticks: {reports}")
    assert sum(r[0] for r in reports) == PLANS, reports
    assert sum(r[1] for r in reports) == PLANS, reports
    assert all(sum(r) > 0 for r in reports), f"the two ticks did not overlap: {reports}"

    session = timers.session
    session.expire_all()
    for iid in timers.instances:
        counted = world.events(session, iid)
        assert (counted["close_consultation"], counted["remind"]) == (1, 1), (iid, counted)
        assert world.state(session, iid) == "revision"
    assert world.broken_chains(session) == []

    again = wflow(timers.env, "tick", "--now", (timers.later + timedelta(hours=1)).isoformat())
    assert again.returncode == 0, again.stdout + again.stderr
    assert report(again.stdout) == (0, 0)

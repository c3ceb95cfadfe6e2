"""Two gunicorn servers on one PostgreSQL database and one instance folder, seeded for the load."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session

from tests.load import world
from tests.load.cluster import (
    Server,
    environment,
    fresh_database,
    make_instance,
    wflow,
    with_application_name,
)
from wflow import create_app

SIGNERS = 10  # heads of one block signing its pact at the same moment
FIRE_TEAMS = 20  # blocks whose leading unit's head and staff race each other over the API
KILL_SIGNERS = 6  # heads of the block whose signatures are cut by a killed server


@dataclass
class Seed:
    """What the cluster's database holds for the tests."""

    sign_pact: int = 0
    sign_heads: list[str] = field(default_factory=list)
    kill_pact: int = 0
    kill_heads: list[str] = field(default_factory=list)
    # (plan instance id, [(login, API token)] of the leading unit's head and staff)
    fire_plans: list[tuple[int, list[tuple[str, str]]]] = field(default_factory=list)


@dataclass
class Cluster:
    """Two servers (a, b) sharing a database and an instance folder; an app to look inside."""

    app: Flask
    db: sa.Engine
    env: dict[str, str]
    servers: dict[str, Server]
    seed: Seed

    def session(self) -> Session:
        """Open a session on the cluster's database (for checks)."""
        return Session(self.db, expire_on_commit=False)


def app_for(env: dict[str, str]) -> Flask:
    """Build the app in-process exactly as the servers do: from the same environment."""
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            if key.startswith("WFLOW_"):
                mp.setenv(key, value)
        return create_app()


def build(app: Flask) -> Seed:
    """Seed the province of the load tests through the services."""
    seed = Seed()
    with app.test_request_context(), Session(app.extensions["wflow.db"]) as session:
        approver = world.secretariat(session)
        signers = world.team(session, "S", SIGNERS)
        doomed = world.team(session, "K", KILL_SIGNERS)
        world.ensure_certificates(session)  # the signing units' keys (racers never sign)
        racers = [world.team(session, f"F{i:02d}", 1, staff=True) for i in range(FIRE_TEAMS)]
        seed.sign_pact = (
            world.pact_in_signing(session, signers.heads[0], approver, signers.block_id).id or 0
        )
        seed.sign_heads = [u.login for u in signers.heads]
        seed.kill_pact = (
            world.pact_in_signing(session, doomed.heads[0], approver, doomed.block_id).id or 0
        )
        seed.kill_heads = [u.login for u in doomed.heads]
        for racer in racers:
            plan = world.plan_in_consultation(session, racer.heads[0], racer.block_id, days=5)
            people = [racer.heads[0], racer.staff]
            seed.fire_plans.append(
                (
                    plan.instance_id or 0,
                    [(u.login, world.api_token(session, u)) for u in people if u is not None],
                )
            )
    return seed


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Migrate a fresh database with `wflow db upgrade`, seed it, start servers a and b."""
    folder = tmp_path_factory.mktemp("load")
    with fresh_database("load") as url:
        instance = make_instance(folder / "instance")
        env = environment(url, instance)
        migrated = wflow(env, "db", "upgrade")
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        app = app_for(env)
        servers = {
            name: Server(
                name,
                environment(with_application_name(url, f"wflow-load-{name}"), instance),
                folder / f"server-{name}.log",
            )
            for name in ("a", "b")
        }
        try:
            for server in servers.values():  # both boot while the province is seeded
                server.launch()
            seed = build(app)
            with ThreadPoolExecutor(2) as pool:
                first = dict(
                    zip(servers, pool.map(Server.wait_ready, servers.values()), strict=True)
                )
            # Both servers meet their first requests together: none of them may fail.
            assert all(s < 500 for seen in first.values() for s in seen), first
            yield Cluster(app, app.extensions["wflow.db"], env, servers, seed)
        finally:
            for server in servers.values():
                server.stop()
            app.extensions["wflow.db"].dispose()

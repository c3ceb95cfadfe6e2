"""Fifty people at once on two servers, then a server killed mid-signature (PostgreSQL).

Ten heads of one block sign its pact at the same moment through the web forms, each
alternating between the two servers; twenty pairs (the head and the staff of a block's
leading unit) race each other over the JSON API to fire the same plan steps with the same
expected version. A 409 is a fair answer under contention, a 5xx never is. Afterwards the
database must show exactly the transitions that were answered as done, every audit chain
must verify and every signed revision must validate.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import select

from tests.load import world
from tests.load.cluster import Client, Journal, Server, run_together, wflow
from tests.load.conftest import FIRE_TEAMS, SIGNERS, Cluster
from wflow import db
from wflow.pacts.models import Document, Pact
from wflow.signatures import keys

pytestmark = [pytest.mark.load, pytest.mark.postgres]
SIGN_TRIES = 12  # a head whose signature lost the race reloads the page and signs again
KILL_TIMEOUT = 30.0  # seconds to see server b inside a signing transaction


def sign(client: Client, servers: list[Server], pact_id: int, tries: int) -> int | None:
    """Sign the pact through the form, switching server after each 409; return the last status."""
    path = f"/pacts/{pact_id}"
    status: int | None = None
    for attempt in range(tries):
        server = servers[attempt % len(servers)]
        token = client.csrf(server, path)
        answer = client.call(
            server, "POST", path + "/sign", data={"csrf_token": token, "password": world.PASSWORD}
        )
        status = answer.status_code if answer is not None else None
        if status != 409:
            return status
        time.sleep(random.uniform(0.05, 0.3))
    return status


def check_documents(cluster: Cluster, pact_id: int, expected_signatures: int) -> None:
    """Validate every signed revision in-process, and the current PDF with `wflow verify`."""
    with cluster.app.app_context():
        sess = db.session()
        pact = sess.get(Pact, pact_id)
        assert pact is not None and pact.document_id is not None
        rows = sess.exec(
            select(Document).where(Document.pact_id == pact_id, Document.kind == "pact")
        ).all()
        depth: dict[int, int] = {}
        for doc in sorted(rows, key=lambda d: d.id or 0):
            parent = depth.get(doc.parent_id or 0, 0)
            depth[doc.id or 0] = parent + (1 if doc.field else 0)
            data = (Path(cluster.app.instance_path) / doc.path).read_bytes()
            reports = keys.verify_document(sess, data)
            assert len(reports) == depth[doc.id or 0], (doc.id, len(reports))
            assert all(r.ok for r in reports), [(doc.id, r.check) for r in reports if not r.ok]
        current = sess.get(Document, pact.document_id)
        assert current is not None and depth[current.id or 0] == expected_signatures
        path = Path(cluster.app.instance_path) / current.path
    verified = wflow(cluster.env, "verify", str(path))
    assert verified.returncode == 0, verified.stdout + verified.stderr


def check_audit(cluster: Cluster) -> None:
    """Every audit chain verifies, in-process and with `wflow audit verify`."""
    with cluster.session() as sess:
        assert world.broken_chains(sess) == []
    audited = wflow(cluster.env, "audit", "verify")
    assert audited.returncode == 0, audited.stdout + audited.stderr


def no_tracebacks(*servers: Server) -> None:
    """Fail with the servers' tracebacks, if they logged any (an unhandled error is a 500)."""
    for server in servers:
        text = server.log_text()
        assert "Traceback" not in text, f"server {server.name} logged:\n{text[-6000:]}"


def test_fifty_people_sign_and_fire_at_once(cluster: Cluster) -> None:
    """10 heads sign one pact and 20 pairs race plan steps over the API, on two servers."""
    seed, journal = cluster.seed, Journal()
    a, b = cluster.servers["a"], cluster.servers["b"]
    signed: dict[str, int | None] = {}
    fired: list[tuple[int, str, str, int | None]] = []  # (instance, trigger, login, status)
    lock = threading.Lock()

    def signer(i: int, login: str) -> Callable[[], None]:
        def run() -> None:
            client = Client(login, journal)
            order = [b, a] if i % 2 else [a, b]  # sign in on one server, sign on the other
            client.sign_in(order[0], login, world.PASSWORD)
            signed[login] = sign(client, order[::-1], seed.sign_pact, SIGN_TRIES)
            page = client.call(order[0], "GET", f"/pacts/{seed.sign_pact}")
            assert page is not None and page.status_code == 200

        return run

    def racer(
        iid: int, login: str, token: str, server: Server, meet: threading.Barrier
    ) -> Callable[[], None]:
        def run() -> None:
            client = Client(login, journal, token)
            for trigger in ("end_consultation", "submit"):
                got = client.call(server, "GET", f"/api/v1/instances/{iid}")
                assert got is not None and got.status_code == 200, (login, got)
                version = got.json()["lock_version"]
                meet.wait(60)  # both of the pair have read the same version: now race
                answer = client.call(
                    server,
                    "POST",
                    f"/api/v1/instances/{iid}/fire",
                    json={"trigger": trigger, "expected_version": version},
                )
                with lock:
                    fired.append(
                        (iid, trigger, login, answer.status_code if answer is not None else None)
                    )
                meet.wait(60)  # the race is over for both before reading again

        return run

    work = [signer(i, login) for i, login in enumerate(seed.sign_heads)]
    for iid, pair in seed.fire_plans:
        meet = threading.Barrier(len(pair))
        for k, (login, token) in enumerate(pair):
            work.append(racer(iid, login, token, (a, b)[k % 2], meet))
    assert len(work) == SIGNERS + 2 * FIRE_TEAMS == 50

    started = time.monotonic()
    failures = run_together(work, timeout=150)
    elapsed = time.monotonic() - started
    print(
        f"50 people: {len(journal.calls)} requests in {elapsed:.1f} s; "
        f"statuses {sorted(Counter(c.status for c in journal.calls).items(), key=str)}"
    )

    assert journal.server_errors() == [], journal.server_errors()
    assert journal.unanswered() == [], journal.unanswered()
    assert failures == [], failures
    no_tracebacks(a, b)

    # Signing: every head signed exactly once; refusals were 409 only.
    sign_calls = [c for c in journal.calls if c.path.endswith("/sign")]
    refused = [(c.who, c.status, c.error) for c in sign_calls if c.status not in (303, 409)]
    assert refused == [], refused  # a signer refused otherwise than "signed meanwhile" (409)
    wins = Counter(c.who for c in sign_calls if c.status == 303)
    assert signed == dict.fromkeys(seed.sign_heads, 303), signed
    assert wins == Counter(seed.sign_heads), wins
    with cluster.session() as sess:
        facts = world.pact_facts(cluster.app, sess, seed.sign_pact)
        units = {world.unit_of(sess, login) for login in seed.sign_heads}
    assert facts.state == "in_force"
    assert facts.signed_units == units
    assert facts.events["sign"] == SIGNERS and facts.events["all_signed"] == 1
    check_documents(cluster, seed.sign_pact, SIGNERS)

    # Racing fires: per instance and trigger exactly one success, and one event for it.
    outcomes: dict[tuple[int, str], list[int | None]] = defaultdict(list)
    for iid, trigger, _login, status in fired:
        outcomes[(iid, trigger)].append(status)
    assert len(outcomes) == 2 * FIRE_TEAMS
    for (iid, trigger), statuses in outcomes.items():
        assert sorted(s or 0 for s in statuses) == [200, 409], (iid, trigger, statuses)
    with cluster.session() as sess:
        for iid, _pair in seed.fire_plans:
            counted = world.events(sess, iid)
            assert counted["end_consultation"] == 1 and counted["submit"] == 1, (iid, counted)
            assert world.state(sess, iid) == "submitted"
    check_audit(cluster)


def test_a_killed_server_leaves_every_transaction_whole_or_absent(cluster: Cluster) -> None:
    """SIGKILL server b while heads sign through it: whole or absent, and a still serves."""
    seed, journal = cluster.seed, Journal()
    a, b = cluster.servers["a"], cluster.servers["b"]
    heads = seed.kill_heads
    clients = {login: Client(login, journal) for login in heads}
    for login, client in clients.items():
        client.sign_in(a, login, world.PASSWORD)  # the session cookie works on both servers
    path = f"/pacts/{seed.kill_pact}"
    tokens = {login: client.csrf(a, path) for login, client in clients.items()}
    through = {login: (b if i < 4 else a) for i, login in enumerate(heads)}
    answers: dict[str, int | None] = {}

    def post(login: str) -> None:
        time.sleep(0.5 * (heads.index(login) % 4))  # spread out: some finish, some are cut
        answer = clients[login].call(
            through[login],
            "POST",
            path + "/sign",
            data={"csrf_token": tokens[login], "password": world.PASSWORD},
        )
        answers[login] = answer.status_code if answer is not None else None

    threads = [threading.Thread(target=post, args=(login,), daemon=True) for login in heads]
    for t in threads:
        t.start()
    deadline = time.monotonic() + KILL_TIMEOUT
    while world.open_transactions(cluster.db, "wflow-load-b") == 0:
        assert time.monotonic() < deadline, "server b never opened a transaction"
        time.sleep(0.005)
    time.sleep(random.uniform(0.6, 1.6))  # a different moment of the signatures each run
    while world.open_transactions(cluster.db, "wflow-load-b") == 0:
        assert time.monotonic() < deadline, "server b finished before it could be killed"
        time.sleep(0.005)
    b.kill()  # with at least one of its transactions open
    killed_at = time.monotonic()
    for t in threads:
        t.join(120)
    print(f"kill: answers {answers}")

    on_b = [login for login in heads if through[login] is b]
    on_a = [login for login in heads if through[login] is a]
    assert any(answers[login] is None for login in on_b), ("b answered everything", answers)
    assert all(answers[login] in (303, 409) for login in on_a), answers
    assert all(answers[login] in (None, 303, 409) for login in on_b), answers

    # PostgreSQL ends the dead workers' sessions (rolling their transactions back).
    while world.connections(cluster.db, "wflow-load-b"):
        assert time.monotonic() - killed_at < 30, "server b's connections outlived it"
        time.sleep(0.1)

    with cluster.session() as sess:
        facts = world.pact_facts(cluster.app, sess, seed.kill_pact)  # whole or absent
        done = {world.unit_of(sess, login) for login in heads} & facts.signed_units
        cut = [login for login in on_b if answers[login] is None]
        kept = [login for login in cut if world.unit_of(sess, login) in done]
    print(f"kill: {len(cut)} signature(s) cut off by the kill; committed before it: {kept}")
    for login in on_a:
        if answers[login] == 303:
            with cluster.session() as sess:
                assert world.unit_of(sess, login) in done, login

    # The survivor still serves: everyone not signed yet signs through a.
    login_page = Client("visitor", journal).call(a, "GET", "/login")
    assert login_page is not None and login_page.status_code == 200
    with cluster.session() as sess:
        missing = [login for login in heads if world.unit_of(sess, login) not in done]
    for login in missing:
        assert sign(clients[login], [a], seed.kill_pact, 4) == 303, login
    with cluster.session() as sess:
        final = world.pact_facts(cluster.app, sess, seed.kill_pact)
    assert final.state == "in_force" and final.events["sign"] == len(heads)
    assert final.events["all_signed"] == 1
    assert journal.server_errors() == [], journal.server_errors()
    check_documents(cluster, seed.kill_pact, len(heads))
    check_audit(cluster)
    no_tracebacks(a)

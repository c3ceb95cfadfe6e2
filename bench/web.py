"""Benchmark the year's pages at province scale: in-process, under load on gunicorn, and memory.

Usage: python bench/web.py [--quick]

Needs PostgreSQL: WFLOW_BENCH_DATABASE_URL (else WFLOW_TEST_DATABASE_URL) names a server and a
database; the bench creates `<that database>_web` afresh beside it and drops it at the end.
Seeds it with `bench.reviews.seed` (60 blocks x 20 units x 4 quarters x 40 criteria, last
year's reviews all accepted with their scores and the secretariat's `lock` tasks), the blocks
carried into this year (the committee's home lists them), plus 20 people signed in through
the login form: secretariat, council members and unit heads.

1. In-process (Flask test client, signed in as the secretariat): the median of several runs of
   /healthz, GET /login (signed out), the committee dashboard, a block scoreboard, the home
   page and the inbox (/tasks), with the SQL statements each runs; ratios to /login. Then,
   for information, the council's province-wide pages (statistics, the turn of the year, the
   council's report, the instance list for the secretariat and for a unit head).
2. Load: gunicorn with 4 sync workers on 127.0.0.1 (a free port), 20 clients in threads, each
   a different person walking the year's pages (home, inbox, committee dashboard for the
   committee, a block scoreboard, a plan, a review; /login and /healthz signed out) for a
   bounded time (WFLOW_BENCH_WEB_SECONDS, 30 s; 8 s with --quick): req/s, p50/p95 per page,
   as ratios to /login's p95 and /healthz's p95 of the same run.
3. Memory: one sync worker, two people walking the same pages; the worker's VmRSS after
   1,000 requests and after 10,000 (WFLOW_BENCH_WEB_REQUESTS; 300 and 3,000 with --quick).

Writes bench/results/web.json; exits 0 whether targets are met or not.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import requests
import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.reviews import CRITERIA, PERIODS, UNITS, counting, seed, settle  # noqa: E402
from bench.table import row, write_results  # noqa: E402
from tests.load.cluster import (  # noqa: E402
    TOKEN_RE,
    Server,
    environment,
    free_port,
    fresh_database,
    make_instance,
)

QUICK = "--quick" in sys.argv[1:]
BLOCKS = 60
PASSWORD = "bench-password-1"
SAMPLES = 7 if QUICK else 15  # in-process runs per page (in turns), median
PROVINCE_RUNS = 3 if QUICK else 5  # runs of the province-wide pages (no target)
BUDGET = 60 if QUICK else 240  # seconds: stop the runs there (after 3 at least)
SECONDS = float(os.environ.get("WFLOW_BENCH_WEB_SECONDS", "8" if QUICK else "30"))
MEMORY_AT = int(os.environ.get("WFLOW_BENCH_WEB_REQUESTS", "3000" if QUICK else "10000"))
MEMORY_FIRST = MEMORY_AT // 10
CLIENTS, WORKERS = 20, 4
# Who walks: 2 secretariat, 3 council members, 15 unit heads of as many blocks.
SECRETARIAT, COUNCIL, HEADS = 2, 3, CLIENTS - 5
IN_PROCESS_TARGET, LOAD_TARGET, MEMORY_TARGET = 5.0, 3.0, 0.10
TARGETED = ("committee", "scoreboard")  # the pages the issue sets targets for under load


@dataclass(frozen=True)
class Person:
    """Someone who signs in and walks the pages a person in that role opens."""

    login: str
    roles: tuple[str, ...]
    unit_id: int | None
    block_id: int | None  # the head's own block; None for the committee


@dataclass(frozen=True)
class World:
    """What was seeded: the year, the people, each block's plan and reviews."""

    year: int
    people: list[Person]
    reviews: dict[int, list[int]]  # block id -> review ids
    own_reviews: dict[int, list[int]]  # unit id -> review ids


def pages_of(world: World, who: Person, rng: random.Random) -> list[tuple[str, str]]:
    """Return one walk of `who` through the year's pages, as (page, path) pairs."""
    y = world.year
    if who.block_id is None:  # the committee looks across blocks
        block = rng.randint(1, BLOCKS)
        review = rng.choice(world.reviews[block])
        walk = [("home", "/"), ("inbox", "/tasks"), ("committee", f"/committee?year={y}")]
    else:
        block = who.block_id
        review = rng.choice(world.own_reviews[who.unit_id or 0])
        walk = [("home", "/"), ("inbox", "/tasks")]
    return [
        *walk,
        ("scoreboard", f"/blocks/{block}/scoreboard?year={y}"),
        ("plan", f"/plans/{block}"),
        ("review", f"/reviews/{review}"),
    ]


SIGNED_OUT = [("login", "/login"), ("healthz", "/healthz")]


def unreachable(reason: str) -> NoReturn:
    """Stop the bench with one line when its PostgreSQL server cannot be used."""
    raise SystemExit(f"web: {reason.splitlines()[0]}")


def build(url: str) -> tuple[Any, World]:
    """Migrate and seed the database at `url`, create the people; return the app and world."""
    from sqlmodel import Session, select

    from wflow import create_app, db
    from wflow.core.access import current_year
    from wflow.org import service as org
    from wflow.org.models import Role
    from wflow.reviews.models import Review

    year = current_year() - 1  # a closed year: every quarter's review accepted
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench",
                      "SESSION_COOKIE_SECURE": False, "ARGON2_TIME_COST": 1,
                      "ARGON2_MEMORY_KIB": 1024,
                      "RATELIMIT_LOGIN": "100000 per minute"})  # fmt: skip
    db.upgrade(url)
    logging.getLogger("wflow.access").setLevel(logging.WARNING)  # one line per request: noise
    bind: sa.Engine = app.extensions["wflow.db"]
    versions = {n: d.version for n, d in app.extensions["wflow.engine"].definitions.items()}
    print(f"seeding {BLOCKS} blocks x {UNITS} units x {len(PERIODS)} quarters x {CRITERIA} "
          f"criteria, year {year}", flush=True)  # fmt: skip
    started = time.perf_counter()
    counts = seed(bind, versions, BLOCKS, year)
    with bind.begin() as conn:  # the blocks carried into this year, as its turn does: the
        # committee's home lists this year's blocks
        carried = conn.execute(sa.text(
            "INSERT INTO blockmembership (block_id, year, unit_id, position) "
            "SELECT block_id, year + 1, unit_id, position FROM blockmembership WHERE year = :y"
        ), {"y": year}).rowcount  # fmt: skip
    counts["blockmembership"] += carried
    people = [Person(f"secretariat{i}", (Role.SECRETARIAT.value,), None, None)
              for i in range(1, SECRETARIAT + 1)]  # fmt: skip
    people += [Person(f"council{i}", (Role.COUNCIL_MEMBER.value,), None, None)
               for i in range(1, COUNCIL + 1)]  # fmt: skip
    for i in range(HEADS):  # spread over the blocks; every third one its block's leader
        block = 1 + (i * 4) % BLOCKS
        unit = (block - 1) * UNITS + (1 if i % 3 == 0 else 3 + i % 17)
        people.append(Person(f"head{unit}", (Role.UNIT_HEAD.value,), unit, block))
    with app.app_context(), Session(bind) as s:
        for p in people:
            org.create_user(s, login=p.login, display_name=f"Người dùng {p.login}",
                            password=PASSWORD, unit_id=p.unit_id, roles=list(p.roles),
                            locale="vi")  # fmt: skip
        s.commit()
        reviews: dict[int, list[int]] = {}
        own: dict[int, list[int]] = {}
        for rid, block_id, unit_id in s.exec(select(Review.id, Review.block_id, Review.unit_id)):
            reviews.setdefault(block_id, []).append(rid or 0)
            own.setdefault(unit_id, []).append(rid or 0)
    settle(bind)
    print(f"  {sum(counts.values()):,} rows and {len(people)} people in "
          f"{time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip
    return app, World(year, people, reviews, own)


def in_process(app: Any, world: World) -> list[dict[str, Any]]:
    """Time the pages with the test client, signed in as the secretariat; return the rows."""
    bind: sa.Engine = app.extensions["wflow.db"]
    visitor = app.test_client()  # signed out: /login renders its form
    secretariat, council = signed_in(app, "secretariat1"), signed_in(app, "council1")
    y, middle = world.year, BLOCKS // 2 + 1
    committee, scoreboard = f"/committee?year={y}", f"/blocks/{middle}/scoreboard?year={y}"
    pages: dict[str, tuple[str, Any]] = {
        "healthz": ("/healthz", visitor), "login": ("/login", visitor),
        "committee": (committee, secretariat), "scoreboard": (scoreboard, secretariat),
        "home": ("/", secretariat), "inbox": ("/tasks", secretariat),
        # for reading: the same pages for a council member, whose inbox is empty
        "committee (council)": (committee, council), "scoreboard (council)": (scoreboard, council),
        "home (council)": ("/", council),
    }  # fmt: skip
    ms, statements, runs = timed(bind, pages, SAMPLES, BUDGET)
    base = ms["login"]
    print(f"in-process, signed in as the secretariat (and a council member), median of {runs}:")
    print(f"  {'page':<22}{'median ms':>11}{'/login':>10}{'target':>8}{'SQL':>7}  result")
    out = []
    for name, (path, _client) in pages.items():
        ratio = ms[name] / base
        targeted = name in ("committee", "scoreboard", "home", "inbox")
        verdict = ("PASS" if ratio <= IN_PROCESS_TARGET else "MISS") if targeted else ""
        target = f"{IN_PROCESS_TARGET:.0f}x" if targeted else ""
        print(f"  {name:<22}{ms[name]:>11.1f}{ratio:>9.2f}x{target:>8}{statements[name]:>7}"
              f"  {verdict:<4}  {path}")  # fmt: skip
        if name == "login":
            continue
        out.append(row(
            f"in-process {name}, {path.split('?')[0]}, {statements[name]} SQL, vs /login",
            ms[name], "ms", baseline=base,
            target=f"<= {IN_PROCESS_TARGET:.0f}x" if targeted else None,
            passed=ratio <= IN_PROCESS_TARGET if targeted else None,
        ))  # fmt: skip
    return out


def timed(
    bind: sa.Engine, pages: dict[str, tuple[str, Any]], samples: int, budget: float
) -> tuple[dict[str, float], dict[str, int], int]:
    """Time `pages` (name -> path, client) in turns, so drift touches every page alike, until
    `samples` runs or `budget` seconds (3 runs at least); return each page's median in ms,
    the SQL statements a second view of it runs, and the number of runs."""
    statements: dict[str, int] = {}
    for name, (path, client) in pages.items():
        response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        with counting(bind) as seen:
            client.get(path)
        statements[name] = len(seen)
    times: dict[str, list[float]] = {name: [] for name in pages}
    began = time.monotonic()
    while len(times["login"]) < samples and not (
        len(times["login"]) >= 3 and time.monotonic() - began > budget
    ):
        for name, (path, client) in pages.items():
            start = time.perf_counter()
            client.get(path)
            times[name].append(time.perf_counter() - start)
    ms = {name: statistics.median(v) * 1000 for name, v in times.items()}
    return ms, statements, len(times["login"])


def province_pages(app: Any, world: World) -> list[dict[str, Any]]:
    """Time the council's pages over the whole province in-process, for information (no
    target): statistics, the turn of the year, the council's report of the seeded year and the
    instance list, as the secretariat and as a unit head; ratios to /login."""
    bind: sa.Engine = app.extensions["wflow.db"]
    secretariat = signed_in(app, "secretariat1")
    head = next(p for p in world.people if p.block_id is not None)
    pages: dict[str, tuple[str, Any]] = {
        "login": ("/login", app.test_client()),
        "statistics": ("/statistics", secretariat), "turn of the year": ("/year", secretariat),
        "council report": (f"/council/report?year={world.year}", secretariat),
        "instances": ("/instances", secretariat),
        "instances (unit head)": ("/instances", signed_in(app, head.login)),
    }  # fmt: skip
    ms, statements, runs = timed(bind, pages, PROVINCE_RUNS, BUDGET / 4)
    base = ms["login"]
    print(f"the council's province-wide pages, in-process, median of {runs} (no target):")
    print(f"  {'page':<24}{'median ms':>11}{'/login':>10}{'SQL':>7}  path")
    out = []
    for name, (path, _client) in pages.items():
        print(f"  {name:<24}{ms[name]:>11.1f}{ms[name] / base:>9.2f}x{statements[name]:>7}  {path}")
        if name != "login":
            out.append(row(f"in-process {name}, {path.split('?')[0]}, {statements[name]} SQL, "
                           "vs /login", ms[name], "ms", baseline=base))  # fmt: skip
    return out


def signed_in(app: Any, login: str) -> Any:
    """Return a test client signed in as `login` through the login form."""
    client = app.test_client()
    found = TOKEN_RE.search(client.get("/login").get_data(as_text=True))
    assert found, "no CSRF token on /login"
    answer = client.post("/login", data={"csrf_token": found.group(1), "login": login,
                                         "password": PASSWORD})  # fmt: skip
    assert answer.status_code in (302, 303), (login, answer.status_code)
    return client


class Gunicorn(Server):
    """A gunicorn of sync workers (the production default) on a loopback port."""

    def launch(self, workers: int = WORKERS, threads: int = 1) -> None:
        """Start gunicorn with `workers` sync workers in a session of its own."""
        command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
                   "--workers", str(workers), "--worker-class", "sync", "--timeout", "120",
                   "--graceful-timeout", "5", "wflow.wsgi:app"]  # fmt: skip
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, env=self.env, cwd=ROOT, stdout=out,
                                            stderr=subprocess.STDOUT,
                                            start_new_session=True)  # fmt: skip

    def workers(self) -> list[int]:
        """Return the pids of the master's worker processes."""
        assert self.process is not None
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(c) for c in children]


def rss_kib(pid: int) -> int:
    """Return the resident set size of process `pid` in KiB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


class Walker:
    """One person's two HTTP sessions: signed in for their pages, signed out for /login."""

    def __init__(self, server: Server, who: Person, world: World, seed_: int) -> None:
        """Sign `who` in on `server`."""
        self.server, self.who, self.world = server, who, world
        self.rng = random.Random(seed_)
        self.http, self.anonymous = requests.Session(), requests.Session()
        page = self.http.get(server.url + "/login", timeout=120)
        found = TOKEN_RE.search(page.text)
        assert found, "no CSRF token on /login"
        answer = self.http.post(server.url + "/login", allow_redirects=False, timeout=120,
                                data={"csrf_token": found.group(1), "login": who.login,
                                      "password": PASSWORD})  # fmt: skip
        assert answer.status_code in (302, 303), (who.login, answer.status_code)

    def walk(self, record: Callable[[str, float, int], None], more: Callable[[], bool]) -> None:
        """Walk the pages (then /login and /healthz signed out) while `more()` says so."""
        while True:
            steps = [(p, path, self.anonymous) for p, path in SIGNED_OUT]
            steps += [(p, path, self.http) for p, path in pages_of(self.world, self.who, self.rng)]
            for page, path, http in steps:
                if not more():
                    return
                start = time.perf_counter()
                try:
                    status = http.get(self.server.url + path, allow_redirects=False,
                                      timeout=300).status_code  # fmt: skip
                except requests.RequestException:
                    status = 0  # no answer (a worker killed, a reset)
                record(page, time.perf_counter() - start, status)


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (0-100) of `values`, nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered)) - 1))]


def start(url: str, instance: Path, workers: int) -> Gunicorn:
    """Start gunicorn on `url` with `workers` sync workers; return it once /login answers."""
    env = environment(url, instance)
    server = Gunicorn(f"gunicorn-{workers}", env, instance / f"gunicorn-{workers}.log",
                      port=free_port())  # fmt: skip
    server.launch(workers)
    server.wait_ready()
    return server


def load(url: str, instance: Path, world: World) -> list[dict[str, Any]]:
    """Walk 20 people through the pages on 4 sync workers for SECONDS; return the rows."""
    server = start(url, instance, WORKERS)
    try:
        walkers = [Walker(server, who, world, n) for n, who in enumerate(world.people)]
        times: dict[str, list[float]] = {}
        errors: dict[str, int] = {}
        lock = threading.Lock()

        def record(page: str, seconds: float, status: int) -> None:
            with lock:
                times.setdefault(page, []).append(seconds)
                if status != 200:
                    errors[f"{page} {status}"] = errors.get(f"{page} {status}", 0) + 1

        print(f"load: gunicorn, {WORKERS} sync workers on {server.url}, {len(walkers)} people "
              f"walking for {SECONDS:.0f} s ...", flush=True)  # fmt: skip
        began = time.monotonic()
        deadline = began + SECONDS
        threads = [threading.Thread(target=w.walk, args=(record, lambda: time.monotonic() <
                                    deadline), daemon=True) for w in walkers]  # fmt: skip
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - began
    finally:
        server.stop()
    total = sum(len(v) for v in times.values())
    p50 = {p: percentile(v, 50) * 1000 for p, v in times.items()}
    p95 = {p: percentile(v, 95) * 1000 for p, v in times.items()}
    login, health = p95["login"], p95["healthz"]
    print(f"  {total:,} requests in {elapsed:.1f} s: {total / elapsed:.1f} req/s; "
          f"errors: {errors or 'none'}")  # fmt: skip
    print(f"  {'page':<12}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}"
          f"{'p95/login':>11}{'p95/healthz':>13}{'target':>8}  result")  # fmt: skip
    out = [row(f"load: {total:,} requests, {CLIENTS} clients, {WORKERS} sync workers, "
               f"{elapsed:.0f} s (req/s)", total / elapsed, "req/s")]  # fmt: skip
    order = ["healthz", "login", "home", "inbox", "committee", "scoreboard", "plan", "review"]
    for page in order:
        if page not in times:
            print(f"  {page:<12}: no request finished")
            continue
        ratio = p95[page] / login
        verdict = ("PASS" if ratio <= LOAD_TARGET else "MISS") if page in TARGETED else ""
        target = f"{LOAD_TARGET:.0f}x" if page in TARGETED else ""
        print(f"  {page:<12}{len(times[page]):>9}{len(times[page]) / elapsed:>8.1f}"
              f"{p50[page]:>9.1f}{p95[page]:>9.1f}{ratio:>10.2f}x{p95[page] / health:>12.2f}x"
              f"{target:>8}  {verdict}")  # fmt: skip
        if page == "login":
            continue
        out.append(row(
            f"load p95 {page} vs /login p95 (p50 {p50[page]:.0f} ms, "
            f"{p95[page] / health:.1f}x /healthz p95)",
            p95[page], "ms", baseline=login,
            target=f"<= {LOAD_TARGET:.0f}x" if page in TARGETED else None,
            passed=ratio <= LOAD_TARGET if page in TARGETED else None,
        ))  # fmt: skip
    if errors:
        out.append(row(f"load: answers other than 200 ({errors})", sum(errors.values())))
    return out


def memory(url: str, instance: Path, world: World) -> list[dict[str, Any]]:
    """Read one sync worker's RSS after MEMORY_FIRST and after MEMORY_AT requests."""
    server = start(url, instance, 1)
    try:
        (worker,) = server.workers()
        ready = rss_kib(worker)
        # a council member and a unit head: the secretariat's pages (the layout's inbox of
        # every accepted review) would take hours for 10,000 requests
        people = [world.people[SECRETARIAT], world.people[-1]]
        walkers = [Walker(server, who, world, 100 + n) for n, who in enumerate(people)]
        done, lock = [0], threading.Lock()
        marks: dict[int, int] = {}
        print(f"memory: 1 sync worker (pid {worker}, {ready:,} KiB after start-up), "
              f"{len(walkers)} people walking to {MEMORY_AT:,} requests ...",
              flush=True)  # fmt: skip

        def record(page: str, seconds: float, status: int) -> None:
            with lock:
                done[0] += 1
                if done[0] in (MEMORY_FIRST, MEMORY_AT):
                    marks[done[0]] = rss_kib(worker)
                    print(f"  after {done[0]:,} requests: {marks[done[0]]:,} KiB", flush=True)

        threads = [threading.Thread(target=w.walk, args=(record, lambda: done[0] < MEMORY_AT),
                                    daemon=True) for w in walkers]  # fmt: skip
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert server.workers() == [worker], "the worker was replaced during the run"
    finally:
        server.stop()
    first, last = marks[MEMORY_FIRST], marks[MEMORY_AT]
    growth = last / first - 1
    print(f"  growth {growth:+.1%} (target within {MEMORY_TARGET:.0%}): "
          f"{'PASS' if abs(growth) <= MEMORY_TARGET else 'MISS'}")  # fmt: skip
    return [row(f"worker RSS after {MEMORY_AT:,} requests vs after {MEMORY_FIRST:,}", last,
                "KiB", baseline=first, target=f"within {MEMORY_TARGET:.0%}".replace("%", " %"),
                passed=abs(growth) <= MEMORY_TARGET)]  # fmt: skip


def main() -> None:
    """Seed PostgreSQL, then measure in-process, under load and the memory of a worker."""
    server = os.environ.get("WFLOW_BENCH_DATABASE_URL") or os.environ.get(
        "WFLOW_TEST_DATABASE_URL", ""
    )
    print(f"wflow web bench{' (--quick)' if QUICK else ''}: the year's pages at {BLOCKS} blocks, "
          f"{datetime.now():%Y-%m-%d %H:%M}")  # fmt: skip
    if not server.startswith("postgresql"):
        print("web: skipped: set WFLOW_BENCH_DATABASE_URL to a PostgreSQL database")
        write_results("web", [], ["skipped: WFLOW_BENCH_DATABASE_URL (PostgreSQL) is not set"])
        return
    instance = make_instance(Path(tempfile.mkdtemp(prefix="wflow-bench-web-")))
    os.environ["WFLOW_INSTANCE_PATH"] = str(instance)
    with fresh_database("web", server, on_missing=unreachable) as url:
        print(f"database {make_url(url).database} (created; dropped at the end)")
        app, world = build(url)
        rows = in_process(app, world)
        rows += province_pages(app, world)
        app.extensions["wflow.db"].dispose()
        rows += load(url, instance, world)
        rows += memory(url, instance, world)
    notes = [f"in-process: median of {SAMPLES}; load: {SECONDS:.0f} s, {CLIENTS} people "
             f"({SECRETARIAT} secretariat, {COUNCIL} council, {HEADS} unit heads), client "
             f"threads on the same 2 cores as the server"]  # fmt: skip
    write_results("web", rows, notes)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # drop the database on a kill
    main()
    sys.exit(0)

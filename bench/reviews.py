"""Benchmark the block scoreboard and the committee dashboard at province scale.

Usage: python bench/reviews.py [BLOCKS]   (default 60)

Seeds, with bulk SQLAlchemy Core inserts (not the workflow), BLOCKS blocks x 20 member units
x 4 quarters x 40 criteria: a published plan and a pact in force per block (every head
signed), last year's reviews all accepted (a `wf_instance` in state `accepted` with its
`lock` tasks, a `review_score` per criterion), into a fresh SQLite file, and into PostgreSQL
too when WFLOW_BENCH_DATABASE_URL is set (its public schema is dropped and recreated).
Then serves the app with its test client, signed in as the secretariat, and times in turns
the block scoreboard (`/blocks/<id>/scoreboard?year=`), the committee dashboard
(`/committee?year=`) and a trivial page served the same way (GET `/login`: the layout, a
form, no data), with a signed-in page (`/notifications`) for reading what the layout alone
costs; prints the medians, the ratios with their targets and the SQL statements per page.
Writes bench/results/reviews.json; exits 0 whether targets are met or not.
"""

from __future__ import annotations

import logging
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

UNITS, PERIODS, CRITERIA, GROUPS = 20, ("q1", "mid_year", "q3", "year_end"), 40, 5
DUE = {"q1": (3, 31), "mid_year": (6, 15), "q3": (9, 30), "year_end": (11, 30)}
SAMPLES, WARM = 25, 3
PASSWORD = "bench-password-1"
# Targets: a page that reads a whole block (or all blocks) within this many trivial pages.
TARGETS = {"scoreboard": 5.0, "committee": 5.0}
CHUNK = 5_000


def _tables() -> dict[str, sa.Table]:
    from sqlmodel import SQLModel

    import wflow.engine.tables
    import wflow.models  # noqa: F401 (importing registers the tables)

    return dict(SQLModel.metadata.tables)


def _insert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), CHUNK):
        conn.execute(sa.insert(table), rows[i : i + CHUNK])


def seed(bind: sa.Engine, versions: dict[str, int], blocks: int, year: int) -> dict[str, int]:
    """Bulk-insert the province; return how many rows went into each table."""
    t = _tables()
    rng = random.Random(2026)
    now = datetime(year, 12, 20, 9, 0)
    counts: dict[str, int] = {}
    ids = {"instance": 0, "review": 0, "criterion": 0, "group": 0}
    council = blocks * UNITS + 1  # the province's council: every unit, block and instance is its

    def instance(workflow: str, state: str, subject: int, block_id: int, unit_id: int | None,
                 data: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
        ids["instance"] += 1
        return {"id": ids["instance"], "workflow": workflow, "version": versions[workflow],
                "state": state, "subject_type": workflow, "subject_id": subject,
                "unit_id": unit_id, "block_id": block_id, "year": year, "data": data,
                "council_id": council,
                "lock_version": 5, "entry": 5, "last_seq": 0, "last_hash": "",
                "due_at": None, "created_at": now, "updated_at": now}  # fmt: skip

    rules = {"reviews": {p: f"{m:02d}-{d:02d}" for p, (m, d) in DUE.items()},
             "late_report_penalty": "1", "vote_threshold": "2/3", "vote_quorum": "2/3",
             "grading": "leader", "review_open_days": 30}  # fmt: skip
    with bind.begin() as conn:
        _insert(conn, t["unit"], [{"id": council, "name": "Hội đồng Thi đua - Khen thưởng tỉnh",
                                   "code": "HDTDKT", "kind": "council", "level": "province",
                                   "council_id": council, "created_at": now}])  # fmt: skip
        counts["unit"] = 1
        for b in range(1, blocks + 1):
            rows: dict[str, list[dict[str, Any]]] = {k: [] for k in t}
            unit_ids = [(b - 1) * UNITS + i for i in range(1, UNITS + 1)]
            rows["block"].append({"id": b, "name": f"Khối thi đua số {b:02d}", "code": f"K{b:03d}",
                                  "description": "", "council_id": council,
                                  "created_at": now})  # fmt: skip
            for pos, uid in enumerate(unit_ids):
                rows["unit"].append({"id": uid, "name": f"Đơn vị {uid:04d} khối {b:02d}",
                                     "code": f"DV{uid:04d}", "kind": "agency",
                                     "council_id": council, "created_at": now})  # fmt: skip
                position = "leader" if pos == 0 else "deputy" if pos == 1 else "member"
                rows["blockmembership"].append({"block_id": b, "year": year, "unit_id": uid,
                                                "position": position})  # fmt: skip
            plan_iid = instance("plan", "published", b, b, None, {})
            pact_iid = instance("pact", "in_force", b, b, None, {})
            rows["wf_instance"] += [plan_iid, pact_iid]
            rows["plan"].append({"id": b, "block_id": b, "year": year, "year_end": year,
                                 "title": f"Kế hoạch thi đua năm {year} của khối số {b:02d}",
                                 "contents": [], "rules": rules, "scale": 100,
                                 "instance_id": plan_iid["id"], "created_at": now,
                                 "updated_at": now, "published_at": now})  # fmt: skip
            rows["pact"].append({"id": b, "block_id": b, "plan_id": b, "year": year,
                                 "year_end": year, "number": f"{b:02d}/GƯTĐ",
                                 "title": f"GIAO ƯỚC THI ĐUA NĂM {year}",
                                 "instance_id": pact_iid["id"], "created_at": now,
                                 "updated_at": now, "in_force_at": now})  # fmt: skip
            for pos, uid in enumerate(unit_ids):
                rows["wf_participant"].append({
                    "instance_id": pact_iid["id"], "round": 5, "position": pos, "stage": 0,
                    "key": f"unit:{uid}", "principal": f"unit:{uid}:head",
                    "label": f"Đơn vị {uid:04d}", "choice": "act", "acted_at": now, "data": {},
                })  # fmt: skip
            criteria: list[tuple[int, Decimal]] = []
            per_group = CRITERIA // GROUPS
            for g in range(GROUPS):
                ids["group"] += 1
                rows["criterion_group"].append({"id": ids["group"], "plan_id": b, "position": g,
                                                "code": "IVXLC"[g] if g < 5 else str(g + 1),
                                                "title": f"Nhóm tiêu chí {g + 1}",
                                                "max_points": Decimal(100 // GROUPS)})  # fmt: skip
                for k in range(per_group):
                    ids["criterion"] += 1
                    most = Decimal(100 // GROUPS) / per_group
                    rows["criterion"].append({"id": ids["criterion"], "plan_id": b,
                                              "group_id": ids["group"], "position": k,
                                              "code": f"{g + 1}.{k + 1}",
                                              "title": f"Tiêu chí {g + 1}.{k + 1}",
                                              "max_points": most, "max_bonus": Decimal(1),
                                              "evidence": "Báo cáo"})  # fmt: skip
                    criteria.append((ids["criterion"], most))
            for period in PERIODS:
                month, day = DUE[period]
                for pos, uid in enumerate(unit_ids):
                    ids["review"] += 1
                    rid = ids["review"]
                    reviewer = unit_ids[1] if pos == 0 else unit_ids[0]
                    inst = instance("review", "accepted", rid, b, uid,
                                    {"due_date": f"{year}-{month:02d}-{day:02d}",
                                     "reviewer_unit_id": reviewer})  # fmt: skip
                    rows["wf_instance"].append(inst)
                    rows["wf_task"] += [
                        {"instance_id": inst["id"], "trigger": "lock", "principal": who,
                         "due_at": None, "work": True, "block_id": b}
                        for who in (f"block:{b}:{year}:leader", f"secretariat:{council}")
                    ]  # fmt: skip
                    form, total = rng.uniform(0.7, 0.98), Decimal(0)
                    for cid, most in criteria:
                        score = most * Decimal(str(min(1.0, form + rng.uniform(-0.1, 0.1))))
                        score = score.quantize(Decimal("0.01"))
                        total += score
                        achieved = Decimal(rng.randint(60, 210))
                        rows["review_score"].append({
                            "review_id": rid, "criterion_id": cid, "achieved": f"{achieved} %",
                            "achieved_value": achieved, "target_value": Decimal(100),
                            "self_score": score, "self_bonus": Decimal(0), "self_note": "",
                            "score": score, "bonus": Decimal(0), "note": "",
                        })  # fmt: skip
                    late = rng.random() < 0.05
                    penalty = Decimal(1) if late else Decimal(0)
                    rows["review"].append({
                        "id": rid, "pact_id": b, "plan_id": b, "block_id": b, "unit_id": uid,
                        "year": year, "period": period, "due_date": date(year, month, day),
                        "reviewer_unit_id": reviewer, "instance_id": inst["id"],
                        "submitted_at": now, "late": late, "penalty": penalty,
                        "self_total": total, "score_total": total, "bonus_total": Decimal(0),
                        "final_total": total - penalty, "accepted_at": now, "created_at": now,
                        "updated_at": now,
                    })  # fmt: skip
            order = ("block", "unit", "blockmembership", "wf_instance", "plan", "pact",
                     "wf_participant", "criterion_group", "criterion", "review", "review_score",
                     "wf_task")  # fmt: skip
            for name in order:
                _insert(conn, t[name], rows[name])
                counts[name] = counts.get(name, 0) + len(rows[name])
            if b % 10 == 0 or b == blocks:
                print(f"  seeded {b}/{blocks} blocks ({counts['review_score']:,} scores)",
                      flush=True)  # fmt: skip
        if conn.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            for name in ("block", "unit", "plan", "pact", "wf_instance", "criterion_group",
                         "criterion", "review"):  # fmt: skip
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT MAX(id) FROM {name}))"
                )
    return counts


@contextmanager
def counting(bind: sa.Engine) -> Iterator[list[str]]:
    """Collect the SQL statements run on `bind` inside the block."""
    seen: list[str] = []

    def hook(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    sa.event.listen(bind, "before_cursor_execute", hook)
    try:
        yield seen
    finally:
        sa.event.remove(bind, "before_cursor_execute", hook)


def settle(bind: sa.Engine) -> None:
    """Bring a freshly seeded PostgreSQL database to the state a served one is in: vacuumed
    and its statistics gathered, as autovacuum (on by default; off on some servers, this
    bench's included) leaves a database that has served a year: the visibility map set,
    index-only scans read no table. SQLite is left as the application leaves it."""
    if bind.dialect.name == "postgresql":
        with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")


def measure(url: str, label: str, blocks: int) -> list[dict[str, Any]]:
    """Seed the database at `url`, time the pages, print them; return the result rows."""
    from bench.table import row
    from wflow import create_app, db
    from wflow.core.access import current_year
    from wflow.org import service as org
    from wflow.org.models import Role

    year = current_year() - 1
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench",
                      "SESSION_COOKIE_SECURE": False, "ARGON2_TIME_COST": 1,
                      "ARGON2_MEMORY_KIB": 1024, "RATELIMIT_LOGIN": "1000 per minute"})  # fmt: skip
    db.upgrade(url)
    logging.getLogger("wflow.access").setLevel(logging.WARNING)  # one line per request: noise
    bind: sa.Engine = app.extensions["wflow.db"]
    versions = {n: d.version for n, d in app.extensions["wflow.engine"].definitions.items()}
    started = time.perf_counter()
    print(f"{label}: seeding {blocks} blocks x {UNITS} units x {len(PERIODS)} quarters x "
          f"{CRITERIA} criteria", flush=True)  # fmt: skip
    counts = seed(bind, versions, blocks, year)
    seeded = time.perf_counter() - started
    print(f"  {sum(counts.values()):,} rows in {seeded:.1f} s", flush=True)
    from sqlmodel import Session

    with Session(bind) as s:
        org.create_user(s, login="secretariat", display_name="Ban Thi đua", password=PASSWORD,
                        unit_id=None, roles=[Role.SECRETARIAT.value], locale="en")  # fmt: skip
    settle(bind)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"csrf_token": token, "login": "secretariat",
                                "password": PASSWORD})  # fmt: skip
    middle = blocks // 2 + 1
    pages: dict[str, str] = {
        "trivial": "/login",
        "signed-in": "/notifications",  # for reading: the layout's own queries (tasks, ...)
        "scoreboard": f"/blocks/{middle}/scoreboard?year={year}",
        "committee": f"/committee?year={year}",
    }
    trivial_client = app.test_client()  # signed out: /login renders its form

    def getter(path: str, by: Any) -> Callable[[], Any]:
        return lambda: by.get(path)

    get = {name: getter(path, trivial_client if name == "trivial" else client)
           for name, path in pages.items()}  # fmt: skip
    statements: dict[str, int] = {}
    for name, fetch in get.items():
        for _ in range(WARM):
            response = fetch()
            assert response.status_code == 200, (name, response.status_code)
        with counting(bind) as seen:
            fetch()
        statements[name] = len(seen)
    times: dict[str, list[float]] = {name: [] for name in get}
    for _ in range(SAMPLES):  # in turns, so drift touches every page alike
        for name, fetch in get.items():
            start = time.perf_counter()
            fetch()
            times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in times.items()}
    base = medians["trivial"]
    print(f"  {'page':<12}{'median ms':>11}{'ratio':>9}{'target':>9}{'SQL':>6}  result")
    print(f"  {'trivial':<12}{base * 1000:>11.1f}{'1.00x':>9}{'':>9}{statements['trivial']:>6}")
    layout = medians["signed-in"]
    print(f"  {'signed-in':<12}{layout * 1000:>11.1f}{layout / base:>8.2f}x{'':>9}"
          f"{statements['signed-in']:>6}  (GET /notifications: the signed-in layout)")  # fmt: skip
    out = []
    for name in ("scoreboard", "committee"):
        ratio, target = medians[name] / base, TARGETS[name]
        verdict = "PASS" if ratio <= target else "MISS"
        print(f"  {name:<12}{medians[name] * 1000:>11.1f}{ratio:>8.2f}x{target:>8.1f}x"
              f"{statements[name]:>6}  {verdict}")  # fmt: skip
        out.append(row(f"{label}: {name} ({blocks}x{UNITS}x{len(PERIODS)}x{CRITERIA}), "
                       f"{statements[name]} SQL", medians[name] * 1000, "ms",
                       baseline=base * 1000, target=f"<= {target:.0f}x",
                       passed=ratio <= target))  # fmt: skip
    out.append(
        row(
            f"{label}: signed-in layout (GET /notifications), for reading",
            layout * 1000,
            "ms",
            baseline=base * 1000,
        )
    )
    out.append(row(f"{label}: seed {sum(counts.values()):,} rows (Core bulk inserts)", seeded,
                   "s"))  # fmt: skip
    out += inbox_count(app, bind, label)
    bind.dispose()
    return out


def inbox_count(app: Any, bind: sa.Engine, label: str, grow: int = 10) -> list[dict[str, Any]]:
    """Time the layout's inbox count (`inbox.count`) of the secretariat with its open tasks,
    then with `grow` times as many task rows; print the statements it runs on the task index
    and the database's plan for the one that counts."""
    from sqlmodel import Session, select

    from bench.table import row
    from wflow.core import workflow as wf
    from wflow.engine.inbox import WORK_COUNT
    from wflow.engine.statements import TASK
    from wflow.inbox import service as inbox
    from wflow.org.models import User

    engine = app.extensions["wflow.engine"]

    def timed() -> tuple[int, int, float, int]:
        with app.test_request_context(), Session(bind) as s:
            user = s.exec(select(User).where(User.login == "secretariat")).one()
            actor = wf.actor_for(s, user)  # the principals are computed once per request anyway
            rows = s.execute(sa.select(sa.func.count()).select_from(TASK).where(
                TASK.c.principal.in_(sorted(actor.principals)))).scalar_one()  # fmt: skip
            with counting(bind) as seen:
                count = inbox.count(s, engine, user)
            times = []
            for _ in range(SAMPLES * 2):
                start = time.perf_counter()
                inbox.count(s, engine, user)
                times.append(time.perf_counter() - start)
        on_tasks = [q for q in seen if "wf_task" in q]
        return rows, count, statistics.median(times), len(on_tasks)

    small, small_n, small_s, small_sql = timed()
    with bind.begin() as conn:  # the same principal on more tasks of the same instances
        who = conn.execute(sa.select(TASK.c.principal).where(
            TASK.c.principal.like("secretariat:%")).limit(1)).scalar_one()  # fmt: skip
        held = conn.execute(sa.select(TASK.c.instance_id, TASK.c.block_id)
                            .where(TASK.c.principal == who)).all()  # fmt: skip
        _insert(conn, TASK, [{"instance_id": i, "trigger": f"extra{k}", "principal": who,
                              "due_at": None, "work": True, "block_id": b}
                             for k in range(1, grow) for i, b in held])  # fmt: skip
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE wf_task")
        compiled = WORK_COUNT.compile(conn, compile_kwargs={"literal_binds": False})
        explain = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
        plan = conn.exec_driver_sql(
            explain + str(compiled).replace("__[POSTCOMPILE_principals]", f"('{who}')")
        ).all()
    big, big_n, big_s, big_sql = timed()
    assert big_n == small_n, (big_n, small_n)  # more rows of the same work: the same count
    print(f"  inbox count {small_n:,}: {small_sql} SQL on wf_task, {small_s * 1e6:,.0f} µs "
          f"with {small:,} task rows; {big_sql} SQL, {big_s * 1e6:,.0f} µs with {big:,}",
          flush=True)  # fmt: skip
    print("  plan: " + " / ".join(str(r[-1]) for r in plan), flush=True)
    return [
        row(
            f"{label}: layout inbox count, {big:,} vs {small:,} task rows "
            f"({big_sql} statement on wf_task)",
            big_s * 1e6,
            "µs",
            baseline=small_s * 1e6,
        )
    ]


def main() -> None:
    """Seed and measure on SQLite, and on PostgreSQL when WFLOW_BENCH_DATABASE_URL is set."""
    from bench.table import write_results

    blocks = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    tmp = tempfile.mkdtemp(prefix="wflow-bench-reviews-")
    os.environ["WFLOW_INSTANCE_PATH"] = tmp
    print(f"wflow reviews bench: scoreboard and committee dashboard, trivial page = GET /login, "
          f"median of {SAMPLES}, {datetime.now():%Y-%m-%d %H:%M}")  # fmt: skip
    rows = measure(f"sqlite:///{tmp}/bench.sqlite3", "sqlite", blocks)
    pg = os.environ.get("WFLOW_BENCH_DATABASE_URL", "")
    if pg:
        from tests.load.cluster import fresh_database

        def unreachable(reason: str) -> NoReturn:
            raise SystemExit(f"reviews: {reason.splitlines()[0]}")

        # a database of its own beside the one named, dropped at the end
        with fresh_database("reviews", pg, on_missing=unreachable) as url:
            rows += measure(url, "postgresql", blocks)
    else:
        print("postgresql: skipped (set WFLOW_BENCH_DATABASE_URL to measure it too)")
    write_results("reviews", rows)


if __name__ == "__main__":
    main()
    sys.exit(0)

"""The inbox at scale: a secretariat with more tasks than a page reads them a page at a time.

The province is the benchmarks' (`bench.reviews.seed`, two blocks): 160 accepted reviews of
last year, each a `lock` task of the secretariat; a few are given deadlines, some passed.
A page holds the next 50 rows in order (overdue first, then by due date, block, instance);
on the page they are shown by block, a block where its first row is.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from bench.reviews import seed
from tests.conftest import PASSWORD, sign_in
from tests.sql import sqlite_plan, statements_with_params
from wflow.clock import utcnow
from wflow.core import installation
from wflow.core.access import current_year
from wflow.engine.tables import WfInstance, WfTask
from wflow.inbox import service as inbox
from wflow.inbox import words
from wflow.org import service as org
from wflow.org.models import Role, User

KEY = re.compile(r'<tr class="task(?: overdue)?" data-task="([^"]+)">')
CURRENT = re.compile(r'<a href="[^"]*" aria-label="Page (\d+)" aria-current="page">')
REVIEWS = 160  # 2 blocks x 20 units x 4 quarters
Rows = list[tuple[str, int]]  # the secretariat's rows in order: (data-task key, block id)


@pytest.fixture
def province(app: Flask, session: Session) -> Rows:
    """Seed two blocks and a secretariat; return its rows (key, block) in the expected order.

    Four reviews get deadlines: two passed (the overdue come first, the older first), two to
    come; the others have none and follow by block name, then in the order they were made.
    """
    versions = {n: d.version for n, d in app.extensions["wflow.engine"].definitions.items()}
    seed(app.extensions["wflow.db"], versions, 2, current_year() - 1)
    org.create_user(session, login="secretariat", display_name="Secretariat",
                    password=PASSWORD, unit_id=None, roles=[Role.SECRETARIAT.value],
                    locale="en")  # fmt: skip
    session.commit()
    query = select(WfInstance).where(WfInstance.workflow == "review").order_by(col(WfInstance.id))
    by_block: dict[int, list[int]] = {}
    for row in session.exec(query):
        by_block.setdefault(row.block_id or 0, []).append(row.id or 0)
    assert sorted(by_block) == [1, 2] and sum(map(len, by_block.values())) == REVIEWS
    today = installation.local_date(session, utcnow())
    dated = {  # instance -> its deadline (the end of that day, as the engine stores dates)
        by_block[2][70]: today - timedelta(days=10),
        by_block[1][40]: today - timedelta(days=5),
        by_block[2][3]: today + timedelta(days=3),
        by_block[1][79]: today + timedelta(days=30),
    }
    for iid, due in dated.items():
        at = datetime.combine(due, time(23, 59, 59))
        session.execute(sa.update(WfInstance).where(col(WfInstance.id) == iid).values(due_at=at))
        session.execute(sa.update(WfTask).where(col(WfTask.instance_id) == iid).values(due_at=at))
    session.commit()
    rest = [i for b in (1, 2) for i in by_block[b] if i not in dated]
    block_of = {i: b for b, ids in by_block.items() for i in ids}
    return [(f"i{i}", block_of[i]) for i in [*dated, *rest]]


def _shown(rows: Rows) -> list[str]:
    """Return the keys of a page's rows as shown: by block, each block where its first row is."""
    blocks = list(dict.fromkeys(b for _k, b in rows))
    return [k for block in blocks for k, b in rows if b == block]


def _page(client: FlaskClient, url: str) -> tuple[list[str], str]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    body = response.get_data(as_text=True)
    return KEY.findall(body), body


def test_paging__pages_of_fifty_in_order_then_the_rest(
    app: Flask, client: FlaskClient, province: Rows
) -> None:
    sign_in(client, "secretariat")
    first, body = _page(client, "/tasks")
    assert first == _shown(province[:50])
    assert f"{REVIEWS} tasks, the overdue first." in body
    assert "Page 1 of 4: tasks 1 to 50." in body
    assert body.count('class="task overdue"') == 2  # the two passed deadlines lead
    assert CURRENT.findall(body) == ["1"]
    assert 'aria-label="Pages of my tasks"' in body
    assert 'rel="prev"' not in body and 'href="/tasks?page=2" rel="next"' in body
    seen = list(first)
    for number in (2, 3, 4):
        keys, body = _page(client, f"/tasks?page={number}")
        assert keys == _shown(province[(number - 1) * 50 : number * 50])
        assert CURRENT.findall(body) == [str(number)]
        assert f'href="/tasks?page={number - 1}" rel="prev"' in body
        seen += keys
    assert len(keys) == REVIEWS - 150 and 'rel="next"' not in body
    assert sorted(seen) == sorted(k for k, _b in province)  # every row once across the pages


def test_paging__a_page_past_the_end_shows_the_last_and_a_bad_one_is_refused(
    app: Flask, client: FlaskClient, province: Rows
) -> None:
    """Work gets done while a page is open: page 9 of what is now 4 pages shows page 4."""
    sign_in(client, "secretariat")
    keys, body = _page(client, "/tasks?page=9")
    assert keys == _shown(province[150:]) and CURRENT.findall(body) == ["4"]
    for bad in ("abc", "0", "-1", "1.5"):
        response = client.get(f"/tasks?page={bad}")
        assert response.status_code == 422, bad
        assert "page" in response.get_data(as_text=True)


def test_paging__the_filter_keeps_its_pages_and_the_export_holds_every_row(
    app: Flask, client: FlaskClient, province: Rows
) -> None:
    sign_in(client, "secretariat")
    keys, body = _page(client, "/tasks?workflow=review&page=2")
    assert keys == _shown(province[50:100])
    assert 'href="/tasks?workflow=review&amp;page=3" rel="next"' in body
    assert 'href="/tasks?workflow=review&amp;format=csv"' in body  # the export: no page
    none, body = _page(client, "/tasks?workflow=plan")
    assert none == [] and "Nothing to do now." in body and 'class="pagination"' not in body
    for url in ("/tasks?format=csv", "/tasks?workflow=review&page=2&format=csv"):
        text = client.get(url).get_data(as_text=True).lstrip("\ufeff")
        lines = list(csv.reader(io.StringIO(text)))
        assert lines[0][0] == "Task" and len(lines) == 1 + REVIEWS, url
    xlsx = client.get("/tasks?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_paging__home_shows_the_first_five_and_the_total(
    app: Flask, client: FlaskClient, province: Rows
) -> None:
    sign_in(client, "secretariat")
    keys, body = _page(client, "/")
    assert keys == _shown(province[:5])
    assert f"See the {REVIEWS - 5} other tasks in My tasks" in body
    nav = body[body.index('href="/tasks"') :][:300]
    # the menu's badge counts up to its cap: 160 tasks are "99+", "more than 99" in words
    assert "99+" in re.sub(r"<[^>]+>", " ", nav).split()
    assert 'aria-label="More than 99 open"' in nav


def test_paging__only_the_rows_shown_are_put_in_words(
    app: Flask, client: FlaskClient, province: Rows, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Describing is the costly step: a page describes its rows, the home page its five."""
    described: list[int | None] = []
    real = words.describe

    def counted(session: Session, engine: Any, row: Any, *args: Any, **kw: Any) -> Any:
        described.append(row.id)
        return real(session, engine, row, *args, **kw)

    monkeypatch.setattr(inbox, "describe", counted)
    sign_in(client, "secretariat")
    for url, shown in (("/tasks", 50), ("/tasks?page=4", 10), ("/", 5)):
        described.clear()
        keys, _body = _page(client, url)
        assert len(keys) == shown and len(described) == shown, url


def test_paging__the_order_does_not_depend_on_words() -> None:
    """Ties on the cheap key are broken by the instance, never by the title."""
    day = date(2026, 5, 1)

    def entry(iid: int, block: str, due: date | None, overdue: bool = False) -> inbox.Entry:
        return inbox.Entry(key=f"i{iid}", workflow="review", block_id=1, block=block, due=due,
                           overdue=overdue, instance_id=iid, triggers=("lock",))  # fmt: skip

    rows = [entry(9, "B", None), entry(3, "B", None), entry(5, "A", None), entry(7, "B", day),
            entry(8, "C", day - timedelta(days=1), True)]  # fmt: skip
    assert [e.key for e in sorted(rows, key=lambda e: e.order)] == ["i8", "i7", "i5", "i3", "i9"]


def test_paging__every_page_of_any_size_is_its_slice_of_the_whole_list(
    app: Flask, session: Session, province: Rows
) -> None:
    """A page reads only the deadlines and blocks it reaches, yet holds exactly its slice of
    the whole ordered list; an instance is as urgent as its earliest task."""
    from wflow.workflow_setup import engine

    sec = session.exec(select(User).where(User.login == "secretariat")).one()
    first_of_block_1 = next(int(k[1:]) for k, b in province if b == 1)
    held = session.exec(select(WfTask).where(
        WfTask.instance_id == first_of_block_1, col(WfTask.principal).startswith("secretariat:")
    )).one()  # fmt: skip
    earliest = datetime.combine(
        installation.local_date(session, utcnow()) - timedelta(days=20), time(23, 59, 59)
    )  # a second task of one instance, due before any other: it leads
    session.add(WfTask(instance_id=first_of_block_1, trigger="remind", principal=held.principal,
                       due_at=earliest, work=True, announced=True,
                       block_id=held.block_id))  # fmt: skip
    session.commit()
    with app.test_request_context():
        whole = [w.key for w in inbox.work(session, engine(), sec)]
        assert whole[0] == f"i{first_of_block_1}" and len(whole) == REVIEWS
        assert sorted(whole) == sorted(k for k, _b in province)
        for size in (1, 7, 50, 200):
            for number in range(1, -(-REVIEWS // size) + 2):  # one past the end: the last
                found = inbox.page(session, engine(), sec, number, size)
                shown = min(number, -(-REVIEWS // size))
                at = (shown - 1) * size
                assert found.total == REVIEWS and found.number == shown, (size, number)
                assert [w.key for w in found.items] == whole[at : at + size], (size, number)
        reviews = inbox.page(session, engine(), sec, 2, 30, workflow="review")
        assert [w.key for w in reviews.items] == whole[30:60]
        assert inbox.page(session, engine(), sec, 1, 30, workflow="plan").total == 0


def test_paging__a_page_reads_its_blocks_tasks_from_the_blocks(
    app: Flask, client: FlaskClient, province: Rows, backend: str
) -> None:
    """The task rows of the blocks a page reaches are found from those blocks' instances (by
    the index on block_id, then the task index by instance), not by reading every task of the
    secretariat and keeping the blocks' (SQLite's plan; PostgreSQL's follows its statistics)."""
    if backend != "sqlite":
        pytest.skip("the plan checked is SQLite's")
    sign_in(client, "secretariat")
    bind = app.extensions["wflow.db"]
    with statements_with_params(bind) as sent:
        keys, _body = _page(client, "/tasks?page=4")
    assert keys == _shown(province[150:])
    reads = [(s, p) for s, p in sent if "wf_task" in s and "block_id IN" in s]
    assert len(reads) == 1, [s for s, _p in sent]
    plan = sqlite_plan(bind, *reads[0])
    on_tasks = [line for line in plan if "wf_task" in line]
    assert on_tasks and all("instance_id=?" in line for line in on_tasks), plan


def test_paging__the_work_is_grouped_from_the_task_index_alone(
    app: Flask, client: FlaskClient, province: Rows, backend: str
) -> None:
    """The secretariat's work grouped by deadline and block reads each task's deadline and
    block from the task index (principal, work, instance, due_at, block), neither from the
    table row by row nor from the instances (SQLite's plan; PostgreSQL's index-only scans
    follow its visibility map)."""
    if backend != "sqlite":
        pytest.skip("the plan checked is SQLite's")
    sign_in(client, "secretariat")
    bind = app.extensions["wflow.db"]
    with statements_with_params(bind) as sent:
        keys, _body = _page(client, "/tasks")
    assert keys == _shown(province[:50])
    groups = [(s, p) for s, p in sent if "wf_task" in s and "min(wf_task.due_at)" in s]
    assert len(groups) == 1, [s for s, _p in sent]
    plan = sqlite_plan(bind, *groups[0])
    on_tasks = [line for line in plan if "wf_task" in line]
    assert on_tasks and all("COVERING INDEX" in line for line in on_tasks), plan
    assert not [line for line in plan if "wf_instance" in line], plan

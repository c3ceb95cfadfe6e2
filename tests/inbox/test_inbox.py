"""The inbox through the pages of the demo year: what each person sees, in words."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from tests.conftest import csrf_token, present, sign_in
from tests.dbs import DemoBuild
from tests.sql import statements_sent
from wflow.core.access import current_year
from wflow.engine import WfInstance
from wflow.engine.statements import TASK
from wflow.inbox import service as inbox
from wflow.inbox.words import due_date
from wflow.notifications.models import Notification
from wflow.org.models import Block, Unit, User
from wflow.workflow_setup import engine

DEMO_PASSWORD = "demo-2026!"
IDENTIFIER = re.compile(r"#\d+|unit-\d+")
ROW = re.compile(r'<tr class="task( overdue)?" data-task="([^"]+)">(.*?)</tr>', re.S)
SECTION = re.compile(
    r'<section class="work-block"[^>]*>\s*<h(\d) id="[^"]+">([^<]+)</h\1>(.*?)</section>', re.S
)


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _inbox(client: FlaskClient, login: str) -> list[tuple[str, list[tuple[bool, str]]]]:
    """Sign in as `login` and return the inbox: (block heading, [(overdue, row text)])."""
    sign_in(client, login, DEMO_PASSWORD)
    return _sections(client)


def _sections(client: FlaskClient) -> list[tuple[str, list[tuple[bool, str]]]]:
    """Return the signed-in user's inbox: (block heading, [(overdue, row text)])."""
    page = client.get("/tasks")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    return [
        (
            html.unescape(name).strip(),
            [(bool(o), _text(cells)) for o, _k, cells in ROW.findall(rows)],
        )
        for _level, name, rows in SECTION.findall(body)
    ]


def _block_names(session: Session) -> set[str]:
    return {b.name for b in session.exec(select(Block)).all()}


@pytest.mark.parametrize(
    "login", ["tdoan.head", "hlhpn.head", "mttq.head", "tdoan.staff", "snv.head", "secretariat"]
)
def test_inbox__every_row_names_its_action_subject_and_block_in_words(
    app: Flask, client: FlaskClient, session: Session, demo: DemoBuild, login: str
) -> None:
    groups = _inbox(client, login)
    blocks = _block_names(session) | {"Toàn tỉnh"}
    for name, rows in groups:
        assert name in blocks, name  # each group is a block, by name
        assert rows
        for _overdue, text in rows:
            assert ":" in text and len(text.split(":", 1)[1].strip()) > 5, text
            assert not IDENTIFIER.search(text), text
            assert "Thu hồi khen thưởng" not in text and "Kết thúc giao ước" not in text


def test_inbox__block_names_are_kept_until_a_block_is_renamed(
    app: Flask, client: FlaskClient, session: Session, demo: DemoBuild
) -> None:
    """Seen again, the inbox reads no block name (kept per process under the access epoch);
    a block renamed shows under its new name on the next page."""
    [(name, _rows)] = _inbox(client, "snv.head")
    with statements_sent(app.extensions["wflow.db"]) as sent:
        assert client.get("/tasks").status_code == 200
    assert not [q for q in sent if "SELECT block.id, block.name FROM block" in " ".join(q.split())]
    block = session.exec(select(Block).where(Block.name == name)).one()
    block.name = "Khối thi đua các cơ quan tỉnh"
    session.add(block)
    session.commit()
    assert [n for n, _rows in _sections(client)] == ["Khối thi đua các cơ quan tỉnh"]


def test_inbox__leading_unit_reviews_overdue_first_one_row_a_subject(
    app: Flask, client: FlaskClient, session: Session, demo: DemoBuild
) -> None:
    groups = _inbox(client, "snv.head")
    assert [name for name, _rows in groups] == ["Khối thi đua các sở, ban, ngành tỉnh"]
    rows = groups[0][1]
    flags = [overdue for overdue, _text in rows]
    assert flags[0] and flags == sorted(flags, reverse=True)  # the overdue ones come first
    assert rows[0][1].startswith(f"Nộp báo cáo: Quý I {current_year()} — Sở Nội vụ tỉnh Hà Tĩnh")
    assert "Quá hạn" in rows[0][1]
    titles = [text.split(" Quá hạn")[0] for _o, text in rows]
    assert len(titles) == len(set(titles))  # no subject twice ("accept" and "return" are one row)
    assert any(t.startswith(f"Chấp nhận kết quả: Quý I {current_year()} — Sở Tài") for t in titles)


def test_inbox__options_that_stay_available_are_not_tasks(
    app: Flask, client: FlaskClient, session: Session, demo: DemoBuild
) -> None:
    """Decided awards (revoke), pacts in force (close) and running campaigns are no work."""
    # the secretariat's only work in the demo: the ad-hoc proposal awaiting its check
    rows = [t for _n, rows in _inbox(client, "secretariat") for _o, t in rows]
    assert len(rows) == 1 and "trình Chủ tịch" in rows[0]
    page = client.get("/").get_data(as_text=True)
    assert "Thu hồi khen thưởng" not in page and "Kết thúc giao ước" not in page
    mttq = _inbox(app.test_client(), "mttq.head")
    assert all("Kết thúc giao ước" not in t for _n, rows in mttq for _o, t in rows)
    # the engine still lets the secretariat revoke: it is offered on the award's page
    secretariat = session.exec(select(User).where(User.login == "secretariat")).one()
    with app.test_request_context():
        from wflow.core import workflow as wf  # the raw index, for contrast

        raw = {t.trigger for t in wf.tasks(session, engine(), secretariat)}
    assert "revoke" in raw and "close" in raw


def test_inbox__a_member_comments_on_the_plan_in_consultation(
    app: Flask, client: FlaskClient, session: Session, demo: DemoBuild
) -> None:
    groups = _inbox(client, "mttq.head")
    rows = [text for _name, rows in groups for _o, text in rows]
    comment = [t for t in rows if t.startswith("Góp ý kế hoạch:")]
    assert len(comment) == 1 and f"phong trào thi đua năm {current_year()}" in comment[0]
    row = session.exec(
        select(WfInstance).where(WfInstance.workflow == "plan", WfInstance.state == "consultation")
    ).one()
    assert row.due_at is not None
    due = present(due_date(row.due_at, "Asia/Ho_Chi_Minh"), "the consultation's due date")
    assert due.strftime("%d/%m/%Y") in comment[0]
    # once the unit commented, the task is gone
    plan_page = client.get("/plans/2")
    assert plan_page.status_code == 200
    token = csrf_token(client, "/plans/2")
    done = client.post(
        "/plans/2/comments",
        data={"csrf_token": token, "target": "purposes", "body": "Đề nghị bổ sung chỉ tiêu."},
    )
    assert done.status_code in (302, 303), done.get_data(as_text=True)[:500]
    again = client.get("/tasks").get_data(as_text=True)
    assert "Góp ý kế hoạch" not in again
    # the leading unit drafted it: commenting is not its work
    leader = _inbox(app.test_client(), "tdoan.head")
    assert not [t for _name, rows in leader for _o, t in rows if t.startswith("Góp ý kế hoạch")]


def test_inbox__a_heads_page_seen_again_reads_the_plans_once_and_no_seat_or_unit(
    app: Flask, client: FlaskClient, session: Session, demo: DemoBuild
) -> None:
    groups = _inbox(client, "mttq.head")  # a member with a plan to comment on
    listed = sum(len(rows) for _n, rows in groups)
    assert client.get("/workflows").status_code == 200
    with statements_sent(app.extensions["wflow.db"]) as seen:
        page = client.get("/workflows").get_data(as_text=True)
    nav = _text(page[page.index('href="/tasks"') :][:400])
    assert str(listed) in nav.split()[:6], nav  # the badge counts the comment to make
    assert not [q for q in seen if "FROM blockmembership" in q or "FROM unit" in q], seen
    plans = [q for q in seen if re.search(r'FROM "?plan"?\s', q)]
    assert len(plans) == 1, plans  # one statement for both kinds of plan work
    head = session.exec(select(User).where(User.login == "mttq.head")).one()
    unit = present(session.get(Unit, head.unit_id), "the head's unit")
    unit.name = "Ủy ban MTTQ (đổi tên)"
    session.add(unit)
    session.commit()
    assert "Ủy ban MTTQ (đổi tên)" in client.get("/workflows").get_data(as_text=True)


def test_inbox__registering_targets_is_a_task_until_done(
    app: Flask, client: FlaskClient, session: Session, demo: DemoBuild
) -> None:
    """A member of a block whose plan is published and not registered is asked to register."""
    with app.app_context():
        user = session.exec(select(User).where(User.login == "snv.head")).one()
        from wflow.plans.models import Registration  # undo the demo's one

        reg = session.exec(
            select(Registration).where(
                Registration.unit_id == user.unit_id, Registration.year == current_year()
            )
        ).one()
        session.delete(reg)
        session.commit()
    groups = _inbox(client, "snv.head")
    rows = [text for _name, rows in groups for _o, text in rows]
    register = [t for t in rows if t.startswith("Đăng ký chỉ tiêu của đơn vị:")]
    assert len(register) == 1 and "Khối thi đua các sở, ban, ngành tỉnh" in register[0]


def test_inbox__home_opens_on_what_to_do_next(
    app: Flask, client: FlaskClient, session: Session, demo: DemoBuild
) -> None:
    sign_in(client, "snv.head", DEMO_PASSWORD)
    page = client.get("/").get_data(as_text=True)
    top = page.index('id="next-up"')
    assert top < page.index('id="my-unit"')
    assert "Nộp báo cáo" in page[top : page.index('id="my-unit"')]
    council = app.test_client()
    sign_in(council, "council1", DEMO_PASSWORD)
    page = council.get("/").get_data(as_text=True)
    top = page.index('id="next-up"')  # the chair: the ad-hoc award awaiting the decision
    assert 'class="work-block"' in page[top : page.index('id="my-unit"')]


def test_inbox__the_nav_count_is_the_rows_count(
    app: Flask, client: FlaskClient, session: Session, demo: DemoBuild
) -> None:
    groups = _inbox(client, "snv.head")
    count = sum(len(rows) for _n, rows in groups)
    page = client.get("/tasks").get_data(as_text=True)
    nav = _text(page[page.index('href="/tasks"') :][:400])
    assert str(count) in nav.split()[:6], nav


def test_inbox__the_badge_counts_what_the_inbox_lists_for_everyone(
    app: Flask, session: Session, demo: DemoBuild
) -> None:
    """The layout's count (grouped queries, no row described) equals the listed rows."""
    statements: list[str] = []
    bind = session.get_bind()
    listen = sa.event.listens_for(bind, "before_cursor_execute")

    @listen
    def _count(_conn: Any, _cursor: Any, sql: str, *_rest: Any) -> None:
        statements.append(sql)

    try:
        with app.test_request_context():
            users = session.exec(select(User).where(col(User.active))).all()
            seen = set()
            for user in users:
                listed = len(inbox.work(session, engine(), user))
                statements.clear()
                counted = inbox.count(session, engine(), user)
                assert counted == listed, user.login
                on_tasks = [q for q in statements if "wf_task" in q]
                assert len(on_tasks) == 1, (user.login, on_tasks)  # one, however many tasks
                seen.add(listed)
            assert len(seen) > 2, seen  # people with different amounts of work were counted
    finally:
        sa.event.remove(bind, "before_cursor_execute", _count)


def test_inbox__rows_from_before_the_work_flag_are_classified_when_the_server_syncs(
    app: Flask, session: Session, demo: DemoBuild
) -> None:
    """Task rows an older version left unclassified count once `sync_versions` has run."""
    tasks = TASK
    head = session.exec(select(User).where(User.login == "snv.head")).one()
    try:
        with app.test_request_context():
            listed = len(inbox.work(session, engine(), head))
            assert listed > 0
            kept = {(r.instance_id, r.trigger, r.principal): r.work
                    for r in session.execute(sa.select(tasks))}  # fmt: skip
            session.execute(sa.update(tasks).values(work=None))
            assert inbox.count(session, engine(), head) == 0  # nothing is known to be work yet
            engine().sync_versions(session)
            again = {(r.instance_id, r.trigger, r.principal): r.work
                     for r in session.execute(sa.select(tasks))}  # fmt: skip
            assert again == kept
            assert inbox.count(session, engine(), head) == listed
    finally:
        session.rollback()


def test_inbox__export_is_in_words(
    app: Flask, client: FlaskClient, session: Session, demo: DemoBuild
) -> None:
    sign_in(client, "snv.head", DEMO_PASSWORD)
    csv = client.get("/tasks?format=csv").get_data(as_text=True)
    assert f"Nộp báo cáo: Quý I {current_year()}" in csv and not IDENTIFIER.search(csv)


def test_inbox__due_dates_are_local_dates() -> None:
    from datetime import datetime

    zone = "Asia/Ho_Chi_Minh"
    assert due_date(datetime(2026, 12, 17, 16, 59, 59, 999999), zone) == date(2026, 12, 17)
    assert due_date(datetime(2025, 12, 31, 23, 59, 59), zone) == date(2025, 12, 31)
    assert due_date(datetime(2026, 12, 24, 20, 0), zone) == date(2026, 12, 25)
    assert due_date(None, zone) is None


# --- notifications -----------------------------------------------------------------------


def test_notifications__grouped_by_subject_newest_first_and_named_in_words(
    app: Flask, client: FlaskClient, session: Session, demo: DemoBuild
) -> None:
    sign_in(client, "secretariat", DEMO_PASSWORD)
    body = client.get("/notifications").get_data(as_text=True)
    notes_re = r'<section class="notes"[^>]*>\s*<h2 id="[^"]+">(.*?)</h2>(.*?)</section>'
    sections = re.findall(notes_re, body, re.S)
    assert sections
    me = session.exec(select(User).where(User.login == "secretariat")).one()
    notes = session.exec(select(Notification).where(Notification.user_id == me.id)).all()
    assert len(sections) == len({n.instance_id for n in notes})  # one group a subject
    newest: list[int] = []
    for heading, rows in sections:
        assert not IDENTIFIER.search(_text(heading)), heading
        ids = [int(i) for i in re.findall(r'data-note="(\d+)"', rows)]
        by_id = {n.id: n for n in notes}
        times = [by_id[i].created_at for i in ids]
        assert times == sorted(times, reverse=True)  # newest first within a subject
        newest.append(ids[0])
        for title in re.findall(r"<strong>([^<]+)</strong>", rows):
            assert not IDENTIFIER.search(title), title
    firsts = [by_id[i].created_at for i in newest]
    assert firsts == sorted(firsts, reverse=True)  # the subject told last comes first


def test_notifications__more_subjects_read_no_more_statements(
    app: Flask, client: FlaskClient, session: Session, demo: DemoBuild
) -> None:
    sign_in(client, "mttq.head", DEMO_PASSWORD)
    me = session.exec(select(User).where(User.login == "mttq.head")).one()
    told = {n.instance_id for n in session.exec(
        select(Notification).where(Notification.user_id == me.id)).all()}  # fmt: skip
    kinds = set(session.exec(select(WfInstance.subject_type).where(
        col(WfInstance.id).in_({i for i in told if i}))).all())  # fmt: skip

    def sent() -> tuple[int, str]:
        assert client.get("/notifications").status_code == 200
        with statements_sent(app.extensions["wflow.db"]) as seen:
            page = client.get("/notifications").get_data(as_text=True)
        return len(seen), page

    before, _page = sent()
    more = session.exec(select(WfInstance).where(
        col(WfInstance.subject_type).in_(kinds), col(WfInstance.id).not_in(
            {i for i in told if i})).limit(6)).all()  # fmt: skip
    assert len(more) == 6
    for row in more:
        session.add(Notification(user_id=me.id or 0, kind="info", instance_id=row.id,
                                 title="Cập nhật"))  # fmt: skip
    session.commit()
    after, page = sent()
    assert after == before
    headings = re.findall(r'<section class="notes"[^>]*>\s*<h2 id="[^"]+">(.*?)</h2>', page, re.S)
    assert len(headings) == len(told) + 6
    for heading in headings:
        assert _text(heading).strip() and not IDENTIFIER.search(_text(heading)), heading


def test_notifications__mark_all_read_is_a_protected_post(
    app: Flask, client: FlaskClient, session: Session, demo: DemoBuild
) -> None:
    sign_in(client, "mttq.head", DEMO_PASSWORD)
    me = session.exec(select(User).where(User.login == "mttq.head")).one()

    def unread() -> int:
        session.expire_all()
        query = select(Notification).where(
            Notification.user_id == me.id, col(Notification.read_at).is_(None)
        )
        return len(session.exec(query).all())

    assert unread() > 0
    assert client.get("/notifications/read-all").status_code == 405
    assert client.post("/notifications/read-all").status_code == 400  # no CSRF token
    assert unread() > 0
    token = csrf_token(client, "/notifications")
    done = client.post("/notifications/read-all", data={"csrf_token": token})
    assert done.status_code == 303 and unread() == 0
    assert "Đánh dấu tất cả là đã đọc" not in client.get("/notifications").get_data(as_text=True)


def test_notifications__no_new_task_for_an_option(
    app: Flask, session: Session, demo: DemoBuild
) -> None:
    """Nobody was told of a revoke or close 'task' while the demo year was built."""
    titles = [n.title for n in session.exec(select(Notification)).all()]
    assert titles
    assert not [t for t in titles if "Thu hồi" in t or "Kết thúc giao ước" in t]
    assert not [t for t in titles if IDENTIFIER.search(t)]


def test_inbox__what_is_work_follows_the_workflow_files(app: Flask, demo: DemoBuild) -> None:
    with app.app_context():
        defs = engine().definitions
    nomination, pact, plan = defs["nomination"], defs["pact"], defs["plan"]
    assert not nomination.is_work("decided", "revoke")
    assert not nomination.is_work("proposed", "withdraw")
    assert nomination.is_work("proposed", "open_block_vote")
    assert nomination.is_work("block_vote", "vote_yes")
    assert not pact.is_work("in_force", "close")  # its period's end closes it anyway
    assert pact.is_work("signing", "sign")
    assert not plan.is_work("consultation", "end_consultation")
    assert not plan.is_work("draft", "cancel")
    assert plan.is_work("submitted", "approve")
    assert not plan.is_work("submitted", "return_plan")
    assert not defs["programme"].is_work("in_force", "review_year")  # loops on its state


# --- words, not identifiers, on the main pages ---------------------------------------------

MAIN_PAGES = (
    "/",
    "/tasks",
    "/notifications",
    "/instances",
    "/blocks/1/plans",
    "/blocks/1/pacts",
    "/blocks/3/reviews",
    "/blocks/3/pacts",
    "/nominations",
    "/campaigns",
    "/programmes",
    "/committee",
    "/awards",
    "/workflows",
)
SHOWN = re.compile(r"<(h[1-4]|th|caption|a|strong|dt|dd|label|legend|td)\b[^>]*>(.*?)</\1>", re.S)
CODES = re.compile(r"\b(q1|q3|mid_year|year_end|emulation_flag|certificate_of_merit)\b")
SUBJECT_LINK = re.compile(
    r'href="(/(?:plans|pacts|reviews|nominations|campaigns|programmes|'
    r'instances)/\d+)"'
)


@pytest.mark.parametrize("login", ["tdoan.head", "secretariat"])
def test_words__the_demo_years_main_pages_show_no_identifiers(
    app: Flask, client: FlaskClient, demo: DemoBuild, login: str
) -> None:
    sign_in(client, login, DEMO_PASSWORD)
    pages, seen = list(MAIN_PAGES), set[str]()
    while pages and len(seen) < 60:
        url = pages.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200:
            continue
        body = response.get_data(as_text=True)
        for _tag, inner in SHOWN.findall(body):
            words = _text(re.sub(r"(?s)<(select|code)\b.*?</\1>", " ", inner))
            assert not IDENTIFIER.search(words), (url, words)
            assert not CODES.search(words), (url, words)
        heads = [_text(h) for h in re.findall(r"<h1[^>]*>(.*?)</h1>", body, re.S)]
        for h in heads:  # a heading does not say the same thing twice
            parts = [p.strip(" ()").lower() for p in re.split(r"[()]", h) if p.strip(" ()")]
            assert len(parts) == len(set(parts)), (url, h)
        pages += [u for u in SUBJECT_LINK.findall(body) if u not in seen][:8]
    assert len(seen) > 15


def test_words__a_registration_field_says_which_criterion_it_is_for(
    app: Flask, client: FlaskClient, session: Session, demo: DemoBuild
) -> None:
    sign_in(client, "snv.head", DEMO_PASSWORD)
    plan = session.exec(
        select(WfInstance).where(
            WfInstance.workflow == "plan", WfInstance.block_id != 1, WfInstance.state == "published"
        )
    ).all()
    ids = [p.subject_id for p in plan]
    body = ""
    for plan_id in ids:
        page = client.get(f"/plans/{plan_id}/register?year={current_year()}")
        if page.status_code == 200:
            body = page.get_data(as_text=True)
            break
    labels = [_text(x) for x in re.findall(r'<label for="points-\d+">(.*?)</label>', body, re.S)]
    assert len(labels) > 3 and len(set(labels)) == len(labels), labels

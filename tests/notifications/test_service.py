"""Tasks reach people: who holds a principal, notifications and e-mail on new tasks, reminders."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session, col, select

from tests.notifications.mailbox import Mailbox, free_port, mailbox_fixture  # noqa: F401
from tests.sql import statements_sent
from wflow.clock import utcnow
from wflow.core import workflow as wf
from wflow.core.courier import Courier
from wflow.core.formats import local_end_of_day
from wflow.councils import service as councils
from wflow.engine import Actor, FireContext, Scope
from wflow.engine.tables import WfInstance
from wflow.inbox import words
from wflow.notifications import service as notify
from wflow.notifications.models import Notification
from wflow.org.models import Block, Role, Unit, User
from wflow.plans import service as plans
from wflow.workflow_setup import engine


def _logins(users: list[User]) -> set[str]:
    return {u.login for u in users}


def _notes(session: Session, user: User) -> list[Notification]:
    session.expire_all()
    query = select(Notification).where(Notification.user_id == user.id)
    return list(session.exec(query.order_by(col(Notification.id))).all())


def _start_pact(app: Flask, session: Session, world: dict[str, Any]) -> int:
    scope = Scope("pact", 1, block_id=world["blocks"]["a"].id, year=world["year"])
    with app.test_request_context():
        return wf.start(session, engine(), "pact", scope, None)


def _set(session: Session, user: User, **values: Any) -> None:
    for key, value in values.items():
        setattr(user, key, value)
    session.add(user)
    session.commit()


def test_notify__users_holding_inverts_the_principals(
    app: Flask, world: dict[str, Any], session: Session
) -> None:
    ka, kb, year = world["blocks"]["a"].id, world["blocks"]["b"].id, world["year"]
    a1 = world["units"]["a1"].id
    assert _logins(notify.users_holding(session, [f"unit:{a1}:head"])) == {"a1.head"}
    assert _logins(notify.users_holding(session, [f"unit:{a1}:member"])) == {"a1.head", "a1.staff"}
    members = notify.users_holding(session, [f"block:{ka}:{year}:member"])
    assert _logins(members) == {"a1.head", "a1.staff", "a2.head"}
    heads = notify.users_holding(session, [f"block:{ka}:{year}:leader_head"])
    assert _logins(heads) == {"a1.head"}
    assert _logins(notify.users_holding(session, [f"block:{kb}:{year - 1}:member"])) == set()
    body = councils.default_council_id(session)  # the committee's principals name its council
    sec, board = f"secretariat:{body}", f"council:{body}"
    assert _logins(notify.users_holding(session, [sec, board])) == {"secretariat", "council"}
    assert (
        notify.users_holding(session, ["secretariat", "council", f"secretariat:{body + 99}"]) == []
    )
    assert notify.users_holding(session, ["system"]) == []
    mixed = notify.users_holding(session, [sec, f"unit:{a1}:head"])
    assert _logins(mixed) == {"secretariat", "a1.head"}
    council = world["users"]["council"]
    assert _logins(notify.users_holding(session, [f"council:user:{council.id}"])) == {"council"}


def test_notify__a_unit_head_gets_a_notification_and_an_email_in_their_language(
    app: Flask, world: dict[str, Any], session: Session, mailbox: Mailbox
) -> None:
    head = world["users"]["a1.head"]
    _set(session, head, email="a1.head@example.test", locale="fr")
    iid = _start_pact(app, session, world)  # the block leader may now open signing
    notes = _notes(session, head)
    assert [(n.kind, n.instance_id) for n in notes] == [("new_task", iid)]
    assert "Pacte d'émulation" in notes[0].title  # the workflow's French label
    mailbox.wait()
    [mail] = mailbox.to("a1.head@example.test")
    assert mail["Content-Language"] == "fr"
    assert "Pacte d'émulation" in mail["Subject"] and f"#{iid}" not in mail["Subject"]
    assert f"/instances/{iid}" in mail.get_content()
    assert _notes(session, world["users"]["a2.head"]) == []  # not the leader: no task


def test_notify__mail_is_off_by_default(
    app: Flask, world: dict[str, Any], session: Session, mailbox: Mailbox
) -> None:
    app.config["MAIL_ENABLED"] = False
    _set(session, world["users"]["a1.head"], email="a1.head@example.test")
    _start_pact(app, session, world)
    assert len(_notes(session, world["users"]["a1.head"])) == 1  # in-app only
    mailbox.wait(seconds=0.3)
    assert mailbox.messages == []


def test_notify__an_smtp_failure_keeps_the_transition(
    app: Flask, world: dict[str, Any], session: Session, caplog: Any
) -> None:
    app.config.update(MAIL_ENABLED=True, MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(),
                      MAIL_TIMEOUT=2)  # nobody listens there  # fmt: skip
    _set(session, world["users"]["a1.head"], email="a1.head@example.test")
    iid = _start_pact(app, session, world)
    session.expire_all()
    assert session.get(WfInstance, iid) is not None
    assert len(_notes(session, world["users"]["a1.head"])) == 1
    assert "cannot reach" in caplog.text


def test_notify__a_failing_notification_never_breaks_the_change(
    app: Flask, world: dict[str, Any], session: Session, monkeypatch: Any
) -> None:
    def broken(*_a: Any) -> list[tuple[User, set[str]]]:
        raise RuntimeError("boom")

    monkeypatch.setattr(notify, "holders", broken)
    iid = _start_pact(app, session, world)
    session.expire_all()
    assert session.get(WfInstance, iid) is not None
    assert _notes(session, world["users"]["a1.head"]) == []


def _remind_leader(app: Flask, session: Session, world: dict[str, Any], iid: int) -> None:
    """Run the reminder hooks for block a's leader on the pact, due 17 Dec 2026 (a date-only
    deadline: 16:59:59 UTC), as `wflow tick` does, without committing."""
    eng = app.extensions["wflow.engine"]
    row = session.get(WfInstance, iid)
    assert row is not None
    ka = world["blocks"]["a"].id
    ctx = FireContext(session, eng.definition("pact"), iid, row.state,
                      Scope("pact", 1, block_id=ka, year=world["year"]), Actor.system(), {},
                      utcnow())  # fmt: skip
    for hook in eng.registry.reminder_hooks:
        hook(ctx, local_end_of_day(date(2026, 12, 17)), [f"block:{ka}:{world['year']}:leader"])


def test_notify__reminders_reach_the_task_holders_after_commit(
    app: Flask, world: dict[str, Any], session: Session, mailbox: Mailbox
) -> None:
    head = world["users"]["a1.head"]
    _set(session, head, email="a1.head@example.test", locale="en")
    _set(session, world["users"]["a1.staff"], locale="vi")
    iid = _start_pact(app, session, world)
    mailbox.wait()
    mailbox.messages.clear()
    with app.app_context():
        _remind_leader(app, session, world, iid)
        mailbox.wait(seconds=0.3)
        assert mailbox.messages == []  # nothing leaves before the commit
        session.commit()
    mailbox.wait()
    [mail] = mailbox.to("a1.head@example.test")
    assert mail["Subject"].startswith("Reminder") and mail["Content-Language"] == "en"
    assert "Due: 17 Dec 2026\r\n" in mail.get_content()  # the local date, no UTC hour
    kinds = [n.kind for n in _notes(session, head)]
    assert kinds == ["new_task", "reminder"]
    assert {n.kind for n in _notes(session, world["users"]["a1.staff"])} == {"new_task", "reminder"}
    [reminder] = [n for n in _notes(session, world["users"]["a1.staff"]) if n.kind == "reminder"]
    assert reminder.body.endswith("\nHạn xử lý: 17/12/2026")  # Vietnamese, the local date


def test_notify__a_reminder_rolled_back_never_leaves_with_a_later_commit(
    app: Flask, world: dict[str, Any], session: Session, mailbox: Mailbox
) -> None:
    head = world["users"]["a1.head"]
    _set(session, head, email="a1.head@example.test", locale="en")
    iid = _start_pact(app, session, world)
    mailbox.wait()
    mailbox.messages.clear()
    with app.app_context():
        _remind_leader(app, session, world, iid)
        session.rollback()  # the tick's transaction failed: its reminder is not sent
        _set(session, head, locale="vi")  # the next transaction commits something else
    mailbox.wait(seconds=0.5)
    assert mailbox.messages == []
    assert [n.kind for n in _notes(session, head)] == ["new_task"]


def test_notify__digest_is_sent_once_a_day_to_those_who_asked(
    app: Flask, world: dict[str, Any], session: Session, mailbox: Mailbox, runner: Any
) -> None:
    head, staff = world["users"]["a1.head"], world["users"]["a1.staff"]
    _set(session, head, email="a1.head@example.test", digest_opt_in=True)
    _set(session, staff, email="a1.staff@example.test")  # not opted in
    iid = _start_pact(app, session, world)
    mailbox.wait(2)
    mailbox.messages.clear()
    assert "1 e-mail(s) sent" in runner.invoke(args=["digest"]).output
    assert "0 e-mail(s) sent" in runner.invoke(args=["digest"]).output
    mailbox.wait()
    [mail] = mailbox.messages
    assert (
        mail["To"] == "a1.head@example.test"
        and "Open signing: Emulation pact" in mail.get_content()
    )
    assert f"#{iid}" not in mail.get_content()
    tomorrow = (utcnow() + timedelta(days=1)).isoformat()
    assert "1 e-mail(s) sent" in runner.invoke(args=["digest", "--now", tomorrow]).output
    bad = runner.invoke(args=["digest", "--now", "soon"])
    assert bad.exit_code != 0 and "not an ISO date-time" in bad.output


# --- new work is told after the change, from the task index's unannounced rows ------------


def _courier(app: Flask) -> Courier:
    courier = app.extensions["wflow.installation"].courier
    assert isinstance(courier, Courier)
    return courier


def test_notify__new_work_is_told_once_however_many_deliveries_run(
    app: Flask, world: dict[str, Any], session: Session, monkeypatch: Any
) -> None:
    courier = _courier(app)
    monkeypatch.setattr(courier, "poke", lambda *_a: None)  # a server that stopped at once
    iid = _start_pact(app, session, world)
    head = world["users"]["a1.head"]
    assert _notes(session, head) == []  # the change committed without its notifications
    with app.app_context():
        assert notify.deliver_all(session) == 1
        assert notify.deliver_all(session) == 0  # claimed: a second delivery finds nothing
    assert [(n.kind, n.instance_id) for n in _notes(session, head)] == [("new_task", iid)]


def test_notify__tick_tells_the_work_a_stopped_server_left(
    app: Flask, world: dict[str, Any], session: Session, monkeypatch: Any, runner: Any
) -> None:
    monkeypatch.setattr(_courier(app), "poke", lambda *_a: None)
    iid = _start_pact(app, session, world)
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0 and "new work told on 1 subject(s)" in result.output
    assert [n.instance_id for n in _notes(session, world["users"]["a1.head"])] == [iid]
    assert "new work told" not in runner.invoke(args=["tick"]).output  # nothing left


def test_notify__a_failed_delivery_keeps_the_news_for_the_next(
    app: Flask, world: dict[str, Any], session: Session, monkeypatch: Any
) -> None:
    def broken(*_a: Any) -> list[tuple[User, set[str]]]:
        raise RuntimeError("boom")

    real = notify.holders
    monkeypatch.setattr(notify, "holders", broken)
    iid = _start_pact(app, session, world)
    head = world["users"]["a1.head"]
    assert _notes(session, head) == []
    monkeypatch.setattr(notify, "holders", real)
    with app.app_context():
        assert notify.deliver_all(session) == 1
    assert [n.instance_id for n in _notes(session, head)] == [iid]


def test_notify__a_server_tells_the_new_work_from_its_courier_thread(
    app: Flask, world: dict[str, Any], session: Session, monkeypatch: Any
) -> None:
    courier = _courier(app)
    gate = threading.Event()

    @contextmanager
    def gated() -> Iterator[None]:
        assert gate.wait(10)  # the thread waits here until the test has looked
        with app.app_context():
            yield

    monkeypatch.setattr(courier, "background", True)
    monkeypatch.setattr(courier, "context", gated)
    iid = _start_pact(app, session, world)  # returns once committed, before anyone is told
    head = world["users"]["a1.head"]
    assert _notes(session, head) == []
    gate.set()
    assert courier.wait(10)
    assert [(n.kind, n.instance_id) for n in _notes(session, head)] == [("new_task", iid)]


def test_notify__a_subject_that_cannot_be_told_never_holds_up_the_others(
    app: Flask, world: dict[str, Any], session: Session, monkeypatch: Any, caplog: Any
) -> None:
    monkeypatch.setattr(_courier(app), "poke", lambda *_a: None)
    first = _start_pact(app, session, world)
    scope = Scope("pact", 2, block_id=world["blocks"]["b"].id, year=world["year"])
    with app.test_request_context():
        second = wf.start(session, engine(), "pact", scope, None)
    real = words.in_words

    def broken_for_first(sess: Any, row: Any, *args: Any) -> Any:
        if row.id == first:
            raise RuntimeError("boom")
        return real(sess, row, *args)

    monkeypatch.setattr(notify, "in_words", broken_for_first)
    with app.app_context():
        assert notify.deliver_all(session) == 2  # both claimed
        assert notify.deliver_all(session) == 0  # the broken one is not retried for ever
    session.expire_all()
    about = [n.instance_id for n in session.exec(select(Notification)).all()]
    assert second in about and first not in about
    assert f"the new work on instance {first} could not be told" in caplog.text


def test_notify__a_subject_whose_words_fail_in_the_database_never_holds_up_the_others(
    app: Flask, world: dict[str, Any], session: Session, monkeypatch: Any, caplog: Any
) -> None:
    monkeypatch.setattr(_courier(app), "poke", lambda *_a: None)
    first = _start_pact(app, session, world)
    scope = Scope("pact", 2, block_id=world["blocks"]["b"].id, year=world["year"])
    with app.test_request_context():
        second = wf.start(session, engine(), "pact", scope, None)
    real = words.in_words

    def failing_query_for_first(sess: Any, row: Any, *args: Any) -> Any:
        if row.id == first:  # on PostgreSQL this aborts the transaction, not only the query
            sess.connection().execute(sa.text("SELECT no_such_column FROM wf_instance"))
        return real(sess, row, *args)

    monkeypatch.setattr(notify, "in_words", failing_query_for_first)
    with app.app_context():
        assert notify.deliver_all(session) == 2  # both claimed, the failed batch retried once
        assert notify.deliver_all(session) == 0  # the broken one is not retried for ever
    session.expire_all()
    about = [n.instance_id for n in session.exec(select(Notification)).all()]
    assert second in about and first not in about
    assert f"the new work on instance {first} could not be told" in caplog.text


def test_notify__a_drain_ends_on_a_claim_that_took_all_there_was(
    app: Flask, world: dict[str, Any], session: Session, monkeypatch: Any
) -> None:
    monkeypatch.setattr(_courier(app), "poke", lambda *_a: None)
    first = _start_pact(app, session, world)
    with app.test_request_context():
        for number, block in ((2, "b"), (3, "a")):
            scope = Scope("pact", number, block_id=world["blocks"][block].id, year=world["year"])
            wf.start(session, engine(), "pact", scope, None)
    claims: list[int] = []
    with app.app_context():
        workflows = engine()
    real = workflows.claim_news

    def counted(sess: Any, limit: int = 200) -> Any:
        got = real(sess, limit)
        claims.append(len({n.instance_id for n in got.news}))
        return got

    monkeypatch.setattr(notify, "NEWS_BATCH", 2)
    monkeypatch.setattr(workflows, "claim_news", counted)
    with app.app_context():
        assert notify.deliver_all(session) == 3
    assert claims == [2, 1]  # no third claim finding nothing
    assert first in [n.instance_id for n in _notes(session, world["users"]["a1.head"])]


def test_notify__a_delivery_reads_its_subjects_together_however_many_it_tells_of(
    app: Flask,
    world: dict[str, Any],
    session: Session,
    monkeypatch: Any,
    make_unit: Callable[..., Unit],
    make_user: Callable[..., User],
    make_block: Callable[..., Block],
) -> None:
    """Telling of two plans' new work sends no more statements than telling of one."""
    monkeypatch.setattr(_courier(app), "poke", lambda *_a: None)
    c1 = make_unit("C1")
    make_block("KC", [c1], world["year"], leader=c1)
    heads = {"a": world["users"]["a1.head"], "b": world["users"]["b1.head"],
             "c": make_user("c1.head", c1)}  # fmt: skip
    make_user("b1.staff", world["units"]["b1"], roles=(Role.UNIT_STAFF.value,))
    make_user("c1.staff", c1, roles=(Role.UNIT_STAFF.value,))
    blocks = {**world["blocks"], "c": session.exec(select(Block).where(Block.code == "KC")).one()}
    sent: list[int] = []
    for group in (["a"], ["b", "c"]):
        with app.test_request_context():
            for key in group:
                plans.create_plan(session, engine(), user=heads[key], block_id=blocks[key].id,
                                  year=world["year"], title="Kế hoạch thi đua")  # fmt: skip
        session.expire_all()
        with app.app_context(), statements_sent(app.extensions["wflow.db"]) as seen:
            assert notify.deliver_all(session) == len(group)
        sent.append(len(seen))
    told = {n.user_id for n in session.exec(select(Notification)).all()}
    staff = {u.id for u in session.exec(select(User).where(col(User.login).like("%.staff")))}
    assert told == staff  # each plan's leader unit's staff was told; its author was not
    assert sent[1] == sent[0], sent

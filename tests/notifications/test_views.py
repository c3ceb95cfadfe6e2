"""The notifications page: what reached me, the unread count, marking read, the digest."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from tests.conftest import csrf_token, present, sign_in, submit
from tests.sql import statements_sent
from wflow.core import workflow as wf
from wflow.engine import Scope
from wflow.notifications.models import Notification
from wflow.org.models import User
from wflow.workflow_setup import engine


def _pact_started(app: Flask, session: Session, world: dict[str, Any]) -> int:
    scope = Scope("pact", 1, block_id=world["blocks"]["a"].id, year=world["year"])
    with app.test_request_context():
        return wf.start(session, engine(), "pact", scope, None)


def _note_of(session: Session, user: User) -> Notification:
    session.expire_all()
    query = select(Notification).where(Notification.user_id == user.id)
    found = session.exec(query.order_by(col(Notification.id))).first()
    assert found is not None
    return found


def test_notifications__a_new_task_is_listed_and_counted_until_read(
    app: Flask, client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    iid = _pact_started(app, session, world)
    note = _note_of(session, world["users"]["a1.head"])
    sign_in(client, "a1.head")
    page = client.get("/notifications").get_data(as_text=True)
    assert "Open signing: Emulation pact" in page and f"#{iid}" not in page
    assert 'aria-label="1 ' in page.split('href="/notifications"')[1][:200]
    response = submit(client, f"/notifications/{note.id}/read", {"open": "1"},
                      page="/notifications")  # fmt: skip
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/instances/{iid}")
    assert _note_of(session, world["users"]["a1.head"]).read_at is not None
    page = client.get("/notifications").get_data(as_text=True)
    assert 'aria-label="0 ' in page.split('href="/notifications"')[1][:200]


def test_notifications__another_users_notification_cannot_be_marked(
    app: Flask, client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    _pact_started(app, session, world)
    note = _note_of(session, world["users"]["a1.head"])
    sign_in(client, "a2.head")
    assert "Open signing" not in client.get("/notifications").get_data(as_text=True)
    page = "/notifications"
    assert submit(client, f"/notifications/{note.id}/read", {}, page=page).status_code == 403
    assert submit(client, "/notifications/99999/read", {}, page=page).status_code == 404
    assert client.post(f"/notifications/{note.id}/read").status_code == 400  # no CSRF token
    assert _note_of(session, world["users"]["a1.head"]).read_at is None


def test_notifications__read_all_and_the_digest_opt_in(
    app: Flask, client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    _pact_started(app, session, world)
    sign_in(client, "a1.staff")
    token = csrf_token(client, "/notifications")
    assert client.post("/notifications/read-all", data={"csrf_token": token}).status_code == 303
    assert _note_of(session, world["users"]["a1.staff"]).read_at is not None
    assert submit(client, "/notifications/digest", {"digest": "on"},
                  page="/notifications").status_code == 303  # fmt: skip
    session.expire_all()
    assert (
        present(session.get(User, world["users"]["a1.staff"].id), "the user").digest_opt_in is True
    )
    submit(client, "/notifications/digest", {}, page="/notifications")
    session.expire_all()
    assert (
        present(session.get(User, world["users"]["a1.staff"].id), "the user").digest_opt_in is False
    )


def test_notifications__the_admin_gives_a_user_an_email_address(
    client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    head = world["users"]["a1.head"]
    sign_in(client, "admin")
    url = f"/admin/users/{head.id}"
    form = {"login": head.login, "display_name": head.display_name, "unit_id": head.unit_id,
            "roles": head.roles, "active": "y"}  # fmt: skip
    assert submit(client, url, {**form, "email": "not an address"}).status_code == 422
    session.expire_all()
    assert present(session.get(User, head.id), "the user").email is None
    assert submit(client, url, {**form, "email": " a1@example.test "}).status_code == 302
    session.expire_all()
    assert present(session.get(User, head.id), "the user").email == "a1@example.test"
    submit(client, url, {**form, "email": ""})
    session.expire_all()
    assert present(session.get(User, head.id), "the user").email is None


def _badge(client: FlaskClient) -> str:
    """Return the notifications badge of the menu (its span) as the page shows it."""
    page = client.get("/notifications").get_data(as_text=True)
    return page.split('href="/notifications"')[1].split("</span>")[0].split("<span ")[1]


def test_notifications__the_badge_stops_at_99_plus_and_says_so_in_words(
    app: Flask, client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    """A badge's count is bounded: past 99 it shows "99+", and "more than 99" to a reader."""
    head = world["users"]["a1.head"]
    session.add_all([Notification(user_id=head.id, kind="reminder", title=f"Reminder {i}")
                     for i in range(99)])  # fmt: skip
    session.commit()
    sign_in(client, "a1.head")
    assert _badge(client) == 'class="count" aria-label="99 unread">99'
    session.add(Notification(user_id=head.id, kind="reminder", title="One more"))
    session.commit()
    assert _badge(client) == 'class="count" aria-label="More than 99 unread">99+'
    head.locale = "vi"  # the words in the person's language
    session.add(head)
    session.commit()
    assert _badge(client) == 'class="count" aria-label="Hơn 99 thông báo chưa đọc">99+'
    token = csrf_token(client, "/notifications")
    assert client.post("/notifications/read-all", data={"csrf_token": token}).status_code == 303
    assert _badge(client) == 'class="count" aria-label="0 thông báo chưa đọc">0'


def test_notifications__the_menu_reads_both_badges_in_one_statement(
    app: Flask, client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    """The inbox's count and the unread count of every page's menu cost one statement."""
    _pact_started(app, session, world)
    sign_in(client, "a1.head")
    with statements_sent(app.extensions["wflow.db"]) as seen:
        page = client.get("/account/two-step").get_data(as_text=True)
    assert 'aria-label="1 open">1<' in page and 'aria-label="1 unread">1<' in page
    counts = [s for s in seen if "wf_task" in s or "FROM notification" in s]
    assert len(counts) == 1, counts
    assert "wf_task" in counts[0] and "FROM notification" in counts[0]

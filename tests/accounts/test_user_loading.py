"""The signed-in user, read on every request: one statement, a user like any the ORM loads."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.conftest import sign_in
from tests.sql import statements_sent
from wflow.accounts.service import user_by_id
from wflow.org.models import User


def test_user_by_id__a_user_as_loaded_whose_changes_are_saved(
    app: Flask, world: dict[str, Any]
) -> None:
    made = world["users"]["a1.head"]
    bind = app.extensions["wflow.db"]
    with Session(bind) as session:
        user = user_by_id(session, made.id)
        assert user is not None and sa.inspect(user).persistent
        assert (user.login, user.display_name, user.roles) == ("a1.head", "A1.Head", made.roles)
        assert user.unit_id == world["units"]["a1"].id and user.created_at == made.created_at
        assert user_by_id(session, made.id) is user  # the session's own, as the ORM gives
        assert not session.dirty
        user.locale = "fr"
        session.commit()
        assert user.locale == "fr"  # expired at commit, read again
    with Session(bind) as fresh:
        assert fresh.get(User, made.id).locale == "fr"  # type: ignore[union-attr]
        assert user_by_id(fresh, 10**9) is None


def test_user_by_id__a_page_reads_the_user_once_with_the_access_epoch(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    """The epoch that keeps the principals comes in the user's statement: none of its own."""
    sign_in(client, "a1.head")
    assert client.get("/").status_code == 200  # the principals and block names kept
    with statements_sent(app.extensions["wflow.db"]) as seen:
        assert client.get("/").status_code == 200
    users = [s for s in seen if "FROM user" in s.replace('"', "") and "access_epoch" in s]
    assert len(users) == 1, seen
    assert not [s for s in seen if s.lstrip().startswith("SELECT access_epoch.value")], seen

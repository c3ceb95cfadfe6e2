"""The password policy as people meet it: the admin's user form, the CLI, a service call."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import Session, select

from tests.conftest import PASSWORD, sign_in, submit
from wflow.core.errors import ServiceError
from wflow.org import service as org
from wflow.org.models import User

GUESSABLE = "too easy to guess"
PERSONAL = "must not contain your login or your name"


def _new_user(client: FlaskClient, unit_id: int, **fields: str) -> Any:
    base = {"login": "b2.head", "display_name": "Nguyễn Văn Hùng", "unit_id": unit_id,
            "roles": ["unit_head"], "locale": "en", "active": "y"}  # fmt: skip
    return submit(client, "/admin/users/new", {**base, **fields})


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password", GUESSABLE),  # the most common password of all
        ("12345678", GUESSABLE),  # a sequence
        ("aaaaaaaaaaaa", GUESSABLE),  # a repeat, however long
        ("matkhau123", GUESSABLE),  # "password123" in Vietnamese (the vendored list)
        ("vietnam2024", GUESSABLE),  # a common word and a year
        ("b2.head-2026", PERSONAL),  # the login
        ("NguyenVanHung!", PERSONAL),  # the person's name, marks or not
        ("short", "between 8 and 256 characters"),
    ],
)
def test_policy__the_admin_form_refuses_a_weak_password_and_creates_nobody(
    client: FlaskClient, world: dict[str, Any], session: Session, password: str, reason: str
) -> None:
    sign_in(client, "admin")
    before = len(session.exec(select(User)).all())
    response = _new_user(client, world["units"]["b2"].id, password=password)
    assert response.status_code == 422
    assert reason in response.get_data(as_text=True)
    session.expire_all()
    assert len(session.exec(select(User)).all()) == before


def test_policy__a_phrase_is_accepted_and_signs_in(
    client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    sign_in(client, "admin")
    response = _new_user(client, world["units"]["b2"].id, password="ba con mèo trên mái nhà")
    assert response.status_code == 302, response.get_data(as_text=True)
    fresh = client.application.test_client()
    assert sign_in(fresh, "b2.head", "ba con mèo trên mái nhà").status_code == 302


def test_policy__a_weak_new_password_leaves_the_old_one(
    client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    sign_in(client, "admin")
    head = world["users"]["a1.head"]
    form = {"display_name": "A1.Head", "unit_id": world["units"]["a1"].id,
            "roles": ["unit_head"], "locale": "en", "active": "y"}  # fmt: skip
    weak = submit(client, f"/admin/users/{head.id}", {**form, "password": "qwertyuiop"})
    assert weak.status_code == 422 and GUESSABLE in weak.get_data(as_text=True)
    fresh = client.application.test_client()
    assert sign_in(fresh, "a1.head", PASSWORD).status_code == 302


def test_policy__the_cli_refuses_in_one_line(runner: FlaskCliRunner, session: Session) -> None:
    result = runner.invoke(
        args=["users", "create", "x.y", "--name", "X", "--password", "iloveyou1"]
    )
    assert result.exit_code != 0
    assert GUESSABLE in result.output and len(result.output.strip().splitlines()) == 1
    assert session.exec(select(User).where(User.login == "x.y")).first() is None


def test_policy__the_service_names_the_field(session: Session) -> None:
    with pytest.raises(ServiceError) as refused:
        org.create_user(session, login="lan.tran", display_name="Trần Thị Lan",
                        password="tranthilan", unit_id=None, roles=[])  # fmt: skip
    assert refused.value.field == "password" and PERSONAL in str(refused.value.message)

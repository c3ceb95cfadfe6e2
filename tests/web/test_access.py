"""Every page refuses what the user may not see: other units, other blocks, admin pages."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import sign_in

# path template -> {user: expected status}; "*" is everybody else signed in.
# Placeholders: {a1} own unit of a1.*, {b1} another block's unit, {ka}/{kb} blocks.
MATRIX: dict[str, dict[str, int]] = {
    "/": {"*": 200},
    "/units/{a1}": {
        "a1.head": 200,
        "a1.staff": 200,
        "secretariat": 200,
        "council": 200,
        "admin": 200,
        "*": 403,
    },
    "/units/{b1}": {"b1.head": 200, "secretariat": 200, "council": 200, "admin": 200, "*": 403},
    "/blocks/{ka}": {
        "a1.head": 200,
        "a1.staff": 200,
        "a2.head": 200,
        "secretariat": 200,
        "council": 200,
        "admin": 200,
        "*": 403,
    },
    "/blocks/{kb}": {"b1.head": 200, "secretariat": 200, "council": 200, "admin": 200, "*": 403},
    "/admin/units": {"admin": 200, "*": 403},
    "/admin/units/new": {"admin": 200, "*": 403},
    "/admin/units/{a1}": {"admin": 200, "*": 403},
    "/admin/blocks": {"admin": 200, "*": 403},
    "/admin/blocks/new": {"admin": 200, "*": 403},
    "/admin/blocks/{ka}": {"admin": 200, "*": 403},
    "/admin/users": {"admin": 200, "*": 403},
    "/admin/users/new": {"admin": 200, "*": 403},
    "/admin/users/{u}": {"admin": 200, "*": 403},
}
# Routes that are not pages to authorize per unit (public or POST-only endpoints).
NOT_PAGES = {"/login", "/logout", "/locale", "/static/<path:filename>"}
USERS = ["a1.head", "a1.staff", "a2.head", "b1.head", "secretariat", "council", "admin"]


def _fill(template: str, world: dict[str, Any]) -> str:
    return template.format(
        a1=world["units"]["a1"].id,
        b1=world["units"]["b1"].id,
        ka=world["blocks"]["a"].id,
        kb=world["blocks"]["b"].id,
        u=world["users"]["a1.head"].id,
    )


@pytest.mark.parametrize("login", USERS)
def test_access__matrix_of_pages_and_users(
    client: FlaskClient, world: dict[str, Any], login: str
) -> None:
    sign_in(client, login)
    wrong = []
    for template, expected in MATRIX.items():
        want = expected.get(login, expected.get("*"))
        got = client.get(_fill(template, world)).status_code
        if got != want:
            wrong.append(f"{template} as {login}: {got}, expected {want}")
    assert not wrong, "\n".join(wrong)


def test_access__every_route_is_in_the_matrix(client: FlaskClient) -> None:
    rules = {
        rule.rule.replace("<int:unit_id>", "{x}")
        .replace("<int:block_id>", "{x}")
        .replace("<int:user_id>", "{x}")
        for rule in client.application.url_map.iter_rules()
    }
    covered = {t.format(a1="{x}", b1="{x}", ka="{x}", kb="{x}", u="{x}") for t in MATRIX}
    missing = sorted(r for r in rules - covered - NOT_PAGES)
    assert not missing, f"pages without an access rule in the matrix: {missing}"


def test_access__signed_out_visitors_are_sent_to_login(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    for template in MATRIX:
        response = client.get(_fill(template, world))
        assert response.status_code == 302, template
        assert response.headers["Location"].startswith("/login"), template


def test_access__missing_rows_are_404(client: FlaskClient, world: dict[str, Any]) -> None:
    sign_in(client, "admin")
    for path in ("/units/99999", "/blocks/99999", "/admin/units/99999", "/admin/users/99999"):
        assert client.get(path).status_code == 404, path


def test_access__staff_of_a_former_member_sees_only_its_years(
    client: FlaskClient, world: dict[str, Any], make_unit: Any, make_user: Any, session: Any
) -> None:
    from wflow.services import org

    year = world["year"]
    block = world["blocks"]["a"]
    a3 = make_unit("A3")
    make_user("a3.head", a3)
    org.set_block_year(
        session, block, year=year - 1, member_ids=[a3.id], leader_id=a3.id, deputy_id=None
    )
    sign_in(client, "a3.head")
    assert client.get(f"/blocks/{block.id}?year={year - 1}").status_code == 200
    assert client.get(f"/blocks/{block.id}?year={year}").status_code == 403

"""The signed-in menu: each person's links in their language, though a process renders the
links once for everyone with the same language, roles, unit and committee seat."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from tests.conftest import sign_in, submit

NAV = re.compile(r'<nav aria-label="[^"]*">(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)">([^<]+)')


def _menu(client: Any) -> dict[str, str]:
    """Return the signed-in menu of the home page: label -> link."""
    page = client.get("/").get_data(as_text=True)
    found = NAV.search(page)
    assert found, "the page has no menu"
    return {label.strip(): href for href, label in LINK.findall(found.group(1))}


def test_each_person_sees_the_links_of_their_roles_and_unit(
    app: Flask, world: dict[str, Any]
) -> None:  # fmt: skip
    a1, b1 = world["units"]["a1"], world["units"]["b1"]
    menus: dict[str, list[dict[str, str]]] = {}
    for login in ("a1.head", "b1.head", "a1.staff", "secretariat", "council", "admin", "a1.head"):
        client = app.test_client()
        sign_in(client, login)
        menus.setdefault(login, []).append(_menu(client))
    head, second = menus["a1.head"]
    assert head == second  # the same links the second time, from the process's copy
    assert head["People"] == f"/units/{a1.id}/people"
    assert menus["b1.head"][0]["People"] == f"/units/{b1.id}/people"  # not a1's
    assert "Committee dashboard" not in head and "Users" not in head
    assert head["My tasks"] == "/tasks" and head["Nominations"] == "/nominations"
    secretariat, council, admin = (menus[x][0] for x in ("secretariat", "council", "admin"))
    assert secretariat["People"] == "/people" and "Turn of the year" in secretariat
    assert "Committee dashboard" in council and "Turn of the year" not in council
    assert "Users" in admin and "Trust store" in admin and "Users" not in secretariat


def test_the_menu_follows_the_person_s_language(app: Flask, world: dict[str, Any]) -> None:
    client = app.test_client()
    sign_in(client, "a1.head")
    assert "Nominations" in _menu(client)
    submit(client, "/locale", {"locale": "fr", "next": "/"}, page="/")
    french = _menu(client)
    assert "Propositions de distinction" in french and "Nominations" not in french
    other = app.test_client()
    sign_in(other, "a2.head")  # same roles, another unit, still in English
    assert "Nominations" in _menu(other)

"""The signed-in menu: each person's links in their language, though a process renders the
links once for everyone with the same language, roles, unit and committee seat."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from tests.conftest import TOKEN_RE, sign_in, submit

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


FORM = re.compile(r'<form[^>]* method="post" action="([^"]+)">(.*?)</form>', re.S)


def test_the_language_menu_and_sign_out_post_the_page_s_token(
    app: Flask, world: dict[str, Any]
) -> None:  # fmt: skip
    client = app.test_client()
    sign_in(client, "a1.head")
    page = client.get("/").get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert sorted(ids) == sorted(set(ids)), "an id is written twice on the page"
    forms = {action: body for action, body in FORM.findall(page)}
    assert '<input type="hidden" name="next" value="/">' in forms["/locale"]
    refused = client.post("/locale", data={"locale": "hu", "next": "/"})  # no token
    assert refused.status_code == 400
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    token = TOKEN_RE.search(forms["/locale"])
    assert token, "the language menu carries no token"
    switched = client.post("/locale", data={"csrf_token": token.group(1), "locale": "hu",
                                            "next": "/"})  # fmt: skip
    assert switched.status_code == 302
    assert '<html lang="hu">' in client.get("/").get_data(as_text=True)
    token = TOKEN_RE.search(forms["/logout"])
    assert token, "the sign-out button carries no token"
    assert client.post("/logout", data={"csrf_token": token.group(1)}).status_code == 302
    assert client.get("/").status_code == 302  # signed out: sent to the sign-in page

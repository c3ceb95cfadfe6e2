"""A block's positions (leader, deputy, member) are named in the reader's language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from tests.conftest import sign_in, submit
from wflow.org.models import Block, Unit, User
from wflow.web.labels import position_label

VIETNAMESE = ("Trưởng khối", "Phó khối", "Thành viên", "trưởng khối", "phó khối")
# language: the table cells of leader, deputy and member
CELLS = {
    "en": ("Leader", "Deputy", "Member"),
    "fr": ("Chef de file", "Adjoint", "Membre"),
    "hu": ("Blokkvezető", "Blokkvezető-helyettes", "Tag"),
    "vi": ("Trưởng khối", "Phó khối", "Thành viên"),
}


@pytest.mark.parametrize("language", sorted(CELLS))
def test_positions__the_block_page_names_them_in_the_reader_s_language(
    client: FlaskClient,
    world: dict[str, Any],
    make_unit: Callable[..., Unit],
    make_user: Callable[..., User],
    make_block: Callable[..., Block],
    language: str,
) -> None:
    lead, second, third = make_unit("L1"), make_unit("L2"), make_unit("L3")
    block = make_block("KL", [lead, second, third], world["year"], leader=lead, deputy=second)
    make_user("l3.head", third)
    sign_in(client, "l3.head")
    page = f"/blocks/{block.id}?year={world['year']}"
    submit(client, "/locale", {"locale": language, "next": page}, page=page)
    html = client.get(page).get_data(as_text=True)
    for unit, cell in zip((lead, second, third), CELLS[language], strict=True):
        assert f"<td>{unit.code}</td><td>{cell}</td>" in html, (unit.code, cell)
    if language != "vi":
        assert not [word for word in VIETNAMESE if word in html]


def test_positions__a_pact_s_printed_positions_are_named_too(app: Flask) -> None:
    """The pact's signature page prints Vietnamese titles; its web page names them anew."""
    with app.test_request_context(), force_locale("en"):
        assert [position_label(p) for p in ("Trưởng khối", "Phó khối", "Thành viên")] == [
            "Leader",
            "Deputy",
            "Member",
        ]
        assert position_label("deputy") == "Deputy"
        assert position_label("Chủ tịch") == "Chủ tịch"  # not a block position: as written
    with app.test_request_context(), force_locale("hu"):
        assert position_label("Trưởng khối") == "Blokkvezető"

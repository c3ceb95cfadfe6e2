"""A block's positions (leader, deputy, member) are named in the reader's language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import sign_in, submit
from wflow.org.models import Block, Unit, User

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

"""The block tables of the home and unit pages: each block's name, year, leader, deputy and
number of units, read in one query and kept per process while nobody changes the organisation."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlmodel import Session

from tests.conftest import sign_in
from tests.sql import statements_sent
from wflow.org import service as org
from wflow.org.models import Unit

ROW = re.compile(
    r'<tr>\s*<td><a href="/blocks/(\d+)\?year=(\d+)">([^<]+)</a></td>\s*<td>\d+</td>\s*'
    r"<td>([^<]+)</td>\s*<td>([^<]+)</td>\s*<td>(\d+)</td>"
)
SECTION = re.compile(r'<section aria-labelledby="([^"]+)">(.*?)</section>', re.S)


def _tables(page: str) -> dict[str, list[tuple[str, ...]]]:
    """Return each section's block rows: (block id, year, name, leader, deputy, units)."""
    return {name: ROW.findall(body) for name, body in SECTION.findall(page)}


def test_the_committee_sees_every_block_of_the_year_with_its_leader_and_deputy(
    app: Flask, world: dict[str, Any], session: Session, make_unit: Callable[..., Unit]
) -> None:  # fmt: skip
    year, a, b = world["year"], world["blocks"]["a"], world["blocks"]["b"]
    a1, a2 = world["units"]["a1"], world["units"]["a2"]
    client = app.test_client()
    sign_in(client, "secretariat")
    every = _tables(client.get("/").get_data(as_text=True))["all-blocks"]
    assert every == [
        (str(a.id), str(year), "Khối KA", a1.name, a2.name, "2"),
        (str(b.id), str(year), "Khối KB", world["units"]["b1"].name, "—", "2"),
    ]
    # a new member and a new leader, and a renamed deputy: shown on the next view
    a3 = make_unit("A3", "Đoàn Thanh niên xã Cẩm Bình")
    org.set_block_year(session, a, year=year, member_ids=[a1.id or 0, a2.id or 0, a3.id or 0],
                       leader_id=a3.id, deputy_id=a2.id)  # fmt: skip
    org.update_unit(session, a2, name="Hội Nông dân xã Kỳ Anh", code=a2.code, kind=a2.kind,
                    parent_id=a2.parent_id)  # fmt: skip
    session.commit()
    every = _tables(client.get("/").get_data(as_text=True))["all-blocks"]
    assert every[0] == (str(a.id), str(year), "Khối KA", a3.name, "Hội Nông dân xã Kỳ Anh", "3")


def test_a_head_sees_the_blocks_of_their_unit_in_every_year(
    app: Flask, world: dict[str, Any], session: Session
) -> None:  # fmt: skip
    year, a = world["year"], world["blocks"]["a"]
    a1, a2 = world["units"]["a1"], world["units"]["a2"]
    org.set_block_year(session, a, year=year - 1, member_ids=[a1.id or 0, a2.id or 0],
                       leader_id=a2.id, deputy_id=None)  # fmt: skip
    session.commit()
    client = app.test_client()
    sign_in(client, "a1.head")
    mine = _tables(client.get("/").get_data(as_text=True))["my-blocks"]
    assert mine == [
        (str(a.id), str(year), "Khối KA", a1.name, a2.name, "2"),
        (str(a.id), str(year - 1), "Khối KA", a2.name, "—", "2"),
    ]  # newest year first; the other block (KB) is not a1's
    unit_page = client.get(f"/units/{a1.id}").get_data(as_text=True)
    assert ROW.findall(unit_page) == mine


def test_the_home_page_seen_again_reads_no_block(
    app: Flask, world: dict[str, Any]
) -> None:  # fmt: skip
    client = app.test_client()
    sign_in(client, "secretariat")
    client.get("/")
    with statements_sent(app.extensions["wflow.db"]) as seen:
        page = client.get("/").get_data(as_text=True)
    assert "Khối KA" in page
    assert not [s for s in seen if "blockmembership" in s.lower()], seen

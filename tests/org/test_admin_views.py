"""Admin pages: units, blocks and users; bad input changes nothing and says why."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import openpyxl
from flask.testing import FlaskClient
from sqlmodel import Session, select

from tests.conftest import present, sign_in, submit
from wflow.org.models import Block, BlockMembership, Unit, User


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return len(session.exec(select(model)).all())


def test_admin__creates_a_unit(
    client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    sign_in(client, "admin")
    response = submit(
        client,
        "/admin/units/new",
        {"name": "Hội Nông dân tỉnh", "code": "hnd", "kind": "socio_political", "parent_id": 0},
    )
    assert response.status_code == 302
    unit = session.exec(select(Unit).where(Unit.code == "HND")).one()
    assert unit.name == "Hội Nông dân tỉnh"


def test_admin__bad_unit_input_changes_nothing(
    client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    sign_in(client, "admin")
    before = _count(session, Unit)
    cases = [
        ({"name": "", "code": "OK1", "kind": "front"}, 422),
        ({"name": "x" * 10_000, "code": "OK2", "kind": "front"}, 422),
        ({"name": "Trùng mã", "code": "a1", "kind": "front"}, 409),  # duplicate code (any case)
        ({"name": "Sai loại", "code": "OK3", "kind": "nonsense"}, 422),
        ({"name": "Sai mã", "code": "!", "kind": "front"}, 422),
    ]
    for data, status in cases:
        response = submit(client, "/admin/units/new", {"parent_id": 0, **data})
        assert response.status_code == status, data
        assert 'class="errors"' in response.get_data(
            as_text=True
        ) or "flash error" in response.get_data(as_text=True)
    assert _count(session, Unit) == before


def test_admin__duplicate_code_message_in_users_language(
    client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    sign_in(client, "admin")
    submit(client, "/locale", {"locale": "en", "next": "/"}, page="/")
    response = submit(
        client, "/admin/units/new", {"name": "X", "code": "A1", "kind": "front", "parent_id": 0}
    )
    assert "The code A1 is already used." in response.get_data(as_text=True)


def test_admin__creates_a_block_with_members_leader_and_deputy(
    client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    sign_in(client, "admin")
    u = world["units"]
    response = submit(
        client,
        "/admin/blocks/new",
        {
            "name": "Khối mới",
            "code": "KNEW",
            "description": "",
            "year": world["year"],
            "member_ids": [u["a1"].id, u["b2"].id],
            "leader_id": u["b2"].id,
            "deputy_id": u["a1"].id,
        },
    )
    assert response.status_code == 302
    block = session.exec(select(Block).where(Block.code == "KNEW")).one()
    rows = session.exec(select(BlockMembership).where(BlockMembership.block_id == block.id)).all()
    assert {(m.unit_id, m.position) for m in rows} == {
        (u["a1"].id, "deputy"),
        (u["b2"].id, "leader"),
    }


def test_admin__block_without_members_is_refused(
    client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    sign_in(client, "admin")
    before = _count(session, Block)
    response = submit(
        client,
        "/admin/blocks/new",
        {
            "name": "Khối rỗng",
            "code": "KEMPTY",
            "year": world["year"],
            "leader_id": 0,
            "deputy_id": 0,
        },
    )
    assert response.status_code == 422
    assert _count(session, Block) == before


def test_admin__leader_must_be_a_member(
    client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    sign_in(client, "admin")
    u = world["units"]
    block = world["blocks"]["a"]
    before = _count(session, BlockMembership)
    response = submit(
        client,
        f"/admin/blocks/{block.id}?year={world['year']}",
        {
            "year-year": world["year"],
            "year-member_ids": [u["a1"].id],
            "year-leader_id": u["b1"].id,
            "year-deputy_id": 0,
        },
    )
    assert response.status_code == 422
    assert _count(session, BlockMembership) == before


def test_admin__sets_next_years_leadership(
    client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    sign_in(client, "admin")
    u = world["units"]
    block = world["blocks"]["a"]
    nxt = world["year"] + 1
    response = submit(
        client,
        f"/admin/blocks/{block.id}?year={nxt}",
        {
            "year-year": nxt,
            "year-member_ids": [u["a1"].id, u["a2"].id],
            "year-leader_id": u["a2"].id,
            "year-deputy_id": u["a1"].id,
        },
    )
    assert response.status_code == 302
    rows = session.exec(select(BlockMembership).where(BlockMembership.year == nxt)).all()
    assert {(m.unit_id, m.position) for m in rows} == {
        (u["a2"].id, "leader"),
        (u["a1"].id, "deputy"),
    }


def test_admin__creates_a_user_with_hashed_password(
    client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    sign_in(client, "admin")
    response = submit(
        client,
        "/admin/users/new",
        {
            "login": "b2.head",
            "display_name": "Trưởng B2",
            "unit_id": world["units"]["b2"].id,
            "roles": ["unit_head"],
            "locale": "hu",
            "active": "y",
            "password": "s3cret-passw0rd",
        },
    )
    assert response.status_code == 302
    user = session.exec(select(User).where(User.login == "b2.head")).one()
    assert user.password_hash.startswith("$argon2id$")
    assert "s3cret" not in user.password_hash
    fresh = client.application.test_client()
    assert sign_in(fresh, "b2.head", "s3cret-passw0rd").status_code == 302


def test_admin__bad_user_input_changes_nothing(
    client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    sign_in(client, "admin")
    before = _count(session, User)
    base = {
        "display_name": "X",
        "unit_id": 0,
        "roles": [],
        "locale": "vi",
        "active": "y",
        "password": "long enough pw",
    }
    cases: list[tuple[dict[str, Any], int]] = [
        ({"login": "a1.head"}, 409),  # duplicate login
        ({"login": "Bad Login!"}, 422),
        ({"login": "short.pw", "password": "short"}, 422),
        ({"login": "head.nounit", "roles": ["unit_head"]}, 422),  # a head needs a unit
        ({"login": "bad.role", "roles": ["emperor"]}, 422),
    ]
    for data, status in cases:
        response = submit(client, "/admin/users/new", {**base, **data})
        assert response.status_code == status, data
    assert _count(session, User) == before


def test_admin__lists_filter_and_export(client: FlaskClient, world: dict[str, Any]) -> None:
    sign_in(client, "admin")
    page = client.get("/admin/users?q=a1.").get_data(as_text=True)
    assert "a1.head" in page and "b1.head" not in page
    exported = client.get("/admin/users?q=a1.&format=csv")
    assert exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(r[0] for r in rows[1:]) == ["a1.head", "a1.staff"]
    xlsx = client.get(f"/admin/blocks?year={world['year']}&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet is not None
    codes = sorted(str(row[0].value) for row in sheet.iter_rows(min_row=2))
    assert codes == ["KA", "KB"]
    assert client.get("/admin/units?format=pdf").status_code == 400


def test_admin__csv_export_neutralises_formulas(
    client: FlaskClient, world: dict[str, Any], make_unit: Any
) -> None:
    make_unit("EVIL", name='=HYPERLINK("http://x")')
    sign_in(client, "admin")
    text = client.get("/admin/units?format=csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text


def test_admin__a_cluster_beside_the_blocks_filtered_and_exported(
    client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    """A council groups units by place too (cụm): created, listed by kind, changed back."""
    sign_in(client, "admin")
    u = world["units"]
    data = {"kind": "cluster", "name": "Cụm thi đua phía Bắc", "code": "CBAC",
            "description": "", "year": world["year"], "member_ids": [u["a1"].id, u["b1"].id],
            "leader_id": u["a1"].id, "deputy_id": 0}  # fmt: skip
    before = _count(session, Block)
    refused = submit(client, "/admin/blocks/new", {**data, "kind": "district"})
    assert refused.status_code == 422 and _count(session, Block) == before
    assert submit(client, "/admin/blocks/new", data).status_code == 302
    cluster = session.exec(select(Block).where(Block.code == "CBAC")).one()
    assert cluster.kind == "cluster"
    year = world["year"]
    clusters = client.get(f"/admin/blocks?year={year}&kind=cluster").get_data(as_text=True)
    assert "Cụm thi đua phía Bắc" in clusters and "Emulation cluster (cụm)" in clusters
    assert world["blocks"]["a"].name not in clusters
    blocks = client.get(f"/admin/blocks?year={year}&kind=block").get_data(as_text=True)
    assert "Cụm thi đua phía Bắc" not in blocks and world["blocks"]["a"].name in blocks
    exported = client.get(f"/admin/blocks?year={year}&kind=cluster&format=csv")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["Code"], r["Kind"]) for r in rows] == [("CBAC", "Emulation cluster (cụm)")]
    page = f"/admin/blocks/{cluster.id}"
    fields = {"block-kind": "block", "block-name": "Khối phía Bắc", "block-code": "CBAC",
              "block-description": ""}  # fmt: skip
    changed = submit(client, page, fields, page=page)
    assert changed.status_code == 302
    session.expire_all()
    assert present(session.get(Block, cluster.id), "the block").kind == "block"


def test_admin__the_block_list_names_leaders_and_counts_and_follows_changes(
    client: FlaskClient, world: dict[str, Any], session: Session
) -> None:
    sign_in(client, "admin")
    year, u, a, b = world["year"], world["units"], world["blocks"]["a"], world["blocks"]["b"]
    row = re.compile(r"<tr><td>(\w+)</td><td>[^<]*</td><td><a href=\"/admin/blocks/(\d+)\?"
                     r"year=\d+\">([^<]+)</a></td>\s*<td>([^<]+)</td><td>([^<]+)</td>"
                     r"<td>(\d+)</td></tr>")  # fmt: skip
    listed = row.findall(client.get(f"/admin/blocks?year={year}").get_data(as_text=True))
    assert listed == [("KA", str(a.id), a.name, u["a1"].name, u["a2"].name, "2"),
                      ("KB", str(b.id), b.name, u["b1"].name, "—", "2")]  # fmt: skip
    found = row.findall(client.get(f"/admin/blocks?year={year}&q=kb").get_data(as_text=True))
    assert [r[0] for r in found] == ["KB"]
    # block B's leader and deputy change this year: the list follows on the next view
    page = f"/admin/blocks/{b.id}?year={year}"
    seats = {"year-year": year, "year-member_ids": [u["b1"].id, u["b2"].id],
             "year-leader_id": u["b2"].id, "year-deputy_id": u["b1"].id}  # fmt: skip
    changed = submit(client, page, seats)
    assert changed.status_code == 302
    after = row.findall(client.get(f"/admin/blocks?year={year}").get_data(as_text=True))
    assert after[1] == ("KB", str(b.id), b.name, u["b2"].name, u["b1"].name, "2")
    # a block without members in a year is listed apart
    page_text = client.get(f"/admin/blocks?year={year + 5}").get_data(as_text=True)
    assert row.findall(page_text) == []
    assert "Blocks without members in" in page_text and b.name in page_text

"""The turn of the year through HTTP: the preview, the button, each block's succession."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from tests.conftest import csrf_token, sign_in, submit
from tests.sql import statements_sent
from tests.yearturn.conftest import CLOSED, closed_year_rows
from wflow.org.models import Block, BlockMembership, Unit
from wflow.plans.models import Plan
from wflow.yearturn import leadership

NEW = CLOSED + 1


def _english(client: FlaskClient) -> None:
    submit(client, "/locale", {"locale": "en", "next": "/"}, page="/")


@pytest.mark.parametrize("login", ["secretariat", "admin"])
def test_page__previews_next_year_block_by_block(
    client: FlaskClient, council: dict[str, Any], login: str
) -> None:
    sign_in(client, login)
    _english(client)
    page = client.get("/year")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"What opening {NEW} does" in html
    assert "by rotation: the deputy leads" in html and "elected at the year-end conference" in html
    assert f"Kế hoạch thi đua năm {NEW} của Khối KA" in html
    assert "No plan last year: membership only" in html
    assert f"Open {NEW}" in html


def test_page__opens_the_year_and_says_what_it_did(
    client: FlaskClient, session: Session, council: dict[str, Any]
) -> None:
    sign_in(client, "secretariat")
    _english(client)
    before = closed_year_rows(session)
    done = submit(client, "/year/open", {"year": str(NEW)}, page="/year")
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert f"{NEW} opened. Membership, leader and deputy copied for: Khối KA, Khối KB, Khối KC" in (
        page
    )
    assert f"Plans cloned as drafts: Kế hoạch thi đua năm {NEW} của Khối KA" in page
    assert f"{NEW} is already open in every block: nothing to do." in page  # no second button
    assert closed_year_rows(session) == before
    again = submit(client, "/year/open", {"year": str(NEW)}, page="/year")
    assert "nothing to do" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert len(session.exec(select(Plan).where(Plan.year == NEW)).all()) == 1


def test_page__reads_as_many_statements_whatever_the_number_of_blocks(
    app: Flask,
    client: FlaskClient,
    session: Session,
    council: dict[str, Any],
    make_unit: Callable[..., Unit],
    make_block: Callable[..., Block],
) -> None:
    sign_in(client, "secretariat")
    _english(client)
    bind = app.extensions["wflow.db"]

    def sent() -> tuple[int, str]:
        with statements_sent(bind) as seen:
            page = client.get("/year")
        assert page.status_code == 200
        return len(seen), page.get_data(as_text=True)

    client.get("/year")
    three, _html = sent()
    x = [make_unit(f"X{i}", name=f"Hội X{i}") for i in range(5)]
    kd = make_block("KD", x[:2], CLOSED, x[0], x[1])
    make_block("KE", x[2:], CLOSED, x[2], x[3])
    with app.test_request_context():
        leadership.set_succession(
            session, user=council["users"]["secretariat"], block=kd, year=NEW, rule="keep",
            leader_id=None, deputy_id=None,
        )  # fmt: skip
    client.get("/year")  # the new units change the council's tree, read once again
    five, html = sent()
    assert five == three
    rows = {r.split("</th>")[0].split('">')[-1]: r for r in html.split('<th scope="row"')[1:]}
    kd_row, ke_row = (next(r for name, r in rows.items() if code in name) for code in ("KD", "KE"))
    assert "Keep: the same leader and deputy stay" in kd_row  # its rule, read with the others
    assert "<td>Hội X0</td>" in kd_row and "by the block's rule" in kd_row
    assert "<td>Hội X3</td>" in ke_row and "by rotation: the deputy leads" in ke_row


@pytest.mark.parametrize("year", ["abc", str(NEW + 1), str(CLOSED), ""])
def test_page__refuses_a_bad_year_and_changes_nothing(
    client: FlaskClient, session: Session, council: dict[str, Any], year: str
) -> None:
    sign_in(client, "admin")
    _english(client)
    answer = submit(client, "/year/open", {"year": year}, page="/year")
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "Give a year between" in html or "No block has member units in" in html
    assert not session.exec(select(BlockMembership).where(BlockMembership.year != CLOSED)).all()


def test_page__a_year_not_next_to_one_is_refused_in_the_preview(
    client: FlaskClient, council: dict[str, Any]
) -> None:
    sign_in(client, "admin")
    _english(client)
    answer = client.get(f"/year?year={NEW + 3}")
    assert answer.status_code == 422
    assert f"No block has member units in {NEW + 2}" in answer.get_data(as_text=True)


def test_page__without_csrf_token_is_refused(
    client: FlaskClient, session: Session, council: dict[str, Any]
) -> None:
    sign_in(client, "secretariat")
    assert client.post("/year/open", data={"year": str(NEW)}).status_code == 400
    block = council["blocks"]["KA"]
    assert (
        client.post(f"/year/blocks/{block.id}?year={NEW}", data={"rule": "keep"}).status_code == 400
    )
    assert not session.exec(select(BlockMembership).where(BlockMembership.year == NEW)).all()
    assert leadership.rule_of(session, block.id) == "rotate"


@pytest.mark.parametrize("login", ["an.head", "em.head", "council"])
def test_page__refused_to_units_and_council_members(
    client: FlaskClient, session: Session, council: dict[str, Any], login: str
) -> None:
    sign_in(client, login)
    block = council["blocks"]["KA"]
    token = csrf_token(client, "/")
    assert client.get("/year").status_code == 403
    assert client.post("/year/open", data={"csrf_token": token, "year": NEW}).status_code == 403
    assert client.get(f"/year/blocks/{block.id}").status_code == 403
    answer = client.post(f"/year/blocks/{block.id}?year={NEW}",
                         data={"csrf_token": token, "rule": "keep"})  # fmt: skip
    assert answer.status_code == 403
    assert not session.exec(select(BlockMembership).where(BlockMembership.year == NEW)).all()
    assert leadership.rule_of(session, block.id) == "rotate"


def test_block_page__records_the_conference_and_the_preview_follows(
    client: FlaskClient, session: Session, council: dict[str, Any]
) -> None:
    sign_in(client, "secretariat")
    _english(client)
    block, u = council["blocks"]["KA"], council["units"]
    url = f"/year/blocks/{block.id}?year={NEW}"
    assert "Hội Dũng" in client.get(url).get_data(as_text=True)
    data = {"rule": "keep", "leader_id": str(u["Dũng"].id), "deputy_id": str(u["An"].id),
            "note": "Hội nghị tổng kết ngày 15/12"}  # fmt: skip
    saved = submit(client, url, data)
    assert saved.status_code == 302
    session.expire_all()
    assert leadership.rule_of(session, block.id) == "keep"
    elected = leadership.election_of(session, block.id, NEW)
    assert elected is not None and elected.leader_unit_id == u["Dũng"].id
    preview = client.get(f"/year?year={NEW}").get_data(as_text=True)
    assert "Succession of Khối KA for 2026 saved." in preview
    cleared = submit(client, url, {"rule": "keep", "leader_id": "0", "deputy_id": "0"})
    assert cleared.status_code == 302
    assert leadership.election_of(session, block.id, NEW) is None


def test_block_page__refuses_a_unit_outside_the_block(
    client: FlaskClient, session: Session, council: dict[str, Any], app: Flask
) -> None:
    sign_in(client, "admin")
    _english(client)
    block, u = council["blocks"]["KA"], council["units"]
    url = f"/year/blocks/{block.id}?year={NEW}"
    # Lan is in KC, not KA: not among the choices, and refused by the service.
    answer = submit(
        client, url, {"rule": "rotate", "leader_id": str(u["Lan"].id), "deputy_id": "0"}
    )
    assert answer.status_code == 422
    assert "The leader must be a member of the block." in answer.get_data(as_text=True)
    same = submit(client, url, {"rule": "rotate", "leader_id": str(u["An"].id),
                                "deputy_id": str(u["An"].id)})  # fmt: skip
    assert same.status_code == 422
    assert submit(client, url, {"rule": "sometimes"}).status_code == 422
    assert leadership.election_of(session, block.id, NEW) is None
    assert client.get("/year/blocks/99999").status_code == 404


def test_page__speaks_vietnamese_by_default(
    client: FlaskClient, council: dict[str, Any], make_user: Any
) -> None:
    make_user("thuky", None, roles=("secretariat",), locale="vi")
    sign_in(client, "thuky")
    html = client.get("/year").get_data(as_text=True)
    assert "Chuyển năm thi đua" in html and f"Mở năm {NEW}" in html
    assert "theo luân phiên: phó khối làm trưởng khối" in html


def test_page__filters_and_exports_the_preview(
    client: FlaskClient, council: dict[str, Any]
) -> None:
    sign_in(client, "secretariat")
    _english(client)
    html = client.get(f"/year?year={NEW}&q=lan").get_data(as_text=True)
    assert "Khối KC" in html and "Khối KA" not in html and "Khối KB" not in html
    csv = client.get(f"/year?year={NEW}&format=csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Block,Member units,Leader,Deputy,Why,Plan")
    assert any(line.startswith("Khối KC,") and "Hội Lan" in line for line in lines)
    xlsx = client.get(f"/year?year={NEW}&q=KA&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"

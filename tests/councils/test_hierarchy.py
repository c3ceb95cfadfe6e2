"""Councils in a hierarchy: a commune's committee acts on the commune's work only; the
province's reads the commune's and acts on none of it; the inbox follows the council."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from tests.adhoc.test_adhoc import DAY, award_id
from tests.conftest import present, sign_in, submit
from tests.sql import statements_sent
from tests.titles.test_decisions import english
from wflow.adhoc import service as adhoc
from wflow.awards import catalogue as awards
from wflow.awards import decisions
from wflow.awards.signatories import signatories
from wflow.core import subjects
from wflow.core.access import Action, may, principals
from wflow.core.errors import Forbidden, ServiceError
from wflow.core.uow import unit_of_work
from wflow.councils import service as councils
from wflow.engine import NotAllowed, WfInstance
from wflow.inbox import service as inbox
from wflow.org import service as org
from wflow.org.models import Role, Unit, User
from wflow.people import service as people
from wflow.workflow_setup import engine


@pytest.fixture
def commune(app: Flask, session: Session, world: dict[str, Any], make_user: Any) -> dict[str, Any]:
    """The province's council (the world's) and a commune's below it, with its own secretariat,
    council member (its chair) and a unit whose head proposes."""
    province = councils.default_council(session)
    with app.test_request_context():
        council = org.create_unit(session, name="Hội đồng Thi đua - Khen thưởng xã Thạch Hà",
                                  code="HDXTH", kind="council", level="commune",
                                  parent_id=province.id)  # fmt: skip
        office = org.create_unit(session, name="Văn phòng HĐND - UBND xã Thạch Hà",
                                 code="VPXTH", kind="agency", council_id=council.id)  # fmt: skip
        youth = org.create_unit(session, name="Đoàn Thanh niên xã Thạch Hà", code="DTNXTH",
                                kind="socio_political", council_id=council.id)  # fmt: skip
        session.commit()
    users = {
        "secretariat": make_user("xa.secretariat", office, roles=(Role.SECRETARIAT.value,)),
        "chair": make_user("xa.chair", office, roles=(Role.COUNCIL_MEMBER.value,)),
        "head": make_user("xa.head", youth),
    }
    return {"province": province, "council": council, "office": office, "youth": youth,
            "users": users}  # fmt: skip


def _in_inbox(session: Session, user: Any, row: Any) -> bool:
    """Tell whether the ad-hoc proposal is among the user's work."""
    return any("adhoc" in w.endpoint and row.id in w.args.values()
               for w in inbox.work(session, engine(), user))  # fmt: skip


def test_every_unit_and_block_is_in_a_council(
    session: Session, world: dict[str, Any], commune: dict[str, Any]
) -> None:
    province, council = commune["province"], commune["council"]
    assert province.kind == "council" and province.council_id == province.id
    assert (council.council_id, council.parent_id, council.level) == (
        council.id, province.id, "commune")  # fmt: skip
    assert {u.council_id for u in world["units"].values()} == {province.id}
    assert {b.council_id for b in world["blocks"].values()} == {province.id}
    assert commune["youth"].council_id == council.id
    assert councils.below(session, province.id or 0) == {province.id, council.id}
    assert councils.below(session, council.id or 0) == {council.id}
    # the committee's principals name their council
    assert f"secretariat:{province.id}" in principals(session, world["users"]["secretariat"])
    theirs = principals(session, commune["users"]["secretariat"])
    assert f"secretariat:{council.id}" in theirs and f"secretariat:{province.id}" not in theirs


def test_a_council_refuses_a_parent_that_is_not_a_council(
    app: Flask, session: Session, world: dict[str, Any]
) -> None:
    with english(app), pytest.raises(ServiceError, match="council above it"):
        org.create_unit(session, name="Hội đồng sai", code="HDSAI", kind="council",
                        level="commune", parent_id=world["units"]["a1"].id)  # fmt: skip
    with english(app), pytest.raises(ServiceError, match="council from the list"):
        org.create_unit(session, name="Đơn vị sai", code="DVSAI", kind="agency",
                        council_id=world["units"]["a1"].id)  # fmt: skip
    session.rollback()
    assert session.exec(select(Unit).where(col(Unit.code).in_(["HDSAI", "DVSAI"]))).all() == []


def test_the_commune_acts_on_its_own_proposal__the_province_does_not(
    app: Flask, session: Session, world: dict[str, Any], commune: dict[str, Any]
) -> None:
    users, youth = commune["users"], commune["youth"]
    with app.test_request_context():
        awards.set_council_chair(
            session, world["users"]["admin"], users["chair"].id, commune["council"].id
        )  # the commune's own chair decides
        member = people.create_person(session, user=users["head"],
                                      unit_id=youth.id or 0, full_name="Trần Văn Hải",
                                      position="Bí thư Đoàn xã", sex="male",
                                      birth_year=1996, since=DAY)  # fmt: skip
        session.commit()
        eng = engine()
        row = adhoc.propose(session, eng, user=users["head"], unit_id=youth.id or 0,
                            proposal=adhoc.Proposal(
            award_id(session, "person_certificate_of_merit"), f"person:{member.id}", DAY,
            "Cứu người đuối nước", "Cứu hai em nhỏ trên sông"))  # fmt: skip
        adhoc.submit(session, eng, user=users["head"], row=row)
        instance = session.get(WfInstance, row.instance_id)
        assert instance is not None and instance.council_id == commune["council"].id
        # the secretariat's task is in the commune secretariat's inbox, not the province's
        province_sec = world["users"]["secretariat"]
        assert _in_inbox(session, users["secretariat"], row)
        assert not _in_inbox(session, province_sec, row)
        # the province's secretariat may not act on it; the commune's does
        with pytest.raises(NotAllowed):
            adhoc.accept(session, eng, user=province_sec, row=row)
        assert subjects.state(session, row) == "checking"
        adhoc.accept(session, eng, user=users["secretariat"], row=row)
        assert subjects.state(session, row) != "checking"


def test_the_committee_reads_its_council_and_those_below(
    session: Session, world: dict[str, Any], commune: dict[str, Any]
) -> None:
    youth, a1 = commune["youth"], world["units"]["a1"]
    province_sec, commune_sec = world["users"]["secretariat"], commune["users"]["secretariat"]
    assert may(session, province_sec, Action.VIEW, unit_id=youth.id)
    assert may(session, commune_sec, Action.VIEW, unit_id=youth.id)
    assert not may(session, commune_sec, Action.VIEW, unit_id=a1.id)
    assert not may(session, commune_sec, Action.VIEW, block_id=world["blocks"]["a"].id)
    assert may(session, province_sec, Action.VIEW, block_id=world["blocks"]["a"].id)


def _client(app: Flask, login: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, login)
    return client


def test_pages__each_committee_sees_its_council_and_those_below(
    app: Flask, session: Session, world: dict[str, Any], commune: dict[str, Any],
    make_block: Any,
) -> None:  # fmt: skip
    year = world["year"]
    with app.test_request_context():
        block = org.create_block(session, name="Khối các đoàn thể xã", code="KXA", year=year,
                                 member_ids=[commune["youth"].id or 0],
                                 council_id=commune["council"].id)  # fmt: skip
        session.commit()
    province, village = _client(app, "secretariat"), _client(app, "xa.secretariat")
    mine = village.get("/committee").get_data(as_text=True)
    assert block.name in mine and world["blocks"]["a"].name not in mine
    theirs = province.get("/committee").get_data(as_text=True)
    assert block.name in theirs and world["blocks"]["a"].name in theirs
    # a page of the province's is not the commune's to read; the commune's is the province's
    assert village.get(f"/units/{world['units']['a1'].id}").status_code == 403
    assert province.get(f"/units/{commune['youth'].id}").status_code == 200
    people_page = village.get("/people?format=csv").get_data(as_text=True)
    assert world["units"]["a1"].name not in people_page
    statistics = village.get("/statistics").get_data(as_text=True)
    assert world["blocks"]["a"].name not in statistics


def test_admin__keeps_its_council_and_those_below_and_creates_a_council(
    app: Flask, session: Session, world: dict[str, Any], commune: dict[str, Any],
    make_user: Any,
) -> None:  # fmt: skip
    make_user("xa.admin", commune["office"], roles=(Role.ADMIN.value,))
    session.commit()
    village, province = _client(app, "xa.admin"), _client(app, "admin")
    units = village.get("/admin/units").get_data(as_text=True)
    assert commune["youth"].name in units and world["units"]["a1"].name not in units
    assert village.get(f"/admin/units/{world['units']['a1'].id}").status_code == 404
    assert village.get(f"/admin/blocks/{world['blocks']['a'].id}").status_code == 404
    assert village.get(f"/admin/users/{world['users']['a1.head'].id}").status_code == 404
    assert "xa.head" in village.get("/admin/users").get_data(as_text=True)
    assert "a1.head" not in village.get("/admin/users").get_data(as_text=True)
    assert province.get(f"/admin/units/{commune['youth'].id}").status_code == 200
    # the province's administrator sets up a second commune's council below the province
    made = submit(province, "/admin/units/new", {
        "name": "Hội đồng Thi đua - Khen thưởng phường Bắc Hà", "code": "HDPBH",
        "kind": "council", "level": "commune", "parent_id": commune["province"].id,
        "council_id": 0})  # fmt: skip
    assert made.status_code == 302, made.get_data(as_text=True)[:3000]
    ward = session.exec(select(Unit).where(Unit.code == "HDPBH")).one()
    assert (ward.council_id, ward.parent_id, ward.level) == (
        ward.id, commune["province"].id, "commune")  # fmt: skip
    # a commune's administrator cannot place a unit in the province's council
    refused = submit(village, "/admin/units/new", {
        "name": "Chi hội Nông dân", "code": "CHND", "kind": "mass_organisation",
        "parent_id": 0, "council_id": commune["province"].id, "level": ""})  # fmt: skip
    assert refused.status_code == 422
    assert session.exec(select(Unit).where(Unit.code == "CHND")).first() is None


def test_council_sessions__each_council_meets_and_signs_for_its_own(
    app: Flask, session: Session, world: dict[str, Any], commune: dict[str, Any]
) -> None:
    users, body = commune["users"], commune["council"].id
    year, held = world["year"] - 1, DAY
    with english(app):
        theirs = decisions.create_session(session, user=world["users"]["secretariat"], year=year,
                                          title="Phiên họp tỉnh", held_on=held)  # fmt: skip
        mine = decisions.create_session(session, user=users["secretariat"], year=year,
                                        title="Phiên họp xã", held_on=held)  # fmt: skip
        session.commit()
        assert (theirs.council_id, mine.council_id) == (commune["province"].id, body)
        # each council names its own chair; the province's signatories are not the commune's
        awards.set_council_chair(session, world["users"]["admin"], users["chair"].id, body)
        with pytest.raises(ServiceError, match="member of the council"):
            awards.set_council_chair(session, world["users"]["admin"], users["chair"].id)
    assert [s.user for s in signatories(session, body)] == [users["chair"]]
    assert awards.council_chair(session) is None
    assert decisions.open_sessions(session, year, commune["province"].id) == [theirs]
    assert decisions.open_sessions(session, year, body) == [mine]
    province, village = _client(app, "secretariat"), _client(app, "xa.secretariat")
    assert village.get(f"/council/sessions/{theirs.id}").status_code == 404
    listed = village.get("/council/sessions").get_data(as_text=True)
    assert "Phiên họp xã" in listed and "Phiên họp tỉnh" not in listed
    assert province.get(f"/council/sessions/{mine.id}").status_code == 200  # read, from above
    with app.test_request_context(), pytest.raises(Forbidden):
        decisions.submit_decision(session, engine(), user=world["users"]["secretariat"],
                                  council_session=mine, number="01/QĐ-HĐTĐKT",
                                  issued_on=held)  # fmt: skip


def test_a_unit_moves_to_the_commune_its_people_with_it(
    app: Flask, client: FlaskClient, session: Session, world: dict[str, Any],
    commune: dict[str, Any], make_user: Any,
) -> None:  # fmt: skip
    """The province's administrator moves a unit into a commune's jurisdiction: the commune's
    committee keeps it from then on; a council itself is not moved so, and bad input changes
    nothing."""
    unit, council = world["units"]["a1"], commune["council"]
    make_user("xa.admin", commune["office"], roles=(Role.ADMIN.value,))
    sign_in(client, "admin")
    page = f"/admin/units/{unit.id}"
    fields = {"name": unit.name, "code": unit.code, "kind": unit.kind, "parent_id": 0}
    elsewhere = submit(client, page, {**fields, "council_id": world["units"]["b1"].id}, page=page)
    assert elsewhere.status_code == 422  # not a council
    session.expire_all()
    assert present(session.get(Unit, unit.id), "the unit").council_id == commune["province"].id
    assert submit(client, page, {**fields, "council_id": council.id}, page=page).status_code == 302
    session.expire_all()
    assert present(session.get(Unit, unit.id), "the unit").council_id == council.id
    head = world["users"]["a1.head"]
    assert councils.of_user(session, head) == council.id
    ours = app.test_client()
    ours.environ_base["REMOTE_ADDR"] = "10.9.2.1"
    sign_in(ours, "xa.admin")
    assert ours.get(page).status_code == 200  # the commune's administrator keeps it now
    kept = f"/admin/units/{council.id}"
    moved = submit(client, kept, {"name": council.name, "code": council.code, "kind": "council",
                                  "parent_id": commune["province"].id,
                                  "council_id": commune["province"].id}, page=kept)  # fmt: skip
    assert moved.status_code == 422, moved.status_code
    assert "its own jurisdiction" in moved.get_data(as_text=True), moved.get_data(as_text=True)


def test_pages__the_hierarchy_is_read_once_a_page_and_a_new_council_shows_on_the_next(
    app: Flask, session: Session, world: dict[str, Any], commune: dict[str, Any]
) -> None:
    """The first council and the councils below are one statement; a council added counts."""
    province = _client(app, "secretariat")
    with statements_sent(app.extensions["wflow.db"]) as seen:
        assert province.get("/committee").status_code == 200
    on_councils = [s for s in seen if "FROM unit" in s and "unit.kind =" in s]
    assert len(on_councils) == 1, on_councils
    with app.test_request_context():  # a ward's council below the province, and its block
        ward = org.create_unit(session, name="Hội đồng Thi đua - Khen thưởng phường Bắc Hà",
                               code="HDPBH", kind="council", level="commune",
                               parent_id=commune["province"].id)  # fmt: skip
        office = org.create_unit(session, name="Đoàn Thanh niên phường Bắc Hà", code="DTNPBH",
                                 kind="socio_political", council_id=ward.id)  # fmt: skip
        block = org.create_block(session, name="Khối các đoàn thể phường", code="KPBH",
                                 year=world["year"], member_ids=[office.id or 0],
                                 council_id=ward.id)  # fmt: skip
        session.commit()
    assert block.name in province.get("/committee").get_data(as_text=True)


def _move(app: Flask, session: Session, unit: Unit, council: Unit) -> None:
    """Move `unit` into the jurisdiction of `council` (as the admin page does), committed."""
    with app.test_request_context():
        org.update_unit(session, unit, name=unit.name, code=unit.code, kind=unit.kind,
                        parent_id=None, council_id=council.id)  # fmt: skip
    session.commit()


def test_pages__the_councils_are_kept_until_the_organisation_changes(
    app: Flask, session: Session, world: dict[str, Any], commune: dict[str, Any]
) -> None:
    """Seen again, a page reads no council (kept per process under the access epoch); a
    secretariat's office moved to another council gains and loses its blocks on the next page."""
    commune_sec = _client(app, "xa.secretariat")
    page = f"/blocks/{world['blocks']['a'].id}/scoreboard"  # the province's block

    def councils_read() -> tuple[int, list[str]]:
        with statements_sent(app.extensions["wflow.db"]) as seen:
            status = commune_sec.get(page).status_code
        asked = ("SELECT unit.council_id", "unit.kind =")  # a unit's council, the tree
        return status, [s for s in seen if any(a in " ".join(s.split()) for a in asked)]

    assert councils_read()[0] == 403
    assert councils_read() == (403, [])
    _move(app, session, commune["office"], commune["province"])
    status, read = councils_read()
    assert status == 200 and read
    assert councils_read() == (200, [])
    _move(app, session, commune["office"], commune["council"])
    assert councils_read()[0] == 403


def test_councils__a_transaction_that_wrote_reads_its_own_and_keeps_none(
    app: Flask, session: Session, world: dict[str, Any], commune: dict[str, Any]
) -> None:
    """A council added in a transaction counts in it, is kept by nobody, and is gone for
    everyone after its rollback; a session kept across commits sees councils added elsewhere."""
    bind, sec_id = app.extensions["wflow.db"], commune["users"]["secretariat"].id

    def seen(s: Session) -> frozenset[int]:
        return councils.seen_by(s, present(s.get(User, sec_id), "the secretariat"))

    with Session(bind, expire_on_commit=False) as s:
        before = seen(s)
    assert before == {commune["council"].id}
    with Session(bind, expire_on_commit=False) as other:
        assert seen(other) == before  # the user loaded in this transaction: its epoch known
        with pytest.raises(RuntimeError), unit_of_work(other), app.test_request_context():
            hamlet = org.create_unit(other, name="Hội đồng Thi đua - Khen thưởng thôn Đông",
                                     code="HDTD", kind="council", level="commune",
                                     parent_id=commune["council"].id)  # fmt: skip
            assert hamlet.id in seen(other)
            raise RuntimeError("rolled back")
    with Session(bind, expire_on_commit=False) as kept:
        assert seen(kept) == before
        kept.commit()  # the user stays in the session, its epoch that of a past transaction
        with app.test_request_context():
            ward = org.create_unit(session, name="Hội đồng Thi đua - Khen thưởng thôn Tây",
                                   code="HDTT", kind="council", level="commune",
                                   parent_id=commune["council"].id)  # fmt: skip
        session.commit()
        assert seen(kept) == {commune["council"].id, ward.id}

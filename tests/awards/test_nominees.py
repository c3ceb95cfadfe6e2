"""The nominee list of a dossier: imported from a spreadsheet with a report of the rejected
rows, and the certificates of the approved nominees printed in one PDF, a page each."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from flask import Flask
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlmodel import Session, col, select

from tests.awards.test_views import (
    as_,
    close,
    fire,
    nomination_id,
    pdf_text,
    propose,
    state,
    vote,
    year_end,  # noqa: F401  (a fixture, by name)
)
from tests.conftest import csrf_token, present
from tests.dbs import DemoBuild
from tests.titles.test_history import demo_user
from wflow.awards import catalogue as awards
from wflow.awards.models import DossierNominee, Nomination
from wflow.org import service as org
from wflow.org.models import User
from wflow.people import service as people


def upload(client: Any, url: str, text: str, name: str = "nominees.csv") -> Any:
    """Post a CSV file to the import form of `url`."""
    data = {"csrf_token": csrf_token(client, url),
            "file": (io.BytesIO(text.encode("utf-8")), name)}  # fmt: skip
    return client.post(url, data=data, content_type="multipart/form-data")


def listed(session: Session, nid: int) -> list[DossierNominee]:
    """Return the dossier's nominees as stored now."""
    session.expire_all()
    query = select(DossierNominee).where(DossierNominee.nomination_id == nid)
    return list(session.exec(query.order_by(col(DossierNominee.position))).all())


def test_import__rejected_rows_are_named_and_nothing_is_imported_then_a_good_file(
    app: Flask, session: Session, request: pytest.FixtureRequest
) -> None:
    world: dict[str, Any] = request.getfixturevalue("year_end")
    heads = [as_(app, f"n{i}.head") for i in range(1, 7)]
    leader, units = heads[0], world["units"]
    nid = nomination_id(propose(leader, world, 0, "emulation_flag", session))
    assert fire(leader, nid, "open_block_vote").status_code == 303
    for client in heads:
        vote(client, nid, "yes")
    assert close(leader, nid).status_code == 303 and state(session, nid) == "dossier"
    n1, n2 = units[0], units[1]
    with app.app_context():
        branch = org.create_unit(session, name="Chi đoàn Phòng Kỹ thuật", code="N1CD",
                                 kind="socio_political", parent_id=n1.id)  # fmt: skip
        admin = session.exec(select(User).where(User.login == "admin")).one()
        for unit, name in ((n1, "Nguyễn Thị Mai"), (branch, "Lê Văn Tùng"), (n2, "Phạm Văn Bình")):
            people.create_person(session, user=admin, unit_id=unit.id or 0, full_name=name,
                                 position="Đoàn viên", sex="male", birth_year=1995,
                                 since=date(2020, 1, 1))  # fmt: skip
        session.commit()
    url = f"/nominations/{nid}/nominees"
    bad = (
        "STT,Loại,Họ tên / Tên tập thể,Mã,Hình thức khen thưởng,Tóm tắt thành tích\n"
        "1,Tập thể,Đơn vị số 1,,,Dẫn đầu khối\n"
        "2,Tập thể,Chi đoàn Phòng Kỹ thuật,N1CD,Tập thể lao động tiên tiến,Hoàn thành 13/13\n"
        "3,Cá nhân,Nguyễn Thị Mai,,Bằng khen (cá nhân),Cứu người\n"
        "4,Cá nhân,Trần Không Có,,Bằng khen (cá nhân),x\n"
        "5,Cá nhân,Phạm Văn Bình,,Bằng khen (cá nhân),x\n"
        "6,Tập thể,Đơn vị số 3,,,x\n"
        "7,Cá nhân,Lê Văn Tùng,,Chiến sĩ thi đua cấp tỉnh,x\n"
        "8,Cá nhân,Lê Văn Tùng,,,x\n"
        "9,Tập thể,Đơn vị ma,,,x\n"
        "10,Cá nhân,Nguyễn Thị Mai,,Bằng khen (cá nhân),Lần hai\n"
        "11,Tập thể,Đơn vị số 1,,,\n"
    )
    # only the block's leading unit imports; a member sees the list
    assert upload(heads[1], url, bad).status_code == 403
    answer = upload(leader, url, bad)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422, page
    assert "Nothing was imported: 8 rows were rejected." in page
    reasons = {
        5: "Unknown person: Trần Không Có.",
        6: "Phạm Văn Bình does not work in Đơn vị số 1 (which proposes this dossier)",
        7: "Đơn vị số 3 is neither Đơn vị số 1 (which proposes this dossier) nor a unit under it.",
        8: "Lê Văn Tùng: Chiến sĩ thi đua cấp tỉnh needs Chiến sĩ thi đua cơ sở in each year",
        9: "Cờ thi đua goes to units, not to people",
        10: "Unknown unit: Đơn vị ma.",
        11: "The same nominee and award are on row 4.",
    }
    for row, reason in reasons.items():
        assert f'<th scope="row">{row}</th><td>{reason}' in page, (row, reason)
    assert '<th scope="row">12</th><td>Summarise the achievement.' in page
    assert listed(session, nid) == []
    good = "\n".join(bad.splitlines()[:4]) + "\n"
    answer = upload(leader, url, good)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    rows = listed(session, nid)
    assert [(r.unit_id, r.person_id is not None) for r in rows] == [
        (n1.id, False), (branch.id, False), (n1.id, True)
    ]  # fmt: skip
    page = heads[2].get(url).get_data(as_text=True)
    assert "Nguyễn Thị Mai" in page and "Chi đoàn Phòng Kỹ thuật" in page and "3 nominees" in page
    assert "Import the list" not in page  # a member reads, never imports
    # not decided yet: no certificates; a file that is not a table is refused with its reason
    assert leader.get(f"/nominations/{nid}/certificates.pdf").status_code == 404
    refused = upload(leader, url, "nothing", name="list.txt")
    assert refused.status_code == 422 and "Only .xlsx and .csv files are accepted." in (
        refused.get_data(as_text=True)
    )
    assert len(listed(session, nid)) == 3


def test_certificates__one_page_per_approved_nominee_from_the_decided_dossier(
    app: Flask, session: Session, demo: DemoBuild
) -> None:
    decided = session.exec(
        select(Nomination).where(col(Nomination.decision_id).is_not(None))
    ).first()
    assert decided is not None
    merit = present(awards.award_by_code(session, "person_certificate_of_merit"), "the award")
    people_of_unit = people.people_of(session, [decided.unit_id])[:4]
    assert len(people_of_unit) == 4
    for i, p in enumerate(people_of_unit):
        session.add(DossierNominee(
            nomination_id=decided.id or 0, position=i, unit_id=p.unit_id, person_id=p.id,
            award_id=present(merit.id, "the award's id"), achievement=f"Thành tích số {i}",
            approved=False if i == 3 else None,  # the council rejected the fourth name
        ))  # fmt: skip
    session.commit()
    client = demo_user(app, "secretariat")
    answer = client.get(f"/nominations/{decided.id}/certificates.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    reader = PdfFileReader(io.BytesIO(answer.data))
    assert int(reader.root["/Pages"]["/Count"]) == 3
    text = pdf_text(answer.data)
    assert people_of_unit[0].full_name in text and people_of_unit[3].full_name not in text
    assert "BẰNG KHEN (CÁ NHÂN)" in text

"""A coordination programme through its pages: drafted, agreed, signed by each party, reviewed."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from tests.conftest import PASSWORD, sign_in, submit
from tests.documents.helpers import pdfsig
from tests.held_keys import (
    browser_signer,
    enrol_browser_key,
    finish,
    prepare,
    raw_signature,
    sign_held,
)
from wflow.core.access import current_year
from wflow.documents.pki import KeyStore
from wflow.engine import WfInstance
from wflow.org.models import Role, Unit, User
from wflow.programmes.models import Programme, ProgrammeReview
from wflow.signatures import keys, own_keys

YOUTH = ("TDNA", "Tỉnh Đoàn Nghệ An")
PARTY = ("DUKDN", "Đảng ủy Khối Doanh nghiệp tỉnh Nghệ An")
TITLE = "Phối hợp xây dựng tổ chức Đoàn trong doanh nghiệp ngoài nhà nước"


@pytest.fixture
def parties(
    app: Flask,
    session: Session,
    make_unit: Callable[..., Unit],
    make_user: Callable[..., User],
) -> dict[str, Any]:
    """Two organisations with a head and staff each, an outsider, certificates issued."""
    youth, party, other = make_unit(*YOUTH), make_unit(*PARTY), make_unit("KHAC", "Hội khác")
    users = {
        "youth.head": make_user("youth.head", youth),
        "youth.staff": make_user("youth.staff", youth, roles=(Role.UNIT_STAFF.value,)),
        "party.head": make_user("party.head", party),
        "party.staff": make_user("party.staff", party, roles=(Role.UNIT_STAFF.value,)),
        "other.head": make_user("other.head", other),
        "secretariat": make_user("secretariat", None, roles=(Role.SECRETARIAT.value,)),
    }
    with app.app_context():
        keys.ensure_unit_certificates(session)
    return {"youth": youth, "party": party, "other": other, "users": users}


def _as(app: Flask, login: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, login)
    submit(client, "/locale", {"locale": "en", "next": "/"}, page="/")
    return client


def _programmes(session: Session) -> list[Programme]:
    session.expire_all()
    return list(session.exec(select(Programme).order_by(col(Programme.id))).all())


def _state(session: Session, programme: Programme) -> str:
    session.expire_all()
    row = session.get(WfInstance, programme.instance_id)
    assert row is not None
    return row.state


def _draft(client: FlaskClient, party_id: int, **extra: Any) -> Any:
    """Post the drafting form with the other party `party_id` (and `extra` fields)."""
    year = current_year()
    form = {"title": TITLE, "year": year, "year_end": year + 4, "parties": [party_id],
            "purposes": "Tăng cường phối hợp.", "tasks": "Thành lập chi đoàn\nTập huấn cán bộ",
            "arrangements": "Hai bên giao đầu mối.", "place": "Nghệ An", **extra}  # fmt: skip
    return submit(client, "/programmes/new", form)


def _fire(client: FlaskClient, programme: Programme, trigger: str, **data: Any) -> Any:
    url = f"/programmes/{programme.id}"
    return submit(client, f"{url}/fire", {"trigger": trigger, **data}, page=url)


def test_programme__drafted_agreed_signed_reviewed_and_closed_through_the_pages(
    app: Flask, session: Session, parties: dict[str, Any], tmp_path: Path
) -> None:
    staff = _as(app, "youth.staff")
    answer = _draft(staff, parties["party"].id)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    (programme,) = _programmes(session)
    url = f"/programmes/{programme.id}"
    assert answer.headers["Location"].endswith(url)
    assert (
        programme.number == "01/CTPH-TDNA"
        and programme.period == f"{current_year()}-{current_year() + 4}"
    )
    assert _state(session, programme) == "draft"
    page = staff.get(url).get_data(as_text=True)
    assert "Tỉnh Đoàn Nghệ An" in page and "Đảng ủy Khối Doanh nghiệp tỉnh Nghệ An" in page
    # the drafting unit changes its draft; the other party sees it but cannot
    edited = {"title": TITLE + " (sửa)", "year": programme.year, "year_end": programme.year_end,
              "parties": [parties["party"].id], "tasks": "Thành lập chi đoàn"}  # fmt: skip
    changed = submit(staff, f"{url}/edit", edited, page=f"{url}/edit")
    assert changed.status_code == 303, changed.get_data(as_text=True)
    party_head = _as(app, "party.head")
    assert party_head.get(url).status_code == 200
    assert party_head.get(f"{url}/edit").status_code == 403
    assert _fire(staff, programme, "submit").status_code == 303
    assert _state(session, programme) == "agreeing"
    assert staff.get(f"{url}/edit").status_code == 409  # no longer a draft
    youth_head = _as(app, "youth.head")
    assert _fire(youth_head, programme, "agree").status_code == 303
    unrendered = party_head.get(f"{url}.pdf")  # rendered once all have agreed
    assert unrendered.status_code == 404
    assert "The programme is rendered when every party has agreed." in unrendered.get_data(
        as_text=True
    )
    assert _fire(party_head, programme, "agree").status_code == 303
    assert _state(session, programme) == "signing"
    first = party_head.get(f"{url}.pdf").data
    assert first.startswith(b"%PDF")
    wrong = submit(party_head, f"{url}/sign", {"password": "nope"}, page=url)
    page = wrong.get_data(as_text=True)
    assert wrong.status_code == 422  # the programme's page again, the form with the reason
    assert "The password is wrong: nothing was signed." in page and 'name="password"' in page
    assert "Signatures: 0 of 2" in page and party_head.get(f"{url}.pdf").data == first
    for i, head in enumerate((party_head, youth_head)):
        page = head.get(url).get_data(as_text=True)
        assert f"Signatures: {i} of 2" in page and 'name="password"' in page
        done = submit(head, f"{url}/sign", {"password": PASSWORD}, page=url)
        assert done.status_code == 303, done.get_data(as_text=True)
    assert _state(session, programme) == "in_force"
    current = youth_head.get(f"{url}.pdf")
    final = current.data
    assert final.startswith(first)  # each signature is an incremental update
    name = f'inline; filename="programme-{programme.id}.pdf"'
    assert current.headers["Content-Disposition"] == name
    revisions = re.findall(
        rf"{url}/documents/(\d+)\.pdf", youth_head.get(url).get_data(as_text=True)
    )
    assert len(revisions) == 3  # as rendered, then one a signature
    kept = youth_head.get(f"{url}/documents/{revisions[0]}.pdf")
    assert kept.data == first
    name = f'inline; filename="programme-{programme.id}-{revisions[0]}.pdf"'
    assert kept.headers["Content-Disposition"] == name
    assert youth_head.get(f"{url}/documents/{int(revisions[-1]) + 1000}.pdf").status_code == 404
    path = tmp_path / "programme.pdf"
    path.write_bytes(final)
    output = pdfsig(path, KeyStore(app.instance_path).ca_cert_path, tmp_path / "nss")
    assert output.count("Signature Validation: Signature is Valid.") == 2, output
    assert output.count("Certificate Validation: Certificate is Trusted.") == 2, output
    assert "Tỉnh Đoàn Nghệ An" in output and "Đảng ủy Khối Doanh nghiệp" in output
    # a party reviews this year; the same year twice is refused and changes nothing
    review = {"year": current_year(), "summary": "Thành lập 12 chi đoàn doanh nghiệp.",
              "next_steps": "Tập huấn cán bộ đoàn."}  # fmt: skip
    party_staff = _as(app, "party.staff")
    done = submit(party_staff, f"{url}/reviews", review, page=url)
    assert done.status_code == 303, done.get_data(as_text=True)
    again = submit(party_staff, f"{url}/reviews", review, page=url)
    assert again.status_code == 422
    assert "already been reviewed" in again.get_data(as_text=True)
    session.expire_all()
    reviews = session.exec(select(ProgrammeReview)).all()
    assert [(r.year, r.unit_id) for r in reviews] == [(current_year(), parties["party"].id)]
    assert "Thành lập 12 chi đoàn doanh nghiệp." in youth_head.get(url).get_data(as_text=True)
    listed = youth_head.get("/programmes?format=csv").get_data(as_text=True)
    assert programme.number in listed and "In force" in listed
    assert _fire(youth_head, programme, "close", reason="Hoàn thành sớm").status_code == 303
    assert _state(session, programme) == "closed"


def test_programme__refusals_keep_everything_as_it_was(
    app: Flask, session: Session, parties: dict[str, Any]
) -> None:
    staff = _as(app, "youth.staff")
    alone = _draft(staff, parties["youth"].id, parties=[])  # no other party
    assert alone.status_code == 422 and "at least one other party" in alone.get_data(as_text=True)
    backwards = _draft(staff, parties["party"].id, year_end=current_year() - 1)
    assert backwards.status_code == 422
    committee = _as(app, "secretariat")
    assert committee.get("/programmes/new").status_code == 403  # drafted for a unit only
    assert _programmes(session) == []
    assert _draft(staff, parties["party"].id).status_code == 303
    (programme,) = _programmes(session)
    url = f"/programmes/{programme.id}"
    outsider = _as(app, "other.head")
    assert outsider.get(url).status_code == 403
    assert outsider.get("/programmes").get_data(as_text=True).count(TITLE) == 0
    assert committee.get("/programmes").get_data(as_text=True).count(TITLE) == 1
    party_head = _as(app, "party.head")
    assert _fire(party_head, programme, "submit").status_code == 403  # not the drafting unit
    assert _fire(staff, programme, "review_year").status_code == 404  # not an action here
    assert _fire(staff, programme, "submit").status_code == 303
    assert _fire(_as(app, "party.staff"), programme, "agree").status_code == 403  # heads agree
    assert _fire(party_head, programme, "object", reason=" ").status_code == 422
    assert _state(session, programme) == "agreeing"
    objected = _fire(party_head, programme, "object", reason="Bổ sung chỉ tiêu chi đoàn.")
    assert objected.status_code == 303
    assert _state(session, programme) == "draft"  # back to the drafting unit
    page = staff.get(url).get_data(as_text=True)
    assert "Edit the programme" in page
    wrong = submit(party_head, f"{url}/sign", {"password": "nope"}, page=url)
    assert wrong.status_code == 409  # not open for signing
    assert _state(session, programme) == "draft"


def test_programme__signed_with_a_browser_key_and_its_refusals_change_nothing(
    app: Flask, session: Session, parties: dict[str, Any]
) -> None:
    staff, youth_head, party_head = (_as(app, n) for n in ("youth.staff", "youth.head",
                                                           "party.head"))  # fmt: skip
    _draft(staff, parties["party"].id)
    (programme,) = _programmes(session)
    url = f"/programmes/{programme.id}"
    for client, trigger in ((staff, "submit"), (youth_head, "agree"), (party_head, "agree")):
        assert _fire(client, programme, trigger).status_code == 303
    key, enrolled = enrol_browser_key(party_head, parties["party"].id)
    assert enrolled.status_code == 200, enrolled.get_data(as_text=True)
    head = parties["users"]["party.head"]
    (cert,) = [c for c in own_keys.choices(session, head, parties["party"].id) if c.held_by_signer]
    assert 'data-source="browser"' in party_head.get(url).get_data(as_text=True)
    before = party_head.get(f"{url}.pdf").data

    wrong = prepare(party_head, url, cert.id or 0, password="nope")
    assert wrong.status_code == 422 and "password is wrong" in wrong.get_json()["error"]
    assert prepare(youth_head, url, cert.id or 0).status_code == 404  # not their key
    ready = prepare(party_head, url, cert.id or 0).get_json()
    forged = raw_signature(ec.generate_private_key(ec.SECP256R1()),
                           base64.b64decode(ready["to_sign"]))  # fmt: skip
    refused = finish(party_head, url, ready["pending"], forged)
    assert refused.status_code == 422
    assert "not made with this certificate's key" in refused.get_json()["error"]
    assert finish(youth_head, url, ready["pending"], forged).status_code == 404
    assert party_head.get(f"{url}.pdf").data == before and _state(session, programme) == "signing"

    # the other party signs in between: the prepared revision is stale, the page signs again
    stale = prepare(party_head, url, cert.id or 0).get_json()
    assert submit(youth_head, f"{url}/sign", {"password": PASSWORD}, page=url).status_code == 303
    late = finish(party_head, url, stale["pending"],
                  raw_signature(key, base64.b64decode(stale["to_sign"])))  # fmt: skip
    assert late.status_code == 409 and late.get_json()["retry"] is True
    done = sign_held(party_head, url, cert.id or 0, browser_signer(key))
    assert done.status_code == 200 and done.get_json()["redirect"] == url
    assert _state(session, programme) == "in_force"
    with app.app_context():
        reports = keys.verify_document(session, youth_head.get(f"{url}.pdf").data)
    assert [r.registered.source for r in reports if r.registered] == ["internal", "browser"]
    assert all(r.ok for r in reports)

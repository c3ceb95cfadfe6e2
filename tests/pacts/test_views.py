"""The signing ceremony through HTTP: a six-unit block prepares, signs and verifies its pact."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from tests.conftest import PASSWORD, sign_in, submit
from tests.dbs import DemoBuild
from tests.documents.helpers import append_unsigned_update, pdfsig
from tests.pacts.helpers import pact_in_signing, published_plan
from wflow.documents.pki import KeyStore
from wflow.engine.tables import WfInstance
from wflow.org.models import Block, Unit, User
from wflow.pacts.models import Pact
from wflow.signatures import keys
from wflow.workflow_setup import engine


@pytest.fixture
def team(app: Flask, team: dict[str, Any], make_unit: Callable[..., Unit],
         make_user: Callable[..., User]) -> dict[str, Any]:  # fmt: skip
    """The pact tests' team, and an outsider: a unit of no block, with its head."""
    with app.app_context():
        make_user("ngoai.head", make_unit("NGOAI", "Đơn vị ngoài khối"))
    return team


def _as(app: Flask, login: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, login)
    submit(client, "/locale", {"locale": "en", "next": "/"}, page="/")
    return client


def _state(session: Session, pact_id: int) -> str:
    session.expire_all()
    pact = session.get(Pact, pact_id)
    assert pact is not None
    row = session.get(WfInstance, pact.instance_id)
    assert row is not None
    return row.state


def _pact_of(session: Session, plan_id: int) -> Pact:
    session.expire_all()
    return session.exec(select(Pact).where(Pact.plan_id == plan_id)).one()


def test_pact__the_whole_ceremony_through_the_pages(
    app: Flask, session: Session, team: dict[str, Any], tmp_path: Path
) -> None:
    leader = team["heads"][0]
    with app.test_request_context():
        plan = published_plan(session, leader, team["secretariat"], team["block"])
    lead = _as(app, leader.login)
    page = lead.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Prepare the pact" in page
    answer = submit(lead, f"/plans/{plan.id}/pact", {}, page=f"/plans/{plan.id}")
    assert answer.status_code == 303
    pact = _pact_of(session, plan.id or 0)
    assert _state(session, pact.id or 0) == "prepared"
    assert lead.get(f"/pacts/{pact.id}.pdf").status_code == 404  # rendered when signing opens
    opened = submit(lead, f"/pacts/{pact.id}/fire", {"trigger": "open_signing"},
                    page=f"/pacts/{pact.id}")  # fmt: skip
    assert opened.status_code == 303, opened.get_data(as_text=True)
    assert _state(session, pact.id or 0) == "signing"
    first = lead.get(f"/pacts/{pact.id}.pdf").data
    for i, head in enumerate(team["heads"]):
        client = _as(app, head.login)
        page = client.get(f"/pacts/{pact.id}").get_data(as_text=True)
        assert f"Signatures: {i} of 6" in page and 'name="password"' in page
        done = submit(client, f"/pacts/{pact.id}/sign", {"password": PASSWORD},
                      page=f"/pacts/{pact.id}")  # fmt: skip
        assert done.status_code == 303, done.get_data(as_text=True)
    assert _state(session, pact.id or 0) == "in_force"
    page = lead.get(f"/pacts/{pact.id}").get_data(as_text=True)
    assert "Signatures: 6 of 6" in page and "Certificate of completion" in page
    final = lead.get(f"/pacts/{pact.id}.pdf").data
    assert final.startswith(first)
    with app.app_context():
        reports = keys.verify_document(session, final)
    assert len(reports) == 6 and all(r.ok for r in reports)
    path = tmp_path / "pact.pdf"
    path.write_bytes(final)
    output = pdfsig(path, KeyStore(app.instance_path).ca_cert_path, tmp_path / "nss")
    print(output)
    assert output.count("Signature Validation: Signature is Valid.") == 6, output
    assert output.count("Certificate Validation: Certificate is Trusted.") == 6, output
    assert "Tỉnh Đoàn Hà Tĩnh" in output
    listed = lead.get(f"/blocks/{team['block'].id}/pacts?format=csv").get_data(as_text=True)
    assert pact.number in listed


def test_pact__refusals_through_the_pages_change_nothing(
    app: Flask, session: Session, team: dict[str, Any]
) -> None:
    pact = pact_in_signing(app, session, team, team["secretariat"])
    url = f"/pacts/{pact.id}"
    before = _as(app, team["heads"][0].login).get(f"{url}.pdf").data
    wrong = _as(app, team["heads"][1].login)
    refused = submit(wrong, f"{url}/sign", {"password": "nope"}, page=url)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422  # the pact's page again, the form with the reason
    assert (
        '<p class="error" id="sign-password-error" role="alert">The password is wrong: '
        "nothing was signed.</p>" in page
    )
    assert 'id="sign-password" name="password"' in page and "Signatures: 0 of" in page
    empty = submit(wrong, f"{url}/sign", {"password": ""}, page=url)
    assert empty.status_code == 422 and "Enter your password to sign." in empty.get_data(
        as_text=True
    )
    staff = _as(app, team["staff"].login)
    assert 'name="password"' not in staff.get(url).get_data(as_text=True)
    assert submit(staff, f"{url}/sign", {"password": PASSWORD}, page=url).status_code == 403
    assert submit(wrong, f"{url}/decline", {"reason": " "}, page=url).status_code == 422
    outsider = _as(app, "ngoai.head")
    assert outsider.get(url).status_code == 403
    assert outsider.get(f"{url}.pdf").status_code == 403
    assert _state(session, pact.id or 0) == "signing"
    assert _as(app, team["heads"][0].login).get(f"{url}.pdf").data == before
    revision = _as(app, team["heads"][0].login).get(f"{url}/documents/{pact.document_id}.pdf")
    assert revision.data == before
    name = f'inline; filename="pact-{pact.id}-pact-{pact.document_id}.pdf"'
    assert revision.headers["Content-Disposition"] == name
    assert outsider.get(f"{url}/documents/{pact.document_id}.pdf").status_code == 403


def test_pact__signing_speaks_the_signers_language_and_wants_the_form_token(
    app: Flask, session: Session, team: dict[str, Any]
) -> None:
    pact = pact_in_signing(app, session, team, team["secretariat"])
    url = f"/pacts/{pact.id}"
    head = app.test_client()
    sign_in(head, team["heads"][1].login)
    submit(head, "/locale", {"locale": "fr", "next": "/"}, page="/")
    tokenless = head.post(f"{url}/sign", data={"password": PASSWORD})
    assert tokenless.status_code == 400
    empty = submit(head, f"{url}/sign", {"password": ""}, page=url)
    assert empty.status_code == 422
    assert "Saisissez votre mot de passe pour signer." in empty.get_data(as_text=True)
    done = submit(head, f"{url}/sign", {"password": PASSWORD}, page=url)
    assert done.status_code == 303 and done.headers["Location"].endswith(url)
    page = head.get(url).get_data(as_text=True)
    assert "La signature de votre unité a été ajoutée au pacte." in page


def test_pact__tampered_files_are_caught_by_wflow_verify(
    app: Flask, session: Session, team: dict[str, Any], tmp_path: Path
) -> None:
    from wflow.pacts import service as pacts

    pact = pact_in_signing(app, session, team, team["secretariat"])
    with app.test_request_context():
        for head in team["heads"][:2]:
            pacts.sign_pact(session, engine(), user=head, pact=pact, password=PASSWORD)
    signed = _as(app, team["heads"][0].login).get(f"/pacts/{pact.id}.pdf").data
    runner = app.test_cli_runner()
    good = tmp_path / "good.pdf"
    good.write_bytes(signed)
    result = runner.invoke(args=["verify", str(good)])
    assert result.exit_code == 0, result.output
    flipped = bytearray(signed)
    at = flipped.index(b"WeasyPrint")  # the producer, inside every signed range
    flipped[at] ^= 0x01
    for name, data in (
        ("flipped.pdf", bytes(flipped)),
        ("appended.pdf", append_unsigned_update(signed)),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        result = runner.invoke(args=["verify", str(path)])
        assert result.exit_code != 0, (name, result.output)


def test_pact__demo_holds_last_years_signed_pact_and_this_years_in_signing(
    app: Flask, session: Session, demo: DemoBuild
) -> None:
    from wflow.core.access import current_year
    from wflow.pacts import service as pacts

    result = demo  # `wflow init --demo`, run once per session: `app` holds a copy of it
    assert result.exit_code == 0, result.output
    ours = select(Block.id).where(col(Block.code).in_(("KCTXH", "KDN")))  # not the reviews'
    found = {p.year: p for p in session.exec(select(Pact).where(col(Pact.block_id).in_(ours)))}
    last, now = found[current_year() - 1], found[current_year()]
    assert _state(session, last.id or 0) == "in_force"
    assert _state(session, now.id or 0) == "signing"
    done = pacts.progress(session, now)
    assert len(done.signed) == 2 and len(done.missing) == 2
    assert last.evidence_id is not None


def test_pact__wrong_signing_passwords_lock_the_account_as_at_sign_in(
    app: Flask, session: Session, team: dict[str, Any]
) -> None:
    pact = pact_in_signing(app, session, team, team["secretariat"])
    url = f"/pacts/{pact.id}"
    head = _as(app, team["heads"][1].login)
    limit = int(app.config["LOGIN_MAX_FAILURES"])
    for _ in range(limit - 1):
        assert submit(head, f"{url}/sign", {"password": "guess"}, page=url).status_code == 422
    locked = submit(head, f"{url}/sign", {"password": "guess"}, page=url)
    assert locked.status_code == 401 and "locked" in locked.get_data(as_text=True)
    # locked now: even the right password neither signs nor signs in
    again = submit(head, f"{url}/sign", {"password": PASSWORD}, page=url)
    assert again.status_code == 401
    assert _state(session, pact.id or 0) == "signing"
    fresh = app.test_client()
    page = submit(fresh, "/login", {"login": team["heads"][1].login, "password": PASSWORD},
                  page="/login")  # fmt: skip
    assert page.status_code == 401
    # the waits hold this login from this address only: from elsewhere the head signs in
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    page = submit(elsewhere, "/login", {"login": team["heads"][1].login, "password": PASSWORD},
                  page="/login")  # fmt: skip
    assert page.status_code == 302


def test_pact__a_head_with_two_step_sign_in_signs_with_the_code(
    app: Flask, session: Session, team: dict[str, Any]
) -> None:
    from datetime import UTC, timedelta

    import pyotp

    from wflow.accounts import second_factor
    from wflow.clock import set_clock, utcnow
    from wflow.pacts import service as pacts

    moment = [utcnow()]
    set_clock(lambda: moment[0])  # the app's codes follow wflow's clock, moved by the test
    try:
        pact = pact_in_signing(app, session, team, team["secretariat"])
        url, head_user = f"/pacts/{pact.id}", team["heads"][1]

        def code() -> str:
            moment[0] += timedelta(seconds=30)  # a new code every time, as the app shows
            return pyotp.TOTP(secret).at(moment[0].replace(tzinfo=UTC))

        with app.app_context():
            secret = second_factor.begin(session, head_user)
            second_factor.confirm(session, head_user, code())
        head = app.test_client()
        sign_in(head, head_user.login)
        assert submit(head, "/login/code", {"code": code()}, page="/login/code").status_code == 302
        assert 'name="code"' in head.get(url).get_data(as_text=True)  # the form asks for it
        missing = submit(head, f"{url}/sign", {"password": PASSWORD}, page=url)
        assert missing.status_code == 422
        assert "authenticator app" in missing.get_data(as_text=True)
        with app.app_context():
            assert len(pacts.progress(session, pact).signed) == 0  # nothing was signed
        signed = submit(head, f"{url}/sign", {"password": PASSWORD, "code": code()}, page=url)
        assert signed.status_code in (302, 303)
        session.expire_all()
        with app.app_context():
            assert len(pacts.progress(session, pact).signed) == 1
    finally:
        set_clock(None)


def test_pact__the_page_names_positions_in_the_reader_s_language(
    app: Flask, session: Session, team: dict[str, Any]
) -> None:
    pact = pact_in_signing(app, session, team, team["secretariat"])
    page = _as(app, team["heads"][1].login).get(f"/pacts/{pact.id}").get_data(as_text=True)
    assert "<td>Leader</td>" in page and "<td>Deputy</td>" in page and "<td>Member</td>" in page
    assert "Trưởng khối" not in page and "Thành viên" not in page  # the PDF prints those

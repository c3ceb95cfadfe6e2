"""Files a transaction writes reach the store only when it commits; leftovers are settled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlmodel import Session, col, select

from tests.dbs import DemoBuild
from wflow.clock import utcnow
from wflow.core import installation
from wflow.core.blobs import store_on_commit
from wflow.core.uow import unit_of_work
from wflow.pacts.models import Document

PDF = b"%PDF-1.7\n% a signed revision, say\n%%EOF\n"


def _place(sha: str) -> str:
    return f"documents/{sha}.pdf"


def test_staging__a_rolled_back_unit_stores_nothing_a_committed_one_stores(
    app: Flask, session: Session
) -> None:
    blobs = installation.of(session).blobs
    with pytest.raises(RuntimeError), unit_of_work(session):
        sha, relative = store_on_commit(session, blobs, PDF, _place)
        assert blobs.read(relative, sha, "the revision") == PDF  # the unit reads its own file
        assert not (blobs.root / relative).exists()  # but nobody else finds it in the store
        raise RuntimeError("the signature is refused after all")
    assert not (blobs.root / relative).exists()
    assert list(blobs.leftovers()) == [] and not any((blobs.root / ".staging").iterdir())
    with unit_of_work(session):
        sha, relative = store_on_commit(session, blobs, PDF, _place)
    assert (blobs.root / relative).read_bytes() == PDF
    assert not any((blobs.root / ".staging").iterdir())


def test_staging__tick_stores_what_a_record_names_and_deletes_the_rest(
    app: Flask, demo: DemoBuild, runner: FlaskCliRunner, session: Session
) -> None:
    blobs = installation.of(session).blobs
    doc = session.exec(select(Document).order_by(col(Document.id))).first()
    assert doc is not None
    stored = blobs.root / doc.path
    body = stored.read_bytes()
    stored.unlink()  # a process killed after its commit, before moving the file
    lost = blobs.stage(body, lambda _sha: doc.path)
    orphan = blobs.stage(b"%PDF-1.7 never committed", _place)  # killed before its commit
    for staged in (lost, orphan):  # as another process leaves them: nobody waits for them
        blobs._forget(staged)
    # its record is committed: readers and the audit find the file where it waits
    assert blobs.read(doc.path, doc.sha256, "the document") == body
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    soon = runner.invoke(args=["tick", "--now", utcnow().isoformat()])
    assert soon.exit_code == 0 and "staging:" not in soon.output  # may still be committing
    later = (utcnow() + timedelta(minutes=11)).isoformat()
    swept = runner.invoke(args=["tick", "--now", later])
    assert swept.exit_code == 0, swept.output
    assert "staging: 1 file(s) stored, 1 deleted" in swept.output
    assert stored.read_bytes() == body and not orphan.path.exists() and not lost.path.exists()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0

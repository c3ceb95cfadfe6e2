"""Definition versions: store each loaded version's text, reload the ones instances still use."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from wflow.clock import utcnow
from wflow.engine.definition import Definition
from wflow.engine.registry import Registry
from wflow.engine.runtime_errors import VersionConflict
from wflow.engine.statements import INST
from wflow.engine.tables import WfDefinition

Parse = Callable[[str, str, Registry], Definition]

D: sa.Table = WfDefinition.__table__  # type: ignore[attr-defined]


def sha256_text(text: str) -> str:
    """Return the hex SHA-256 of a definition's source text."""
    return hashlib.sha256(text.encode()).hexdigest()


def store_versions(session: Session, definitions: list[Definition]) -> None:
    """Insert new (name, version) rows; refuse a changed text under an existing version."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # Servers starting together sync one after the other (until the caller commits):
        # without this, two first requests both insert a new version and one fails with 500.
        conn.exec_driver_sql("LOCK TABLE wf_definition IN SHARE ROW EXCLUSIVE MODE")
    stored = {
        (r.name, r.version): r.sha256
        for r in conn.execute(sa.select(D.c.name, D.c.version, D.c.sha256))
    }
    for d in definitions:
        digest = sha256_text(d.source)
        known = stored.get((d.name, d.version))
        if known is None:
            conn.execute(
                sa.insert(D),
                {"name": d.name, "version": d.version, "sha256": digest, "source": d.source,
                 "path": d.path, "created_at": utcnow()},
            )  # fmt: skip
        elif known != digest:
            where = d.path or d.name
            raise VersionConflict(
                f"{where}: workflow {d.name!r} changed but version {d.version} is already stored "
                f"with different content; bump `version:` to {d.version + 1} (running instances "
                f"keep version {d.version})."
            )


def load_used_versions(
    session: Session, loaded: set[tuple[str, int]], registry: Registry, parse: Parse
) -> list[Definition]:
    """Parse the stored text of every (name, version) instances use that is not loaded."""
    conn = session.connection()
    used = conn.execute(sa.select(INST.c.workflow, INST.c.version).distinct()).all()
    missing = sorted({(w, v) for w, v in used} - loaded)
    out: list[Definition] = []
    for name, version in missing:
        row = conn.execute(
            sa.select(D.c.source, D.c.path).where((D.c.name == name) & (D.c.version == version))
        ).first()
        if row is None:
            raise VersionConflict(
                f"instances use workflow {name!r} version {version}, whose text is not stored "
                "in wf_definition; restore the file with that version"
            )
        out.append(parse(row.source, f"{row.path or name} (stored v{version})", registry))
    return out

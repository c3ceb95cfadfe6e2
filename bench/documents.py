"""Benchmark the pact's documents: a 30-unit pact rendered, signed by every head, verified.

Usage: python bench/documents.py

Rows, each against a bare baseline doing the same work in one run:
- render: wflow's `render_pact_pdf` (template, anchors, 30 empty signature fields) against
  bare WeasyPrint writing the same HTML (same PDF variant), given what wflow has: fonts
  loaded once per process (one shared `FontConfiguration`) and the same local URL fetcher;
- signature: wflow's `keys.sign_for_unit` (the head's own key decrypted, the trust store,
  the CRL and the built-in TSA's token, the visible stamp, the DSS: PAdES B-LT) on the field
  of a unit, against a bare pyHanko signature of the same file doing the same work with the
  same key decrypted ahead (bench/pyhanko_peer.py, shared with bench/signatures.py);
- a head's own certificate, issued by the internal CA at their first signature (once per
  person, timed apart: the signatures above are by heads who have theirs);
- the head's password check before signing (`keys.confirm_signer`: Argon2 at the
  production parameters of `wflow.config`), reported apart, for information;
- verification: `keys.verify_document` of the 30-signature PDF (no baseline: a time).
Prints a table with ratios, targets and PASS/MISS; exits 0 either way.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
UNITS = 30
SIGN_SAMPLES = 7
PASSWORD = "bench-password-1"


def _best(fn: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Build a 30-unit block with a published plan and its pact, then time each step."""
    tmp = tempfile.mkdtemp(prefix="wflow-bench-")
    os.environ["WFLOW_INSTANCE_PATH"] = tmp
    from sqlmodel import Session
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    from bench.pyhanko_peer import bare_signer
    from tests.pacts.helpers import published_plan
    from wflow import create_app, db
    from wflow.clock import utcnow
    from wflow.core.access import current_year
    from wflow.documents import signing
    from wflow.documents.render import STATIC, LocalFetcher
    from wflow.org import service as org
    from wflow.org.models import Role
    from wflow.pacts import documents as docs
    from wflow.pacts import service as pacts
    from wflow.signatures import keys
    from wflow.workflow_setup import engine

    url = f"sqlite:///{tmp}/bench.sqlite3"
    # Argon2 at the production parameters (wflow.config), as a head's password is checked
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench"})
    argon2 = (app.config["ARGON2_TIME_COST"], app.config["ARGON2_MEMORY_KIB"])
    db.upgrade(url)
    with app.test_request_context(), Session(app.extensions["wflow.db"]) as s:
        units = [
            org.create_unit(s, code=f"DV{i:02d}", name=f"Đơn vị thành viên số {i} tỉnh Hà Tĩnh",
                            kind="socio_political")
            for i in range(UNITS)
        ]  # fmt: skip
        heads = [
            org.create_user(s, login=f"head{i:02d}", display_name=f"Thủ trưởng {i}",
                            password=PASSWORD, unit_id=u.id, roles=[Role.UNIT_HEAD.value])
            for i, u in enumerate(units)
        ]  # fmt: skip
        secretariat = org.create_user(s, login="secretariat", display_name="Ban Thi đua",
                                      password=PASSWORD, unit_id=None,
                                      roles=[Role.SECRETARIAT.value])  # fmt: skip
        block = org.create_block(s, name="Khối thi đua thử nghiệm", code="KBENCH",
                                 year=current_year(), member_ids=[u.id or 0 for u in units],
                                 leader_id=units[0].id, deputy_id=units[1].id)  # fmt: skip
        keys.ensure_unit_certificates(s)
        plan = published_plan(s, heads[0], secretariat, block)
        pact = pacts.prepare_pact(s, engine(), user=heads[0], plan=plan)
        today = utcnow().date()

        html, _signers = docs.pact_html(s, pact, today)
        base_url = STATIC.as_uri() + "/"
        fonts = FontConfiguration()  # shared across calls, as wflow's renderer does
        bare_render = _best(  # laid out with the shared fonts, then written (as wflow does)
            lambda: (
                HTML(string=html, base_url=base_url, url_fetcher=LocalFetcher())
                .render(font_config=fonts)
                .write_pdf(pdf_variant=docs.PDF_VARIANT)
            )
        )
        ours_render = _best(lambda: docs.render_pact_pdf(s, pact, today))

        pacts.open_signing(s, engine(), user=heads[0], pact=pact)
        s.refresh(pact)
        base = docs.read_document(s, pacts.current_document(s, pact))  # type: ignore[arg-type]
        signer_order = {sg.unit_id: sg for sg in pacts.signers(s, pact)}

        proof = keys.signature_proof(s)  # the same TSA, trust roots and CRL for the baseline
        issue_times, bare_times, ours_times, check_times = [], [], [], []
        peers = []
        for i in range(SIGN_SAMPLES):  # each head's own certificate, issued at a first signature
            start = time.perf_counter()
            key, cert, chain = keys.signing_identity(s, units[i], user=heads[i])
            issue_times.append(time.perf_counter() - start)
            stamp = signing.Stamp(units[i].name, heads[i].display_name, utcnow())
            peers.append(bare_signer(key, cert, chain, field=docs.field_name(units[i].id or 0),
                                     lines=stamp.lines(), proof=proof))  # fmt: skip

        def ours_sign(i: int) -> bytes:
            field = docs.field_name(units[i].id or 0)
            return keys.sign_for_unit(s, heads[i], units[i], base, field, None)

        peers[0](base), ours_sign(0)  # warm up: fonts, pyHanko's imports, the CRL and TSA files
        for i in range(SIGN_SAMPLES):  # interleaved, so a slow moment of the machine hits both
            start = time.perf_counter()
            peers[i](base)
            bare_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            keys.confirm_signer(s, heads[i], PASSWORD)
            check_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            ours_sign(i)
            ours_times.append(time.perf_counter() - start)
        assert len(signer_order) == UNITS

        start = time.perf_counter()
        for head in heads:
            pacts.sign_pact(s, engine(), user=head, pact=pact, password=PASSWORD)
        ceremony = time.perf_counter() - start
        s.refresh(pact)
        final = docs.read_document(s, pacts.current_document(s, pact))  # type: ignore[arg-type]
        start = time.perf_counter()
        reports = keys.verify_document(s, final)
        verify_time = time.perf_counter() - start
        ok = sum(1 for r in reports if r.ok)

    bare_sig, ours_sig = statistics.median(bare_times), statistics.median(ours_times)
    password_check = statistics.median(check_times)
    first_issue = statistics.median(issue_times)
    rows = [
        ("render (30 boxes)", ours_render, bare_render, 1.2),
        ("signature (median)", ours_sig, bare_sig, 1.5),
    ]
    print(f"wflow documents bench, {UNITS}-unit pact, PDF variant {docs.PDF_VARIANT}, "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")  # fmt: skip
    print(f"{'step':<28}{'wflow s':>10}{'bare s':>10}{'ratio':>8}{'target':>8}  result")
    for name, ours, bare, target in rows:
        ratio = ours / bare
        verdict = "PASS" if ratio <= target else "MISS"
        print(f"{name:<28}{ours:>10.3f}{bare:>10.3f}{ratio:>7.2f}x{target:>7.1f}x  {verdict}")
    print(
        f"{'password check (Argon2)':<28}{password_check:>10.3f}{'-':>10}{'-':>8}{'-':>8}  "
        f"t={argon2[0]}, m={argon2[1] // 1024} MiB (production), before each signature"
    )
    print(f"{'first signature: own cert.':<28}{first_issue:>10.3f}{'-':>10}{'-':>8}{'-':>8}  "
          f"issued at their first signature (once per person)")  # fmt: skip
    print(f"{'verification (30 sigs)':<28}{verify_time:>10.3f}{'-':>10}{'-':>8}{'-':>8}  "
          f"{ok}/{len(reports)} ok")  # fmt: skip
    print(f"{'ceremony: 30 sign_pact':<28}{ceremony:>10.3f}{'-':>10}{'-':>8}{'-':>8}  "
          f"{ceremony / UNITS:.3f} s per head, incl. store + fire + evidence")  # fmt: skip
    print(f"final PDF: {len(final) / 1024:.0f} KiB")

    from bench.table import row, write_results

    results = [row(name, ours, "s", baseline=bare, target=f"<= {target:.1f}x",
                   passed=ours / bare <= target)
               for name, ours, bare, target in rows]  # fmt: skip
    results.append(
        row(
            f"password check before signing (Argon2 t={argon2[0]}, "
            f"m={argon2[1] // 1024} MiB, production)",
            password_check,
            "s",
        )
    )
    results.append(row("a head's own certificate, issued at their first signature (once)",
                       first_issue, "s"))  # fmt: skip
    results.append(row(f"verification ({len(reports)} signatures, {ok} ok)", verify_time, "s"))
    results.append(row(f"ceremony: {UNITS} sign_pact", ceremony, "s"))
    write_results("documents", results)


if __name__ == "__main__":
    main()
    sys.exit(0)

"""Benchmark a lasting signature (PAdES B-LT): timestamp and embedded revocation data.

Usage: python bench/signatures.py

Rows, each against a bare baseline doing the same work in one run:
- B-LT signature: wflow's `keys.sign_for_unit` (key and TSA key decryption, trust store,
  CRL, the built-in TSA's RFC 3161 token, visible stamp, DSS update) on a WeasyPrint PDF,
  against a bare pyHanko signature of the same PDF with the same key (decrypted ahead) and
  the same visible stamp (text and font, pyHanko's own font engine), timestamped by the same
  in-process TSA and embedding the same CRL in the DSS, with wflow's signer and timestamper
  classes (bench/pyhanko_peer.py, shared with bench/documents.py);
- bare pyHanko signatures without the stamp, and without timestamp or DSS (no target: what
  the stamp and B-LT cost).
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
SAMPLES = 7
TARGET = 1.5


def _median(fn: Callable[[], object], runs: int = SAMPLES) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    """Make a unit with a certificate, then time wflow's and bare pyHanko's B-LT signatures."""
    tmp = tempfile.mkdtemp(prefix="wflow-bench-")
    os.environ["WFLOW_INSTANCE_PATH"] = tmp
    from sqlmodel import Session
    from weasyprint import HTML

    from bench.pyhanko_peer import bare_signer
    from wflow import create_app, db
    from wflow.documents import signing
    from wflow.org import service as org
    from wflow.org.models import Role
    from wflow.signatures import keys

    url = f"sqlite:///{tmp}/bench.sqlite3"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench",
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024})  # fmt: skip
    db.upgrade(url)
    html = ("<html lang='vi'><style>@page{size:A4}</style><h1>Giao ước thi đua năm 2026</h1>"
            + "<p>Các đơn vị ký tên dưới đây cam kết thực hiện.</p>" * 40 + "</html>")  # fmt: skip
    pdf = HTML(string=html).write_pdf()
    box = (50, 60, 220, 150)
    with app.test_request_context(), Session(app.extensions["wflow.db"]) as s:
        unit = org.create_unit(s, code="DV01", name="Tỉnh Đoàn Hà Tĩnh", kind="socio_political")
        head = org.create_user(s, login="head01", display_name="Nguyễn Văn An",
                               password="bench-password-1", unit_id=unit.id,
                               roles=[Role.UNIT_HEAD.value])  # fmt: skip
        keys.ensure_unit_certificates(s)
        key, cert, chain = keys.signing_identity(s, unit)
        proof = keys.signature_proof(s)  # the same TSA, trust roots and CRL for the baseline

        lines = signing.Stamp(unit.name, head.display_name, datetime.now(UTC)).lines()
        bare = bare_signer(key, cert, chain, field="sig", lines=lines, proof=proof, box=box)

        def bare_lt() -> bytes:
            return bare(pdf)

        def bare_unstamped_lt() -> bytes:
            return bare(pdf, stamp=False)

        def bare_plain_sig() -> bytes:
            return bare(pdf, with_proof=False, stamp=False)

        def ours() -> bytes:
            return keys.sign_for_unit(s, head, unit, pdf, "sig", box, page=0)

        for _ in range(2):  # warm up: fonts, pyHanko's imports, the CRL and TSA files
            bare_lt(), bare_unstamped_lt(), bare_plain_sig(), ours()
        bare_lt_times, bare_unstamped, bare_plain, ours_lt = [], [], [], []
        for _ in range(SAMPLES):  # interleaved, so a slow moment of the machine hits them all
            bare_lt_times.append(_median(bare_lt, 1))
            bare_unstamped.append(_median(bare_unstamped_lt, 1))
            bare_plain.append(_median(bare_plain_sig, 1))
            ours_lt.append(_median(ours, 1))
        signed = ours()
        reports = keys.verify_document(s, signed)
        lasting = all(r.check.timestamp and r.check.long_term and r.ok for r in reports)

    ours_s, bare_s = statistics.median(ours_lt), statistics.median(bare_lt_times)
    plain_s, unstamped_s = statistics.median(bare_plain), statistics.median(bare_unstamped)
    ratio = ours_s / bare_s
    verdict = "PASS" if ratio <= TARGET else "MISS"
    print(f"wflow signatures bench (PAdES B-LT, RSA 2048, built-in TSA), median of {SAMPLES}, "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")  # fmt: skip
    print(f"{'step':<34}{'wflow s':>10}{'bare s':>10}{'ratio':>8}{'target':>8}  result")
    print(f"{'B-LT signature (TSA + DSS)':<34}{ours_s:>10.3f}{bare_s:>10.3f}{ratio:>7.2f}x"
          f"{TARGET:>7.1f}x  {verdict}")  # fmt: skip
    print(f"{'bare B-LT signature, no stamp':<34}{unstamped_s:>10.3f}{'-':>10}{'-':>8}{'-':>8}")
    print(f"{'bare signature, no TSA/DSS/stamp':<34}{plain_s:>10.3f}{'-':>10}{'-':>8}{'-':>8}")
    print(f"signed file verifies with timestamp and revocation data: {'yes' if lasting else 'NO'}")

    from bench.table import row, write_results

    write_results("signatures", [
        row("B-LT signature (timestamp + DSS)", ours_s, "s", baseline=bare_s,
            target=f"<= {TARGET:.1f}x", passed=ratio <= TARGET),
        row("bare pyHanko B-LT signature without the stamp", unstamped_s, "s"),
        row("bare pyHanko signature: no timestamp, DSS or stamp", plain_s, "s"),
    ])  # fmt: skip


if __name__ == "__main__":
    main()
    sys.exit(0)

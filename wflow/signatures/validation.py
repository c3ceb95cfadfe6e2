"""The validation report: a PDF, per verified file, of what each signature's checks found.

It is made from the uploaded bytes in the request that checks them: nothing is stored. The
report is in Vietnamese, like every document wflow prints.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from wflow.clock import utcnow
from wflow.documents import pki
from wflow.documents.render import render_pdf
from wflow.signatures import keys, trust

TITLE = "Báo cáo kiểm tra chữ ký số"


@dataclass(frozen=True)
class Line:
    """One signature as the report prints it: every value already in words."""

    signer: str
    certificate: str
    capacity: str
    signed_at: datetime | None
    time_source: str
    trust_root: str
    revocation: str
    coverage: str
    verdict: str
    fingerprint: str


def _signer(r: keys.SignatureReport) -> str:
    c = r.check
    who = c.signer_name or c.subject or f"Chữ ký hỏng ({c.field})"
    return f"{who} — {r.unit.name} ({r.unit.code})" if r.unit else who


def _time_source(r: keys.SignatureReport) -> str:
    if r.check.timestamp is not None:
        return "Tổ chức cấp dấu thời gian (TSA), đã kiểm tra"
    if r.check.signed_at is not None:
        return "Đồng hồ của người ký (không được bảo đảm)"
    return "Không có"


def _revocation(r: keys.SignatureReport) -> str:
    if r.revoked_before:
        return "Chứng thư đã bị thu hồi trước khi ký"
    if r.revoked:
        return "Chứng thư bị thu hồi sau dấu thời gian: chữ ký vẫn hợp lệ"
    if r.registered is None:
        state = "Không có trong sổ chứng thư của hệ thống"
    else:
        state = "Chưa bị thu hồi"
    if r.check.long_term:
        return f"{state}; dữ liệu thu hồi được nhúng trong tệp (PAdES B-LT)"
    return state


def _coverage(r: keys.SignatureReport) -> str:
    c = r.check
    if c.whole_file:
        return "Toàn bộ tài liệu"
    if c.modified_after:
        return "Đến phiên bản đã ký; tài liệu bị sửa đổi sau khi ký"
    if not c.intact:
        return "Không xác định (nội dung đã ký bị thay đổi)"
    return "Đến phiên bản đã ký; các phiên bản sau chỉ thêm chữ ký"


def lines(reports: Sequence[keys.SignatureReport], roots: Sequence[trust.Root]) -> list[Line]:
    """Return a line per signature, naming the trusted root its certificate chains to."""
    root_names = {pki.fingerprint(root.certificate): root.name for root in roots}
    found = []
    for r in reports:
        c = r.check
        root = root_names.get(c.root_fingerprint, "") if r.trusted else ""
        found.append(Line(
            signer=_signer(r),
            certificate=c.subject or "—",
            capacity=c.reason or "Không ghi nhận",
            signed_at=c.timestamp or c.signed_at,
            time_source=_time_source(r),
            trust_root=root or "Không thuộc nguồn tin cậy nào của hệ thống",
            revocation=_revocation(r),
            coverage=_coverage(r),
            verdict="Hợp lệ" if r.ok else "Không hợp lệ",
            fingerprint=pki.format_fingerprint(c.fingerprint) if c.fingerprint else "—",
        ))  # fmt: skip
    return found


def report_pdf(
    session: Session,
    data: bytes,
    reports: Sequence[keys.SignatureReport],
    *,
    file_name: str,
    zone: str,
) -> bytes:
    """Return the validation report of a checked file as PDF (its bytes are not kept)."""
    roots = trust.roots(session, keys.key_store(session))
    context = {
        "lines": lines(reports, roots),
        "file_name": file_name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "checked_at": utcnow(),
        "zone": zone,
        "all_ok": bool(reports) and all(r.ok for r in reports),
    }
    return render_pdf("pdf/validation_report.html", context, title=TITLE)

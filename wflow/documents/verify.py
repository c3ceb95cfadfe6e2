"""Verification of a PDF's signatures (pyHanko), with guards against hostile files.

The checks here know certificates, not units: the registry match is the services' job.
A signature with a trusted timestamp is judged at that time, with the revocation data the
file's DSS holds and the CRLs given (offline: nothing is fetched), so a certificate revoked
or expired since the timestamp leaves it valid (PAdES B-LT).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.decode_limits import DecodeLimits
from pyhanko.pdf_utils.misc import PdfDecodeLimitError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, ModificationLevel
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator import ValidationContext

from wflow.documents.pki import common_name, fingerprint, naive_utc

OBJ_RE = re.compile(rb"\d{1,10}\s+\d{1,5}\s+obj\b")
OBJSTM_N_RE = re.compile(
    rb"/Type\s*/ObjStm\b[^>]*?/N\s+(\d{1,10})|/N\s+(\d{1,10})[^>]*?/Type\s*/ObjStm\b"
)
# "stream" then CRLF or LF (ISO 32000 7.3.8.1); a lone CR too, as lenient readers take it
STREAM_RE = re.compile(rb"\bstream(?:\r\n|\n|\r)")
BOMB = "the PDF decompresses to too much data (a PDF bomb?)"
INFLATE_PIECE = 1024 * 1024  # inflate in pieces: the check itself must not use much memory
# Either usage will do (pyHanko's default insists on non-repudiation).
SIGNING_USAGE = KeyUsageConstraints(
    key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False
)


class BadDocument(ValueError):
    """A file refused before or while reading it (the message is one line for people)."""


@dataclass(frozen=True)
class Limits:
    """How large and how complex a PDF may be before it is refused unread."""

    max_bytes: int = 15 * 1024 * 1024
    max_objects: int = 100_000
    max_pages: int = 2_000
    max_inflated: int = 128 * 1024 * 1024  # all Flate streams together, decompressed


@dataclass(frozen=True)
class SignatureCheck:
    """What one signature of a PDF says about itself, its integrity and its trust."""

    field: str
    signer_name: str  # the /Name of the signature, else the certificate's common name
    subject: str  # the certificate's common name
    fingerprint: str  # SHA-256 of the signing certificate
    signed_at: datetime | None  # time claimed by the signer (naive UTC)
    intact: bool  # the signed bytes are unchanged
    valid: bool  # intact and the cryptographic signature verifies
    trusted: bool  # the certificate chains to a trusted root
    modified_after: bool  # an update other than later signatures follows this signature
    whole_file: bool  # the signature covers the whole file (but validation data added since)
    modification: str  # pyHanko's verdict on later updates (NONE, FORM_FILLING, ...)
    certificate: x509.Certificate | None  # None when the signature's container is damaged
    timestamp: datetime | None = None  # the time a trusted TSA vouches for (naive UTC)
    long_term: bool = False  # timestamped, with revocation data embedded in the file (B-LT)
    reason: str = ""  # the /Reason the signature states (its capacity or purpose), if any
    root_fingerprint: str = ""  # SHA-256 of the trusted root its certificate chains to


def precheck(data: bytes, limits: Limits) -> None:
    """Refuse what is not a PDF, too large, or too complex to read safely (a "PDF bomb")."""
    if len(data) > limits.max_bytes:
        raise BadDocument(f"the file is larger than {limits.max_bytes // (1024 * 1024)} MB")
    if b"%PDF-" not in data[:1024]:
        raise BadDocument("not a PDF file")
    objects = len(OBJ_RE.findall(data))
    for found in OBJSTM_N_RE.finditer(data):
        objects += int(found.group(1) or found.group(2))
    if objects > limits.max_objects:
        raise BadDocument(f"the PDF has too many objects (more than {limits.max_objects})")
    _check_inflation(data, limits.max_inflated)


def _check_inflation(data: bytes, budget: int) -> None:
    """Inflate every Flate stream piece by piece, refusing when the total exceeds `budget`."""
    total = 0
    for found in STREAM_RE.finditer(data):
        start = found.end()
        end = data.find(b"endstream", start)
        if end < 0:
            break
        inflater = zlib.decompressobj()
        pending = data[start:end]
        try:
            while pending and not inflater.eof:
                total += len(inflater.decompress(pending, INFLATE_PIECE))
                if total > budget:
                    raise BadDocument(BOMB)
                pending = inflater.unconsumed_tail
        except zlib.error:
            continue  # not Flate (or encrypted): pyHanko does not inflate it either


def open_pdf(data: bytes, limits: Limits) -> PdfFileReader:
    """Return a reader over `data` after the safety checks; BadDocument when unreadable."""
    precheck(data, limits)
    try:
        # pyHanko's own bounds on decoding (per stream, stacked filters, whole document)
        # guard what the precheck cannot see, e.g. streams compressed twice.
        untrusted = DecodeLimits.for_untrusted_input()
        reader = PdfFileReader(BytesIO(data), strict=False, decode_limits=untrusted)
        if reader.encrypted:
            raise BadDocument("encrypted PDFs are not supported")
        pages = reader.root["/Pages"].get("/Count", 0)
        count = int(pages) if isinstance(pages, int) else 0
    except BadDocument:
        raise
    except PdfDecodeLimitError:
        raise BadDocument(BOMB) from None
    except Exception as exc:  # a malformed file may fail anywhere in the parser
        raise BadDocument(f"the PDF cannot be read ({type(exc).__name__})") from exc
    if count > limits.max_pages:
        raise BadDocument(f"the PDF has too many pages (more than {limits.max_pages})")
    return reader


def _to_crypto(cert: asn1_x509.Certificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(cert.dump())


@dataclass(frozen=True)
class _Trust:
    """What signatures are checked against: roots, CRLs given, and the file's DSS."""

    roots: Sequence[x509.Certificate]
    crls: Sequence[x509.CertificateRevocationList]
    dss: DocumentSecurityStore | None

    @property
    def has_revocation_data(self) -> bool:
        """Tell whether the file's DSS holds CRLs or OCSP responses."""
        return self.dss is not None and bool(self.dss.crls or self.dss.ocsps)

    def context(self, moment: datetime | None = None) -> ValidationContext:
        """Return a fresh offline validation context, at `moment` (the timestamp) if given."""
        kwargs: dict[str, Any] = {
            "trust_roots": [
                asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
                for c in self.roots
            ],
            "crls": [c.public_bytes(serialization.Encoding.DER) for c in self.crls],
            "allow_fetching": False,
            "revocation_mode": "soft-fail",
        }
        if moment is not None:
            kwargs.update(moment=moment, retroactive_revinfo=True)
        if self.dss is None:
            return ValidationContext(**kwargs)
        return self.dss.as_validation_context(kwargs)


def _read_dss(reader: PdfFileReader) -> DocumentSecurityStore | None:
    try:
        return DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return None


def _validation_only(reader: PdfFileReader, revision: int) -> bool:
    """Tell whether a revision only adds validation data (DSS, document timestamps)."""
    if revision == 0:
        return False
    try:
        result = DEFAULT_DIFF_POLICY.apply(
            reader.get_historical_resolver(revision - 1), reader.get_historical_resolver(revision)
        )
    except PdfDecodeLimitError:
        raise
    except Exception:  # a suspicious or unreadable change is no validation data
        return False
    return bool(result.modification_level <= ModificationLevel.LTA_UPDATES)


def verify_pdf(
    data: bytes,
    trust_roots: Sequence[x509.Certificate],
    limits: Limits | None = None,
    crls: Sequence[x509.CertificateRevocationList] = (),
) -> list[SignatureCheck]:
    """Return a check per signature of the PDF, in signing order (BadDocument if unreadable).

    A signature whose own container cannot be parsed is still a signature of a readable PDF:
    its check says invalid and names its field; the others are checked as usual. Updates that
    only add validation data (the DSS) do not count as modifications.
    """
    reader = open_pdf(data, limits or Limits())
    try:
        found = [
            _embedded(reader, name, obj, field) for name, obj, field in _signature_fields(reader)
        ]
        found.sort(key=lambda pair: pair[0])
        signature_revisions = {revision for revision, _sig in found}
        total = reader.xrefs.total_revisions
        harmless = signature_revisions | {
            r for r in range(total) if r not in signature_revisions and _validation_only(reader, r)
        }
        trust = _Trust(trust_roots, crls, _read_dss(reader))
        checks = []
        for revision, sig in found:
            if isinstance(sig, _Damaged):
                checks.append(_damaged(sig))
                continue
            if sig.sig_object_type != "/Sig":  # document timestamps are not signatures
                continue
            later = range(revision + 1, total)
            unsigned_later = any(r not in harmless for r in later)
            only_validation_later = all(r in harmless and r not in signature_revisions
                                        for r in later)  # fmt: skip
            try:
                checks.append(_check(sig, trust, unsigned_later, only_validation_later))
            except PdfDecodeLimitError:
                raise
            except Exception as exc:  # the signer info or certificates inside are damaged
                checks.append(_damaged(_Damaged(str(sig.field_name), exc)))
    except BadDocument:
        raise
    except PdfDecodeLimitError:
        raise BadDocument(BOMB) from None
    except Exception as exc:  # a malformed signature dictionary, a broken xref ...
        raise BadDocument(f"the PDF's signatures cannot be read ({type(exc).__name__})") from exc
    return checks


@dataclass(frozen=True)
class _Damaged:
    """A signature field whose signature container cannot be parsed."""

    field_name: str
    error: Exception


def _signature_fields(reader: PdfFileReader) -> list[tuple[str, Any, Any]]:
    """Return (name, signature object, field) of every filled signature field."""
    return list(enumerate_sig_fields(reader, filled_status=True))


def _embedded(
    reader: PdfFileReader, name: str, sig_obj: Any, field: Any
) -> tuple[int, EmbeddedPdfSignature | _Damaged]:
    """Return the signature of a field with the revision it was signed in (or it is damaged)."""
    revision = reader.xrefs.get_last_change(sig_obj.reference)
    try:
        return revision, EmbeddedPdfSignature(reader, field, name)
    except PdfDecodeLimitError:
        raise
    except Exception as exc:  # its CMS container does not parse
        return revision, _Damaged(name, exc)


def _damaged(sig: _Damaged) -> SignatureCheck:
    """Return the verdict on a signature whose container cannot be parsed: invalid, named."""
    return SignatureCheck(
        field=sig.field_name,
        signer_name="",
        subject="",
        fingerprint="",
        signed_at=None,
        intact=False,
        valid=False,
        trusted=False,
        modified_after=False,
        whole_file=False,
        modification=f"ERROR: damaged signature container ({type(sig.error).__name__})",
        certificate=None,
    )


def _check(
    sig: EmbeddedPdfSignature, trust: _Trust, unsigned_later: bool, only_validation_later: bool
) -> SignatureCheck:
    cert = _to_crypto(sig.signer_cert)
    stamped: datetime | None = None
    try:
        status = validate_pdf_signature(sig, trust.context(), key_usage_settings=SIGNING_USAGE)
        token = status.timestamp_validity
        if token is not None and token.intact and token.valid and token.trusted:
            stamped = token.timestamp
            if not status.trusted:  # revoked or expired since: judge it at the trusted time
                status = validate_pdf_signature(
                    sig, trust.context(stamped), key_usage_settings=SIGNING_USAGE
                )
        intact, valid, trusted = status.intact, status.valid, status.trusted
        level = status.modification_level
        modification = level.name if level is not None else "UNKNOWN"
        coverage = status.coverage.name if status.coverage is not None else ""
        whole = coverage == "ENTIRE_FILE" or (
            coverage == "ENTIRE_REVISION" and only_validation_later
        )
        docmdp_ok = status.docmdp_ok is not False
        root = _root_fingerprint(status.validation_path) if trusted else ""
    except (SignatureValidationError, ValueError) as exc:  # unreadable CMS, bad byte range
        intact = valid = trusted = whole = False
        root = ""
        modification, docmdp_ok = f"ERROR: {type(exc).__name__}", False
    name = sig.sig_object.get("/Name")
    reason = sig.sig_object.get("/Reason")
    claimed = sig.self_reported_timestamp
    return SignatureCheck(
        field=str(sig.field_name),
        signer_name=str(name) if isinstance(name, generic.TextStringObject | str) else "",
        subject=common_name(cert),
        fingerprint=fingerprint(cert),
        signed_at=naive_utc(claimed) if claimed else None,
        intact=intact,
        valid=valid,
        trusted=trusted,
        modified_after=unsigned_later or not docmdp_ok or modification == "OTHER",
        whole_file=whole,
        modification=modification,
        certificate=cert,
        timestamp=naive_utc(stamped) if stamped else None,
        long_term=stamped is not None and trust.has_revocation_data,
        reason=str(reason) if isinstance(reason, generic.TextStringObject | str) else "",
        root_fingerprint=root,
    )


def _root_fingerprint(path: Any) -> str:
    """Return the SHA-256 of a validation path's trust anchor ("" when it has no certificate)."""
    try:
        return fingerprint(_to_crypto(path[0])) if path is not None else ""
    except (IndexError, LookupError, ValueError, TypeError):
        return ""

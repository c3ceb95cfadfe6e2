"""PAdES signing (pyHanko): an incremental update with a visible stamp in a named field.

Each signature is appended after the bytes already there, so earlier signatures stay valid.
With a `Proof` the signature is PAdES B-LT: an RFC 3161 timestamp in the signature, then an
update adding the chains' certificates and revocation data to the document security store
(DSS), so the file validates offline once the certificates have expired or been revoked.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import textwrap
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from asn1crypto import cms, core
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import AsymmetricPadding, PKCS1v15
from fontTools import ttLib
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError, as_signing_certificate
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.timestamps.requests_client import HTTPTimeStamper
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

from wflow.documents.pki import Bundle, PrivateKey

FONT = Path(__file__).resolve().parent.parent / "static" / "fonts" / "LiberationSerif-Regular.ttf"
SIGNED_MARK = "Đã ký số"  # "digitally signed", printed on every stamp
STAMP_WIDTH = 48  # characters per stamp line before wrapping

Box = tuple[float, float, float, float]


class SigningFailed(ValueError):
    """The PDF could not be signed (not a PDF, field already signed, bad box)."""


class _OfflineNotice(logging.Filter):
    """Drop pyHanko's notice that revocation data is embedded without fetching: by design."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record but that notice."""
        return "fetching is not allowed" not in record.getMessage()


logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_OfflineNotice())


@dataclass(frozen=True)
class Proof:
    """What makes a signature last: a timestamp authority and the revocation data to embed.

    `crls` are the CRLs known offline (the instance CA's); `fetch` lets pyHanko fetch what the
    certificates point to (only when the server may reach the Internet, e.g. an external TSA).
    """

    timestamper: TimeStamper
    trust_roots: Sequence[x509.Certificate]
    crls: Sequence[x509.CertificateRevocationList] = ()
    fetch: bool = False

    def context(self) -> ValidationContext:
        """Return the validation context the signer's and the TSA's chains are checked in."""
        return ValidationContext(
            trust_roots=[asn1_cert(c) for c in self.trust_roots],
            crls=[c.public_bytes(serialization.Encoding.DER) for c in self.crls],
            allow_fetching=self.fetch,
            revocation_mode="soft-fail",
        )


class LocalTimeStamper(DummyTimeStamper):
    """pyHanko's in-process RFC 3161 authority, signing its tokens with the key it was given.

    pyHanko's own parses the key again, with OpenSSL's RSA key check, for every token: about
    50 ms each, twice a signature (pyHanko stamps once to size the signature's room).
    """

    def __init__(self, tsa: Bundle) -> None:
        if not isinstance(tsa.key, rsa.RSAPrivateKey):  # RFC 3161 tokens here are RSA-signed
            raise SigningFailed("the time-stamping authority's key is not an RSA key")
        super().__init__(tsa_cert=asn1_cert(tsa.cert), tsa_key=_asn1_key(tsa.key),
                         certs_to_embed=certificate_store(tsa.chain))  # fmt: skip
        self._key = tsa.key

    def _sign_tst_info(
        self, tst_info_data: bytes, md_algorithm: str, dt: datetime
    ) -> tuple[bytes, cms.CMSAttributes]:
        """Return the token's signature and signed attributes, made with the held key."""
        hash_algo = get_pyca_cryptography_hash(md_algorithm)
        digest = hashes.Hash(hash_algo)
        digest.update(tst_info_data)
        attrs = cms.CMSAttributes([
            cms.CMSAttribute({"type": kind, "values": (value,)})
            for kind, value in (
                ("content_type", "tst_info"),
                ("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                ("signing_certificate", as_signing_certificate(self.tsa_cert)),
                ("message_digest", digest.finalize()),
            )
        ])  # fmt: skip
        return self._key.sign(attrs.dump(), PKCS1v15(), hash_algo), attrs


def local_timestamper(tsa: Bundle) -> TimeStamper:
    """Return the built-in time-stamping authority: RFC 3161 tokens made in process."""
    return LocalTimeStamper(tsa)


def http_timestamper(url: str, timeout: int = 10) -> TimeStamper:
    """Return a client of the external time-stamping authority at `url` (RFC 3161 over HTTP)."""
    return HTTPTimeStamper(url, timeout=timeout)  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class Stamp:
    """What the visible stamp says: unit, signer, time, and the "Đã ký số" mark."""

    unit_name: str
    signer_name: str
    when: datetime
    zone: str = "Asia/Ho_Chi_Minh"  # the installation's time zone (BABEL_DEFAULT_TIMEZONE)
    capacity: str = ""  # a delegate's capacity, e.g. "KT. BÍ THƯ" (Decree 30/2020, art. 8)

    def lines(self) -> list[str]:
        """Return the stamp's lines, NFC-normalised and wrapped to the stamp's width."""
        moment = self.when if self.when.tzinfo else self.when.replace(tzinfo=UTC)
        local = moment.astimezone(ZoneInfo(self.zone))
        raw = [
            SIGNED_MARK,
            self.unit_name,
            *([self.capacity] if self.capacity else []),
            self.signer_name,
            f"{local:%d/%m/%Y %H:%M} ({offset_label(local)})",  # as Vietnamese pages write it
        ]
        out: list[str] = []
        for line in raw:
            text = unicodedata.normalize("NFC", line.strip())
            out.extend(textwrap.wrap(text, STAMP_WIDTH) or [""])
        return out


def offset_label(moment: datetime) -> str:
    """Return an aware moment's offset from UTC as people read it: "GMT+7", "GMT+5:30"."""
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"GMT{sign}{hours}" + (f":{rest:02d}" if rest else "")


@functools.cache
def _font_bytes(path: str) -> bytes:
    font = ttLib.TTFont(path)
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    out = BytesIO()
    font.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class StampFont(GlyphAccumulatorFactory):
    """The stamp's embedded font, rescaled in memory to 1000 units per em.

    pyHanko writes glyph widths and kerning in font units, which PDF reads as thousandths
    of an em: right only for 1000-unit fonts (Liberation and DejaVu use 2048).
    """

    def create_font_engine(
        self, writer: BasePdfFileWriter, obj_stream: object = None
    ) -> GlyphAccumulator:
        """Return a glyph accumulator over the rescaled font."""
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            # pyHanko leaves prepare_object_stream unannotated
            obj_stream = writer.prepare_object_stream()  # type: ignore[no-untyped-call]
        return GlyphAccumulator(
            writer=writer,
            font_handle=BytesIO(_font_bytes(self.font_file)),
            font_size=self.font_size,
            obj_stream=obj_stream,
        )


def asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _asn1_key(key: PrivateKey) -> asn1_keys.PrivateKeyInfo:
    # The key is handed to pyHanko in memory only; it is never written or logged.
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return asn1_keys.PrivateKeyInfo.load(der)


def pdf_signer(
    signer: signers.Signer,
    *,
    field: str,
    stamp: Stamp,
    box: Box | None = None,
    page: int = -1,
    reason: str | None = None,
    location: str | None = None,
    proof: Proof | None = None,
    embed_validation: bool = True,
) -> signers.PdfSigner:
    """Return pyHanko's signer of one field: the PAdES metadata, the visible stamp, the field
    (created at `box` on `page` if absent) and, with `proof`, the timestamp and the DSS."""
    meta = signers.PdfSignatureMetadata(
        field_name=field,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        name=unicodedata.normalize("NFC", stamp.signer_name),
        reason=unicodedata.normalize("NFC", reason) if reason else SIGNED_MARK,
        location=unicodedata.normalize("NFC", location) if location else None,
        signer_key_usage={"digital_signature"},
        embed_validation_info=proof is not None and embed_validation,
        validation_context=proof.context() if proof is not None and embed_validation else None,
    )
    style = TextStampStyle(
        stamp_text="\n".join(line.replace("%", "%%") for line in stamp.lines()),
        text_box_style=TextBoxStyle(font=StampFont(str(FONT), font_size=9), font_size=9),
        border_width=1,
    )
    spec = None
    if box is not None:
        x1, y1, x2, y2 = (round(v) for v in box)
        if x2 <= x1 or y2 <= y1:
            raise SigningFailed("the signature box is empty")
        spec = fields.SigFieldSpec(sig_field_name=field, on_page=page, box=(x1, y1, x2, y2))
    return signers.PdfSigner(
        meta,
        signer=signer,
        stamp_style=style,
        new_field_spec=spec,
        timestamper=proof.timestamper if proof is not None else None,
    )


def certificate_store(chain: Sequence[x509.Certificate]) -> SimpleCertificateStore:
    """Return pyHanko's store of the issuers' certificates embedded with a signature."""
    certs = [asn1_cert(c) for c in chain]
    store: SimpleCertificateStore = SimpleCertificateStore.from_certs(certs)  # type: ignore[no-untyped-call]
    return store


class HeldKeySigner(signers.SimpleSigner):
    """pyHanko's signer with a key the server holds (in memory only), signing with that key.

    pyHanko's own parses the key again, with OpenSSL's RSA key check, for every signature it
    makes: about 50 ms each, twice a document (it signs once to size the signature's room).
    Instead, every signature made is verified with the certificate's public key before it is
    used, which catches what that check is for (a damaged key whose signatures would be
    wrong, or leak it) at a fraction of a millisecond.
    """

    def __init__(
        self, key: PrivateKey, cert: x509.Certificate, chain: Sequence[x509.Certificate]
    ) -> None:
        super().__init__(signing_cert=asn1_cert(cert), signing_key=_asn1_key(key),
                         cert_registry=certificate_store(chain))  # fmt: skip
        self._key, self._public = key, cert.public_key()

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        """Return the raw signature of `data` (RSA PKCS#1 v1.5 or PSS, or ECDSA), verified."""
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        key, public = self._key, self._public
        try:
            if isinstance(key, rsa.RSAPrivateKey) and isinstance(public, rsa.RSAPublicKey):
                pad: AsymmetricPadding = PKCS1v15()
                if mechanism.signature_algo == "rsassa_pss":
                    pad, hash_algo = process_pss_params(mechanism["parameters"])
                signature = key.sign(data, pad, hash_algo)
                public.verify(signature, data, pad, hash_algo)
            elif isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(
                public, ec.EllipticCurvePublicKey
            ):
                signature = key.sign(data, ec.ECDSA(hash_algo))
                public.verify(signature, data, ec.ECDSA(hash_algo))
            else:
                raise SigningFailed("the key and its certificate are not of one kind")
        except InvalidSignature:
            raise SigningFailed("the key does not match its certificate") from None
        return bytes(signature)


def simple_signer(
    key: PrivateKey, cert: x509.Certificate, chain: Sequence[x509.Certificate]
) -> signers.SimpleSigner:
    """Return pyHanko's signer with a key the server holds (in memory only)."""
    return HeldKeySigner(key, cert, chain)


def sign_pdf(
    pdf: bytes,
    *,
    key: PrivateKey,
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate],
    field: str,
    stamp: Stamp,
    box: Box | None = None,
    page: int = -1,
    reason: str | None = None,
    location: str | None = None,
    proof: Proof | None = None,
) -> bytes:
    """Return `pdf` with a PAdES signature in `field` (created at `box` on `page` if absent).

    With `proof`, the signature carries a timestamp and the DSS its revocation data (B-LT).
    """
    if not pdf.startswith(b"%PDF-"):
        raise SigningFailed("not a PDF file")
    signer = simple_signer(key, cert, chain)
    with failures():
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        signs = pdf_signer(signer, field=field, stamp=stamp, box=box, page=page, reason=reason,
                           location=location, proof=proof)  # fmt: skip
        out = signs.sign_pdf(writer, output=BytesIO())
    return bytes(out.getvalue())


@contextlib.contextmanager
def failures() -> Iterator[None]:
    """Turn what pyHanko raises while signing into SigningFailed with the reason in words."""
    try:
        yield
    except SigningError as exc:
        if isinstance(exc.__cause__, PathBuildingError | PathValidationError):
            raise SigningFailed(f"the certificate is not trusted: {exc.__cause__}") from exc
        raise SigningFailed(f"the PDF could not be signed: {exc}") from exc
    except (PathBuildingError, PathValidationError) as exc:
        raise SigningFailed(f"the certificate is not trusted: {exc}") from exc
    except (TimestampRequestError, OSError) as exc:
        raise SigningFailed(f"the time-stamping authority did not answer: {exc}") from exc
    except (PdfError, ValueError, KeyError, IndexError) as exc:
        raise SigningFailed(f"the PDF could not be signed: {exc}") from exc


def signature_fields(pdf: bytes) -> list[tuple[str, bool]]:
    """Return the PDF's signature fields as (name, already signed)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(BytesIO(pdf), strict=False)
    return [
        (name, value is not None)
        for name, value, _ref in fields.enumerate_sig_fields(reader, filled_status=None)
    ]

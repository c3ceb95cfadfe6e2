"""Signatures made with a key the server never sees (pyHanko's interrupted signing).

The server prepares the revision (visible stamp, reserved /Contents) and the CMS signed
attributes over its digest: those bytes are what the signer's own key signs, in the browser
(WebCrypto) or on a token through the signing agent. The signature that comes back is checked
against the certificate before it is embedded; then, as for keys the server holds, it gets its
timestamp and the DSS its revocation data (PAdES B-LT).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.validation import dss

from wflow.documents.pki import PublicKey
from wflow.documents.signing import (
    Box,
    Proof,
    SigningFailed,
    Stamp,
    asn1_cert,
    certificate_store,
    failures,
    pdf_signer,
)

DIGEST = "sha256"
EC_DER_MAX = 72  # an ECDSA P-256 signature in DER is at most 72 bytes


@dataclass(frozen=True)
class Prepared:
    """A revision waiting for its signature: the bytes to sign and what finishing needs."""

    pdf: bytes  # the revision, its /Contents reserved
    field: str
    start: int  # the reserved region, left out of the /ByteRange
    end: int
    digest: bytes  # SHA-256 of the /ByteRange
    signed_attrs: bytes  # DER of the CMS signed attributes: what the signer's key signs


def _placeholder(cert: x509.Certificate) -> int:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return key.key_size // 8
    if isinstance(key, ec.EllipticCurvePublicKey):
        return EC_DER_MAX + (key.curve.key_size - 256) // 4  # room for larger curves
    raise SigningFailed("only RSA and elliptic-curve certificates sign")


def prepare(
    pdf: bytes,
    *,
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate],
    field: str,
    stamp: Stamp,
    box: Box | None = None,
    page: int = -1,
    reason: str | None = None,
    proof: Proof | None = None,
) -> Prepared:
    """Return the revision of `pdf` with `field` ready for a signature made elsewhere."""
    if not pdf.startswith(b"%PDF-"):
        raise SigningFailed("not a PDF file")
    external = signers.ExternalSigner(asn1_cert(cert), certificate_store(chain),
                                      signature_value=_placeholder(cert))  # fmt: skip
    signs = pdf_signer(external, field=field, stamp=stamp, box=box, page=page, reason=reason,
                       proof=proof, embed_validation=False)  # fmt: skip

    async def run() -> tuple[PreparedByteRangeDigest, bytes, bytes]:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        out = BytesIO()
        digest, _tbs, _out = await signs.async_digest_doc_for_signing(writer, output=out)
        attrs = await external.signed_attrs(digest.document_digest, DIGEST, use_pades=True)
        return digest, out.getvalue(), attrs.dump()

    with failures():
        digest, revision, attrs = asyncio.run(run())
    return Prepared(revision, field, digest.reserved_region_start, digest.reserved_region_end,
                    digest.document_digest, attrs)  # fmt: skip


def signature_der(key: PublicKey, data: bytes, signature: bytes) -> bytes:
    """Return the signature of `data` in DER if `key` made it, else SigningFailed.

    WebCrypto and PKCS#11 give an ECDSA signature as r‖s; CMS wants it in DER.
    """
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            size = (key.curve.key_size + 7) // 8
            if len(signature) == 2 * size:
                r, s = signature[:size], signature[size:]
                signature = encode_dss_signature(int.from_bytes(r), int.from_bytes(s))
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            raise SigningFailed("only RSA and elliptic-curve certificates sign")
    except (InvalidSignature, ValueError):
        raise SigningFailed("the signature was not made with this certificate's key") from None
    return signature


def finish(
    prepared: Prepared,
    *,
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate],
    signature: bytes,
    proof: Proof | None = None,
) -> bytes:
    """Return the signed PDF: `signature` (checked) embedded, timestamped, with its DSS."""
    public = cert.public_key()
    if not isinstance(public, PublicKey):
        raise SigningFailed("only RSA and elliptic-curve certificates sign")
    der = signature_der(public, prepared.signed_attrs, signature)
    external = signers.ExternalSigner(asn1_cert(cert), certificate_store(chain),
                                      signature_value=der)  # fmt: skip
    attrs = cms.CMSAttributes.load(prepared.signed_attrs)
    digest = PreparedByteRangeDigest(prepared.digest, prepared.start, prepared.end)

    async def run() -> bytes:
        container = await external.async_sign_prescribed_attributes(
            DIGEST, signed_attrs=attrs, timestamper=proof.timestamper if proof else None
        )
        out = BytesIO(prepared.pdf)
        await PdfTBSDocument.async_finish_signing(out, digest, container)
        if proof is None:
            return out.getvalue()
        reader = PdfFileReader(out, strict=False)
        embedded = next(s for s in reader.embedded_signatures if s.field_name == prepared.field)
        done = await dss.async_add_validation_info(embedded, proof.context(), output=BytesIO())
        return bytes(done.getvalue())

    with failures():
        return asyncio.run(run())

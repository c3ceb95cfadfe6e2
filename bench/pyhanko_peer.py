"""The bare pyHanko peer of wflow's signatures, shared by bench/documents.py and signatures.py.

It does the work `keys.sign_for_unit` does, with what wflow has in hand given to it ahead of
time: the key already decrypted, the stamp's font (pyHanko's own font engine), the same
stamp text, the same time-stamping authority and CRL, and wflow's signer and timestamper
classes (which sign with the key held instead of parsing it again for every signature).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from io import BytesIO

from cryptography import x509
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.stamp import TextStampStyle

from wflow.documents import signing
from wflow.documents.pki import PrivateKey

Peer = Callable[..., bytes]


def bare_signer(
    key: PrivateKey,
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate],
    *,
    field: str,
    lines: Sequence[str],
    proof: signing.Proof,
    box: signing.Box | None = None,
    page: int = 0,
) -> Peer:
    """Return `sign(pdf, with_proof=True, stamp=True)`: a bare pyHanko signature of `field`."""
    font = GlyphAccumulatorFactory(str(signing.FONT), font_size=9)
    style = TextStampStyle(stamp_text="\n".join(lines), border_width=1,
                           text_box_style=TextBoxStyle(font=font, font_size=9))  # fmt: skip
    spec = None
    if box is not None:
        x1, y1, x2, y2 = (round(v) for v in box)
        spec = fields.SigFieldSpec(sig_field_name=field, on_page=page, box=(x1, y1, x2, y2))

    def sign(pdf: bytes, with_proof: bool = True, stamp: bool = True) -> bytes:
        meta = signers.PdfSignatureMetadata(
            field_name=field, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
            signer_key_usage={"digital_signature"}, embed_validation_info=with_proof,
            validation_context=proof.context() if with_proof else None,
        )  # fmt: skip
        pdf_signer = signers.PdfSigner(
            meta, signer=signing.simple_signer(key, cert, chain), new_field_spec=spec,
            stamp_style=style if stamp else None,
            timestamper=proof.timestamper if with_proof else None,
        )  # fmt: skip
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        return bytes(pdf_signer.sign_pdf(writer).getbuffer())

    return sign

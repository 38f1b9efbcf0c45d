"""The verification report as a PDF (电子合同验证报告, X10): rendered, then sealed by the platform.

Rendered with WeasyPrint from ``templates/pki/verification_report.html`` with the one embedded
CJK face, as contracts are (``econtract/contracts/rendering.py``: the same font file, the same
fetcher that loads nothing else, the same check that no other font slipped in). The caller
renders in the requester's language (Chinese by default).

Sealed with the platform seal's key from the key store (a file or a PKCS#11 token), as a PAdES
B-LTA certification signature (no later change but validation data and document timestamps):
timestamped by the platform's TSA, with the seal chain's revocation data and a document
timestamp embedded, so the report verifies offline for years — in an evidence package, by a
reader who cannot ask us anything. The report is the platform's statement of what it found at
that time.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from cryptography import x509
from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko_certvalidator import ValidationContext

from econtract.pdf_render import render_html_pdf
from econtract.pki.aio import run_on_pki_loop
from econtract.pki.pades import DIGEST_ALGORITHM, SEAL_RESERVED_BYTES, PadesError
from econtract.pki.pades_seal import (
    crl_der,
    fetching_validation_context,
    platform_seal_chain,
    platform_seal_signer,
)
from econtract.pki.tsa import platform_timestamper

REPORT_SEAL_FIELD = "PlatformSeal"


def render_report(context: dict[str, Any]) -> bytes:
    """The report's PDF (not yet sealed) from ``context`` (see the template for its keys)."""
    return render_html_pdf("pki/verification_report.html", context)


VERIFICATION_REPORT_REASON = "电子合同验证报告 / Verification report"


def seal_report(pdf: bytes, *, reason: str = VERIFICATION_REPORT_REASON) -> bytes:
    """``pdf`` certified by the platform seal (PAdES B-LTA, no later changes allowed)."""
    return run_on_pki_loop(_seal(pdf, platform_seal_signer(), platform_seal_chain(), reason))


async def _seal(
    pdf: bytes, signer: signers.Signer, chain: list[x509.Certificate], reason: str
) -> bytes:
    extra_crls = [crl_der(Path(path)) for path in settings.PLATFORM_SEAL_EXTRA_CRLS]
    context = fetching_validation_context(other_certs=chain, crls=extra_crls)
    try:
        return await _certify(pdf, signer, context, reason)
    finally:
        await context.aclose()


async def _certify(
    pdf: bytes, signer: signers.Signer, context: ValidationContext, reason: str
) -> bytes:
    meta = signers.PdfSignatureMetadata(
        field_name=REPORT_SEAL_FIELD,
        md_algorithm=DIGEST_ALGORITHM,
        subfilter=SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        reason=reason,
        embed_validation_info=True,
        use_pades_lta=True,
        validation_context=context,
    )
    pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=platform_timestamper())
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    try:
        output = await pdf_signer.async_sign_pdf(writer, bytes_reserved=SEAL_RESERVED_BYTES)
    except SigningError as exc:
        raise PadesError(f"cannot seal the verification report: {exc}") from exc
    return bytes(output.getvalue())

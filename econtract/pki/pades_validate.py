"""Validating a signed PDF: one report per signature, judged AdES-style (ETSI EN 319 102-1).

The verdict of a signature is pyHanko's ``ades_lta_validation`` indication (TOTAL-PASSED,
TOTAL-FAILED or INDETERMINATE with a sub-indication), never "intact" alone: an intact signature
may still be untrusted, revoked, or followed by disallowed changes. Offline validation uses
only what the document carries (its DSS and the document timestamps' proof of existence).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESStatus
from pyhanko.sign.validation import async_validate_pdf_timestamp
from pyhanko.sign.validation.ades import AdESLTAValidationResult, ades_lta_validation
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.status import DocumentTimestampStatus, PdfSignatureStatus
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.policy_decl import (
    REQUIRE_REVINFO,
    CertRevTrustPolicy,
    FreshnessReqType,
)
from pyhanko_certvalidator.registry import SimpleTrustManager

# Imported for its side effect too: pyHanko's hex-string reader replaced by a fast one.
from econtract.pki import pades  # noqa: F401
from econtract.pki.aio import run_on_pki_loop, shared_session
from econtract.pki.trust import path_validation_context, trust_roots_asn1

_INDICATIONS = {
    AdESStatus.PASSED: "TOTAL-PASSED",
    AdESStatus.FAILED: "TOTAL-FAILED",
    AdESStatus.INDETERMINATE: "INDETERMINATE",
}


@dataclass(frozen=True)
class SignatureReport:
    field_name: str
    kind: str  # "signature" or "document_timestamp"
    signer_subject: str
    signing_time: datetime | None  # claimed by the signer (/M); not proof of anything
    timestamp_time: datetime | None  # the TSA's time: signature timestamp, or the doc timestamp
    intact: bool  # the digest matches the signed byte range
    valid: bool  # the signature value verifies
    trusted: bool  # the signer's chain reaches a trust root
    coverage: str  # ENTIRE_FILE, ENTIRE_REVISION, ...
    modification_level: str | None  # changes after this signature, as pyHanko classifies them
    indication: str  # TOTAL-PASSED, TOTAL-FAILED or INDETERMINATE
    sub_indication: str | None  # e.g. HASH_FAILURE, NO_POE, REVOKED
    detail: str | None  # why, when it did not pass

    @property
    def passed(self) -> bool:
        return self.indication == "TOTAL-PASSED"


@dataclass(frozen=True)
class DocumentValidation:
    signatures: tuple[SignatureReport, ...]

    @property
    def passed(self) -> bool:
        """The bottom line: signed at all, and every signature and timestamp TOTAL-PASSED."""
        return bool(self.signatures) and all(s.passed for s in self.signatures)

    @property
    def indication(self) -> str:
        if self.passed:
            return "TOTAL-PASSED"
        if any(s.indication == "TOTAL-FAILED" for s in self.signatures):
            return "TOTAL-FAILED"
        return "INDETERMINATE"


def validate_document(*, pdf: bytes, online: bool = False) -> DocumentValidation:
    """Validate every signature and document timestamp of ``pdf`` against our trust roots.

    ``online=False`` uses only the validation data embedded in the document (DSS); ``True``
    may also fetch current revocation data through the shared session.
    """
    return run_on_pki_loop(_validate(pdf, online=online))


async def _validate(pdf: bytes, *, online: bool) -> DocumentValidation:
    reader = PdfFileReader(io.BytesIO(pdf))
    reports = []
    spec = _validation_spec(online=online)
    for embedded in reader.embedded_signatures:
        if embedded.sig_object_type == "/DocTimeStamp":
            reports.append(await _timestamp_report(embedded))
        else:
            reports.append(await _signature_report(embedded, spec))
    return DocumentValidation(tuple(reports))


def _validation_spec(*, online: bool) -> PdfSignatureValidationSpec:
    revinfo_policy = CertRevTrustPolicy(
        REQUIRE_REVINFO,
        freshness=None,
        freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION,
    )
    gathering = RevocationInfoGatheringSpec(
        online_fetching_rule=(
            RevinfoOnlineFetchingRule.NO_HISTORICAL_FETCH
            if online
            else RevinfoOnlineFetchingRule.LOCAL_ONLY
        ),
        fetcher_backend=(
            AIOHttpFetcherBackend(
                session=shared_session(), per_request_timeout=settings.OCSP_TIMEOUT_SECONDS
            )
            if online
            else None
        ),
    )
    return PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=CertValidationPolicySpec(
                trust_manager=SimpleTrustManager.build(trust_roots=trust_roots_asn1()),
                revinfo_policy=revinfo_policy,
            ),
            revinfo_gathering_policy=gathering,
        )
    )


async def _signature_report(
    embedded: EmbeddedPdfSignature, spec: PdfSignatureValidationSpec
) -> SignatureReport:
    result: AdESLTAValidationResult = await ades_lta_validation(embedded, spec)
    status: PdfSignatureStatus | None = result.api_status
    subindication = result.ades_subindic
    passed = subindication.status == AdESStatus.PASSED
    ts = status.timestamp_validity if status is not None else None
    return SignatureReport(
        field_name=embedded.field_name,
        kind="signature",
        signer_subject=embedded.signer_cert.subject.human_friendly,
        signing_time=embedded.self_reported_timestamp,
        timestamp_time=ts.timestamp if ts is not None else None,
        intact=bool(status and status.intact),
        valid=bool(status and status.valid),
        trusted=bool(status and status.trusted),
        coverage=_coverage(embedded),
        modification_level=_modification_level(status),
        indication=_INDICATIONS[subindication.status],
        sub_indication=None if passed else subindication.standard_name,
        detail=None if passed else result.failure_msg,
    )


async def _timestamp_report(embedded: EmbeddedPdfSignature) -> SignatureReport:
    # The last document timestamp is judged now, against the roots (its TSA's status at the
    # time it was made is what later timestamps would cover).
    context = path_validation_context()
    try:
        status = await async_validate_pdf_timestamp(embedded, validation_context=context)
    finally:
        await context.aclose()
    passed = status.intact and status.valid and status.trusted
    return SignatureReport(
        field_name=embedded.field_name,
        kind="document_timestamp",
        signer_subject=embedded.signer_cert.subject.human_friendly,
        signing_time=None,
        timestamp_time=status.timestamp,
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        coverage=_coverage(embedded),
        modification_level=_modification_level(status),
        indication="TOTAL-PASSED" if passed else "TOTAL-FAILED",
        sub_indication=None if passed else _timestamp_failure(status),
        detail=None if passed else status.summary(),
    )


def _timestamp_failure(status: DocumentTimestampStatus) -> str:
    if not status.intact:
        return "HASH_FAILURE"
    if not status.valid:
        return "SIG_CRYPTO_FAILURE"
    return "CHAIN_CONSTRAINTS_FAILURE"


def _coverage(embedded: EmbeddedPdfSignature) -> str:
    try:
        return str(embedded.evaluate_signature_coverage().name)
    except (ValueError, KeyError) as exc:
        return f"UNCLEAR ({exc})"


def _modification_level(status: PdfSignatureStatus | DocumentTimestampStatus | None) -> str | None:
    level = getattr(status, "modification_level", None)
    return level.name if level is not None else None

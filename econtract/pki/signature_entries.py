"""One signature's or document timestamp's entry of a verification report, and the options
and document context the verification runs with (``econtract/pki/verification.py`` puts the
entries and the document findings together into the verdict).

Like the verification, this runs in the sandbox child: no Django setting, no database; the
result is plain JSON data.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESStatus
from pyhanko.sign.validation import async_validate_pdf_timestamp
from pyhanko.sign.validation.ades import (
    AdESLTAValidationResult,
    AdESWithTimeValidationResult,
    ades_lta_validation,
    ades_with_time_validation,
)
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.policy_decl import (
    LocalKnowledge,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.status import (
    DocumentTimestampStatus,
    PdfSignatureStatus,
    SignatureCoverageLevel,
)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.path import ValidationPath
from pyhanko_certvalidator.policy_decl import (
    REQUIRE_REVINFO,
    CertRevTrustPolicy,
    FreshnessReqType,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.registry import SimpleTrustManager
from pyhanko_certvalidator.revinfo.archival import CRLContainer

from econtract.pki.aio import shared_session

TOTAL_PASSED = "TOTAL-PASSED"
TOTAL_FAILED = "TOTAL-FAILED"
INDETERMINATE = "INDETERMINATE"
_INDICATIONS = {
    AdESStatus.PASSED: TOTAL_PASSED,
    AdESStatus.FAILED: TOTAL_FAILED,
    AdESStatus.INDETERMINATE: INDETERMINATE,
}
# Changes after a signature that leave it standing (pyHanko's ModificationLevel names).
_HARMLESS_MODIFICATIONS = {None, "NONE", "LTA_UPDATES", "FORM_FILLING"}
_GOOD_COVERAGE = {SignatureCoverageLevel.ENTIRE_FILE, SignatureCoverageLevel.ENTIRE_REVISION}
_REVOKED_SUBINDICATIONS = {"REVOKED", "REVOKED_NO_POE", "REVOKED_CA_NO_POE"}
_UNKNOWN_REVOCATION = {"TRY_LATER", "REVOCATION_OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NO_POE"}


@dataclass(frozen=True)
class VerificationOptions:
    """What the verification needs from the platform, as plain data (it crosses a pipe)."""

    trust_roots_der: tuple[bytes, ...]
    # SHA-256 (hex) of the public keys (SPKI) that make a signature the platform's (seal, TSA):
    # keys rather than certificates, so a renewed certificate of the same key still counts.
    service_keys: frozenset[str] = frozenset()
    online: bool = True
    ocsp_timeout: float = 10.0
    # CRLs (DER) the platform holds for CAs whose distribution points it cannot reach; used
    # with the online checks only (offline means: what the document embeds, nothing else).
    extra_crls_der: tuple[bytes, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "trust_roots_der": [der.hex() for der in self.trust_roots_der],
            "service_keys": sorted(self.service_keys),
            "online": self.online,
            "ocsp_timeout": self.ocsp_timeout,
            "extra_crls_der": [der.hex() for der in self.extra_crls_der],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VerificationOptions:
        return cls(
            trust_roots_der=tuple(bytes.fromhex(h) for h in data["trust_roots_der"]),
            service_keys=frozenset(data["service_keys"]),
            online=bool(data["online"]),
            ocsp_timeout=float(data["ocsp_timeout"]),
            extra_crls_der=tuple(bytes.fromhex(h) for h in data.get("extra_crls_der", [])),
        )


@dataclass
class Document:
    """What every entry of one verification reads: the file, the options, the trust roots
    and where the validation data and document timestamps are."""

    reader: PdfFileReader
    options: VerificationOptions
    roots: list[asn1_x509.Certificate]
    dss_revisions: list[int] = field(default_factory=list)
    timestamp_revisions: list[int] = field(default_factory=list)


def validation_spec(
    options: VerificationOptions, roots: list[asn1_x509.Certificate]
) -> PdfSignatureValidationSpec:
    revinfo_policy = CertRevTrustPolicy(
        REQUIRE_REVINFO,
        freshness=None,
        freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION,
    )
    gathering = RevocationInfoGatheringSpec(
        online_fetching_rule=(
            RevinfoOnlineFetchingRule.NO_HISTORICAL_FETCH
            if options.online
            else RevinfoOnlineFetchingRule.LOCAL_ONLY
        ),
        fetcher_backend=(
            AIOHttpFetcherBackend(
                session=shared_session(), per_request_timeout=options.ocsp_timeout
            )
            if options.online
            else None
        ),
    )
    return PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=CertValidationPolicySpec(
                trust_manager=SimpleTrustManager.build(trust_roots=roots),
                revinfo_policy=revinfo_policy,
            ),
            revinfo_gathering_policy=gathering,
            local_knowledge=LocalKnowledge(
                known_crls=[
                    CRLContainer(asn1_crl.CertificateList.load(der))
                    for der in (options.extra_crls_der if options.online else ())
                ]
            ),
        )
    )


async def signature_entry(
    embedded: EmbeddedPdfSignature, spec: PdfSignatureValidationSpec, document: Document
) -> dict[str, Any]:
    result = await _ades_validation(embedded, spec, document)
    status: PdfSignatureStatus | None = result.api_status
    indication = _INDICATIONS[result.ades_subindic.status]
    sub_indication = None if indication == TOTAL_PASSED else result.ades_subindic.standard_name
    problems = [] if indication == TOTAL_PASSED else [result.failure_msg or sub_indication or ""]
    coverage = _coverage(embedded)
    modifications = _modifications(status)
    indication, sub_indication = _structural_verdict(
        indication, sub_indication, coverage, modifications, problems
    )
    ts = status.timestamp_validity if status is not None else None
    return {
        **_common(embedded, document),
        "kind": "signature",
        "signing_time": _iso(embedded.self_reported_timestamp),
        "timestamp": {
            "time": _iso(ts.timestamp) if ts is not None else None,
            "tsa": ts.signing_cert.subject.human_friendly if ts is not None else None,
            "intact": bool(ts and ts.intact),
            "valid": bool(ts and ts.valid),
            "trusted": bool(ts and ts.trusted),
        },
        "best_signature_time": _iso(getattr(result, "best_signature_time", None)),
        "integrity": {
            "intact": bool(status and status.intact),
            "valid": bool(status and status.valid),
        },
        "chain": _chain(
            status.validation_path if status else None, bool(status and status.trusted)
        ),
        "revocation": _revocation(status, indication, sub_indication, document),
        "coverage": coverage["level"],
        "coverage_detail": coverage,
        "modifications": modifications,
        "level": _pades_level(embedded, ts is not None, document),
        "indication": indication,
        "sub_indication": sub_indication,
        "problems": [p for p in problems if p],
    }


async def timestamp_entry(embedded: EmbeddedPdfSignature, document: Document) -> dict[str, Any]:
    # The document timestamp is judged now against the roots: its TSA's status when it was
    # made is what later timestamps (or, for the last one, the present) vouch for.
    context = ValidationContext(
        trust_roots=document.roots,
        allow_fetching=False,
        revinfo_policy=CertRevTrustPolicy(
            RevocationCheckingPolicy(
                ee_certificate_rule=RevocationCheckingRule.NO_CHECK,
                intermediate_ca_cert_rule=RevocationCheckingRule.NO_CHECK,
            )
        ),
    )
    try:
        status = await async_validate_pdf_timestamp(embedded, validation_context=context)
    finally:
        await context.aclose()
    passed = status.intact and status.valid and status.trusted
    # EN 319 102-1: a digest that does not match (HASH_FAILURE) or a signature value that
    # does not verify (SIG_CRYPTO_FAILURE) is TOTAL-FAILED; only an unestablished chain is
    # INDETERMINATE.
    broken = not (status.intact and status.valid)
    indication = TOTAL_PASSED if passed else (TOTAL_FAILED if broken else INDETERMINATE)
    sub_indication = None if passed else _timestamp_failure(status)
    problems = [] if passed else [status.summary()]
    coverage = _coverage(embedded)
    modifications = _modifications(status)
    indication, sub_indication = _structural_verdict(
        indication, sub_indication, coverage, modifications, problems
    )
    return {
        **_common(embedded, document),
        "kind": "document_timestamp",
        "signing_time": None,
        "timestamp": {
            "time": _iso(status.timestamp),
            "tsa": embedded.signer_cert.subject.human_friendly,
            "intact": status.intact,
            "valid": status.valid,
            "trusted": status.trusted,
        },
        "best_signature_time": _iso(status.timestamp),
        "integrity": {"intact": status.intact, "valid": status.valid},
        "chain": _chain(status.validation_path, status.trusted),
        "revocation": {"status": "not_applicable", "detail": None, "online": False},
        "coverage": coverage["level"],
        "coverage_detail": coverage,
        "modifications": modifications,
        "level": "DOC-TS",
        "indication": indication,
        "sub_indication": sub_indication,
        "problems": problems,
    }


async def _ades_validation(
    embedded: EmbeddedPdfSignature, spec: PdfSignatureValidationSpec, document: Document
) -> AdESWithTimeValidationResult:
    """EN 319 102-1 picks the process by what the document holds: with a document timestamp
    after the signature, the long-term (LTA, § 5.6.3) process, whose timestamps prove the
    signature existed before any later revocation; otherwise the process for signatures with
    time (§ 5.5), its own signature timestamp being the proof of existence (pyHanko's LTA
    process would insist on a document timestamp and answer NO_POE)."""
    if any(r > embedded.signed_revision for r in document.timestamp_revisions):
        lta: AdESLTAValidationResult = await ades_lta_validation(embedded, spec)
        return lta
    embedded.compute_integrity_info()
    return await ades_with_time_validation(
        signed_data=embedded.signed_data,
        validation_spec=spec.signature_validation_spec,
        raw_digest=embedded.compute_digest(),
        extra_status_kwargs=embedded.summarise_integrity_info(),
        status_cls=PdfSignatureStatus,
    )


def _structural_verdict(
    indication: str,
    sub_indication: str | None,
    coverage: dict[str, Any],
    modifications: dict[str, Any],
    problems: list[str],
) -> tuple[str, str | None]:
    """What pyHanko's indication leaves to the relying party: coverage and later changes."""
    if coverage["level"] not in {c.name for c in _GOOD_COVERAGE}:
        problems.append(f"The signature does not cover its whole revision ({coverage['level']}).")
        if indication == TOTAL_PASSED:
            return TOTAL_FAILED, "FORMAT_FAILURE"
    if modifications["level"] not in _HARMLESS_MODIFICATIONS:
        problems.append(
            f"The document was modified after this signature ({modifications['level']})."
        )
        if indication == TOTAL_PASSED:
            return TOTAL_FAILED, "FORMAT_FAILURE"
    return indication, sub_indication


def _common(embedded: EmbeddedPdfSignature, document: Document) -> dict[str, Any]:
    cert = embedded.signer_cert
    fingerprint = hashlib.sha256(cert.dump()).hexdigest()
    key = hashlib.sha256(cert.public_key.dump()).hexdigest()
    group = "service" if key in document.options.service_keys else "user"
    return {
        "field_name": embedded.field_name,
        "group": group,
        "signer": _signer(cert),
        "certificate": _certificate(cert, fingerprint),
        "revision": embedded.signed_revision,
    }


def _signer(cert: asn1_x509.Certificate) -> dict[str, Any]:
    names = cert.subject.native
    return {
        "common_name": names.get("common_name"),
        "organization": names.get("organization_name"),
        "subject": cert.subject.human_friendly,
    }


def _certificate(cert: asn1_x509.Certificate, fingerprint: str) -> dict[str, Any]:
    return {
        "subject": cert.subject.human_friendly,
        "issuer": cert.issuer.human_friendly,
        "serial_number": format(cert.serial_number, "x"),
        "not_before": _iso(cert.not_valid_before),
        "not_after": _iso(cert.not_valid_after),
        "sha256": fingerprint,
    }


def _chain(path: ValidationPath | None, trusted: bool) -> dict[str, Any]:
    certificates = []
    if path is not None:
        try:
            certificates = [c.subject.human_friendly for c in path.iter_certs(include_root=True)]
        except (AttributeError, ValueError, TypeError):
            certificates = []
    return {"trusted": trusted, "path": certificates}


def _revocation(
    status: PdfSignatureStatus | None,
    indication: str,
    sub_indication: str | None,
    document: Document,
) -> dict[str, Any]:
    details = status.revocation_details if status is not None else None
    online = document.options.online
    if details is not None:
        return {
            "status": "revoked",
            "revoked_at": _iso(details.revocation_date),
            "reason": details.revocation_reason.native,
            "ca_revoked": details.ca_revoked,
            # Revoked after a proof of existence of the signature: the signature stands.
            "after_signing": indication == TOTAL_PASSED,
            "online": online,
        }
    if sub_indication in _REVOKED_SUBINDICATIONS:
        return {"status": "revoked", "online": online}
    if sub_indication in _UNKNOWN_REVOCATION:
        return {"status": "unknown", "online": online}
    if status is not None and status.trusted and indication == TOTAL_PASSED:
        return {"status": "good", "online": online}
    return {"status": "not_checked", "online": online}


def _coverage(embedded: EmbeddedPdfSignature) -> dict[str, Any]:
    byte_range = [int(x) for x in embedded.sig_object.get("/ByteRange", [])]
    try:
        level = embedded.evaluate_signature_coverage().name
    except (ValueError, KeyError, TypeError) as exc:
        return {"level": "UNCLEAR", "byte_range": byte_range, "detail": str(exc)}
    return {"level": level, "byte_range": byte_range, "detail": None}


def _modifications(status: PdfSignatureStatus | DocumentTimestampStatus | None) -> dict[str, Any]:
    level = getattr(status, "modification_level", None)
    diff = getattr(status, "diff_result", None)
    detail = None
    if diff is not None and not hasattr(diff, "modification_level"):
        detail = str(diff)  # a SuspiciousModification: what pyHanko refused to accept
    return {
        "level": level.name if level is not None else None,
        "docmdp_ok": getattr(status, "docmdp_ok", None),
        "detail": detail,
    }


def _pades_level(embedded: EmbeddedPdfSignature, has_timestamp: bool, document: Document) -> str:
    """B-B, B-T, B-LT or B-LTA from what the file holds after the signature (EN 319 142-1)."""
    revision = embedded.signed_revision
    later_timestamps = [r for r in document.timestamp_revisions if r > revision]
    if not has_timestamp and not later_timestamps:
        return "B-B"
    later_dss = [r for r in document.dss_revisions if r > revision]
    if not later_dss:
        return "B-T"
    if any(ts >= min(later_dss) for ts in later_timestamps):
        return "B-LTA"
    return "B-LT"


def revisions_with_dss(reader: PdfFileReader) -> list[int]:
    """The revisions that add or change the document security store (validation data)."""
    revisions: list[int] = []
    for revision in range(reader.xrefs.total_revisions):
        try:
            root = reader.get_historical_root(revision)
            if "/DSS" not in root:
                continue
            dss = root.raw_get("/DSS")
            changed = reader.xrefs.explicit_refs_in_revision(revision)
        except (KeyError, ValueError, TypeError, AttributeError, PdfError):
            continue
        # A DSS written inline in the catalogue changes with it.
        ref = dss.reference if isinstance(dss, generic.IndirectObject) else root.container_ref
        if ref is None or ref in changed or not revisions:
            revisions.append(revision)
            continue
        members = dss.get_object() if isinstance(dss, generic.IndirectObject) else dss
        if any(
            isinstance(v, generic.IndirectObject) and v.reference in changed
            for v in members.values()
        ):
            revisions.append(revision)
    return revisions


def dss_counts(reader: PdfFileReader) -> dict[str, int]:
    try:
        dss = reader.root.get("/DSS")
        dss = dss.get_object() if dss is not None else None
    except (KeyError, ValueError, TypeError, AttributeError):
        dss = None
    if not isinstance(dss, generic.DictionaryObject):
        return {"certs": 0, "ocsps": 0, "crls": 0}
    return {key.lower(): _length(dss, f"/{key}") for key in ("Certs", "OCSPs", "CRLs")}


def _length(dictionary: generic.DictionaryObject, key: str) -> int:
    try:
        value = dictionary.get(key)
        value = value.get_object() if value is not None else None
        return len(value) if isinstance(value, generic.ArrayObject) else 0
    except (KeyError, ValueError, TypeError):
        return 0


def _timestamp_failure(status: DocumentTimestampStatus) -> str:
    if not status.intact:
        return "HASH_FAILURE"
    if not status.valid:
        return "SIG_CRYPTO_FAILURE"
    return "NO_CERTIFICATE_CHAIN_FOUND"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None

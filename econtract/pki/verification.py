"""The verification of an uploaded PDF (§10.3, T8.4): every signature and document timestamp
judged in the terms of ETSI EN 319 102-1, with what a reader of the report needs to see.

This module is what the sandbox child runs (``econtract/pki/sandbox.py``): it reads no Django
setting and no database. Everything it needs — trust roots, which certificates are the
platform's own (服务组), online or offline, timeouts — comes in :class:`VerificationOptions`,
and the result is plain JSON data, so the parent never unpickles anything a hostile file
could have shaped.

The verdict is pyHanko's AdES-LTA indication per signature and the worst of them overall
(TOTAL-FAILED before INDETERMINATE), never "intact" alone. Beyond pyHanko's indication the
document must be signed at all, and a signature whose byte range leaves more than its own
revision uncovered, or that is followed by changes other than validation data and further
signatures, does not pass either: those are the tricks of ``shared/corpora/pdf-coverage-*``.
"""

from __future__ import annotations

import hashlib
import io
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError, PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESStatus
from pyhanko.sign.fields import SigSeedSubFilter, enumerate_sig_fields
from pyhanko.sign.validation import async_validate_pdf_timestamp
from pyhanko.sign.validation.ades import (
    AdESLTAValidationResult,
    AdESWithTimeValidationResult,
    ades_lta_validation,
    ades_with_time_validation,
)
from pyhanko.sign.validation.errors import SignatureValidationError
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

# Imported for its side effect too: pyHanko's hex-string reader replaced by a fast one.
from econtract.pki import pades  # noqa: F401
from econtract.pki.aio import run_on_pki_loop, shared_session
from econtract.pki.findings import FAILED, INFO, Finding, worst
from econtract.pki.findings import INDETERMINATE as FINDING_INDETERMINATE
from econtract.pki.reader_view import (
    ParsedRegion,
    last_eof_end,
    reader_findings,
    reader_sees,
    structural_findings,
)
from econtract.pki.revisions import archival_only, changes_in_revision

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
class _Document:
    reader: PdfFileReader
    options: VerificationOptions
    roots: list[asn1_x509.Certificate]
    dss_revisions: list[int] = field(default_factory=list)
    timestamp_revisions: list[int] = field(default_factory=list)


def verify_pdf(pdf: bytes, options: VerificationOptions) -> dict[str, Any]:
    """The verification result of ``pdf`` as JSON data (see :func:`_overall` for its shape).

    Parser failures propagate (the sandbox turns them into ``document_unreadable``).
    """
    return run_on_pki_loop(_verify(pdf, options))


async def _verify(pdf: bytes, options: VerificationOptions) -> dict[str, Any]:
    try:
        return await _verify_readable(pdf, options)
    except _DAMAGE_ERRORS as damaged:
        # pyHanko reads objects lazily: damage inside a signed revision may surface anywhere.
        return _damaged(pdf, damaged)


async def _verify_readable(pdf: bytes, options: VerificationOptions) -> dict[str, Any]:
    reader, parsed_end, findings = _read_tolerantly(pdf)
    roots = [asn1_x509.Certificate.load(der) for der in options.trust_roots_der]
    document = _Document(reader, options, roots)
    embedded, unreadable = _embedded_signatures(reader)
    document.dss_revisions = _revisions_with_dss(reader)
    document.timestamp_revisions = [
        s.signed_revision for s in embedded if s.sig_object_type == "/DocTimeStamp"
    ]
    spec = _validation_spec(options, roots)
    signatures = []
    for signature in embedded:
        signatures.append(await _entry(signature, spec, document))
    readable = list(signatures)
    signatures += unreadable
    region = _region(pdf, reader, parsed_end, len(signatures))
    signed_end = max((_covered_end(s) for s in embedded), default=0)
    findings += structural_findings(pdf, region)
    findings += reader_findings(pdf, region, signed_end)
    findings += _change_findings(reader, embedded, readable)
    result = _overall(signatures, reader, findings)
    result["coverage"] = {"parsed_end": parsed_end, "signed_end": signed_end, "size": len(pdf)}
    return result


# What pyHanko raises on a file it cannot read (besides PdfError, plain ValueErrors from int()
# on a damaged trailer and the like, zlib's error from a damaged compressed xref stream).
_PARSE_ERRORS = (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError, zlib.error)
# What a damaged object or stream raises when it is read, wherever that happens: pyHanko's own
# read errors, zlib's, an unknown (mangled) filter name. Not the plain Python errors of
# _PARSE_ERRORS, which past the reading would more likely be our own mistakes.
_DAMAGE_ERRORS = (PdfError, zlib.error, NotImplementedError)


def _embedded_signatures(
    reader: PdfFileReader,
) -> tuple[list[EmbeddedPdfSignature], list[dict[str, Any]]]:
    """Every filled signature field: those pyHanko can read, in revision order, and an entry
    that failed for each it cannot (pyHanko's own list would raise on the first garbled CMS,
    and silently leaves out a signature of an unknown /SubFilter)."""
    readable, unreadable = [], []
    for name, value, sig_field in enumerate_sig_fields(reader, filled_status=True):
        try:
            subfilter = value.get_object().get("/SubFilter")
            if subfilter not in {f.value for f in SigSeedSubFilter}:
                raise ValueError(f"unknown /SubFilter {subfilter}")
            signature = EmbeddedPdfSignature(reader, sig_field, name)
            signature.compute_integrity_info()
            readable.append(signature)
        except (*_PARSE_ERRORS, SignatureValidationError, NotImplementedError) as exc:
            unreadable.append(_unreadable_entry(name, exc))
    readable.sort(key=lambda signature: signature.signed_revision)
    return readable, unreadable


async def _entry(
    signature: EmbeddedPdfSignature, spec: PdfSignatureValidationSpec, document: _Document
) -> dict[str, Any]:
    """One signature's entry; a signature pyHanko cannot even read (no CMS, a garbled one, a
    dictionary without /ByteRange) is an entry that failed, never a report that is not made."""
    try:
        if signature.sig_object_type == "/DocTimeStamp":
            return await _timestamp_entry(signature, document)
        return await _signature_entry(signature, spec, document)
    except (*_PARSE_ERRORS, SignatureValidationError, NotImplementedError) as exc:
        return _unreadable_entry(_safe(lambda: signature.field_name, "?"), exc)


def _unreadable_entry(field_name: str, exc: Exception) -> dict[str, Any]:
    problem = f"The signature cannot be read: {type(exc).__name__}: {str(exc)[:200]}"
    return {
        "field_name": field_name,
        "group": "user",
        "signer": {"common_name": None, "organization": None, "subject": ""},
        "certificate": None,
        "revision": None,
        "kind": "signature",
        "signing_time": None,
        "timestamp": {"time": None, "tsa": None, "intact": False, "valid": False, "trusted": False},
        "best_signature_time": None,
        "integrity": {"intact": False, "valid": False},
        "chain": {"trusted": False, "path": []},
        "revocation": {"status": "not_checked", "online": False},
        "coverage": "UNCLEAR",
        "coverage_detail": {"level": "UNCLEAR", "byte_range": [], "detail": problem},
        "modifications": {"level": None, "docmdp_ok": None, "detail": None},
        "level": "",
        "indication": TOTAL_FAILED,
        "sub_indication": "FORMAT_FAILURE",
        "problems": [problem],
    }


def _safe(read: Any, default: Any) -> Any:
    try:
        return read()
    except Exception:
        return default


# How far back a damaged end is looked past for a revision pyHanko can read: a few appended
# updates, not a scan of the whole file.
_MAX_PREFIX_ATTEMPTS = 8


def _read_tolerantly(pdf: bytes) -> tuple[PdfFileReader, int, list[Finding]]:
    """pyHanko's reader over the file, or — when the end of the file is not a readable
    revision (junk, a broken last update) — over the longest prefix ending in a readable one:
    readers accept such files, so they get a report, and what follows is judged as a finding.
    """
    try:
        # pyHanko's default decode limits are those meant for untrusted input.
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        return reader, max(last_eof_end(pdf), 0) or len(pdf), []
    except _PARSE_ERRORS as first_error:
        before = len(pdf)
        for _attempt in range(_MAX_PREFIX_ATTEMPTS):
            end = last_eof_end(pdf, before)
            if end < 0:
                break
            try:
                reader = PdfFileReader(io.BytesIO(pdf[:end]), strict=False)
            except _PARSE_ERRORS:
                before = pdf.rfind(b"%%EOF", 0, before)
                continue
            prefix = Finding("parsed_prefix_only", FINDING_INDETERMINATE, {"offset": end})
            return reader, end, [prefix]
        # As a read error, whatever pyHanko raised: the file is damaged, not our code wrong.
        raise PdfReadError(f"{type(first_error).__name__}: {first_error}") from first_error


def _damaged(pdf: bytes, error: Exception) -> dict[str, Any]:
    """The report of a file no revision of which can be read strictly, but that a reader
    repairs and shows: TOTAL-FAILED (FORMAT_FAILURE), since nothing shown can be checked.
    A file no reader opens either stays unreadable (``error`` propagates)."""
    seen = reader_sees(pdf)
    if seen is None:
        raise error
    pages, signatures = seen
    detail = {
        "error": f"{'zlib.error' if isinstance(error, zlib.error) else type(error).__name__}: "
        f"{error}"[:200],
        "reader_pages": pages,
        "reader_signatures": "?" if signatures is None else signatures,
    }
    finding = Finding("damaged_beyond_checking", FAILED, detail)
    return {
        "signatures": [],
        "revisions": 0,
        "dss": {"certs": 0, "ocsps": 0, "crls": 0},
        "findings": [finding.to_json()],
        "indication": TOTAL_FAILED,
        "sub_indication": "FORMAT_FAILURE",
        "problems": [finding.message],
        "coverage": {"parsed_end": 0, "signed_end": 0, "size": len(pdf)},
    }


def _region(pdf: bytes, reader: PdfFileReader, end: int, signatures: int) -> ParsedRegion:
    known: dict[int, set[int]] = {}
    problems: list[tuple[int, str]] = []
    xrefs = reader.xrefs
    for revision in range(xrefs.total_revisions):
        meta = xrefs.get_xref_container_info(revision)
        if not _xref_at(pdf, meta.declared_startxref):
            problems.append((revision, f"startxref {meta.declared_startxref}"))
        if meta.stream_ref is not None:
            known.setdefault(meta.stream_ref.idnum, set()).add(meta.start_location)
        data = xrefs.get_xref_data(revision)
        sections = [data, *([data.hybrid.xref_data] if data.hybrid is not None else [])]
        for section in sections:
            for number in section.xrefs_in_objstm:
                known.setdefault(number, set())
            for number, (_generation, offset) in section.standard_xrefs.items():
                known.setdefault(number, set()).add(offset)
                if not _header_at(pdf, offset, number):
                    problems.append((revision, f"object {number} at {offset}"))
    return ParsedRegion(
        end=end,
        known_offsets=known,
        xref_problems=problems,
        pages=_page_count(reader),
        signatures=signatures,
    )


def _xref_at(pdf: bytes, offset: int) -> bool:
    """A cross-reference table (``xref``) or stream (an object header) where startxref says."""
    head = pdf[offset : offset + 32]
    if head.startswith(b"xref"):
        return True
    parts = head.split(None, 2)
    return len(parts) >= 3 and parts[0].isdigit() and parts[2].startswith(b"obj")


def _header_at(pdf: bytes, offset: int, number: int) -> bool:
    parts = pdf[offset : offset + 32].split(None, 2)
    return len(parts) >= 3 and parts[0] == str(number).encode() and parts[2].startswith(b"obj")


def _page_count(reader: PdfFileReader) -> int | None:
    try:
        count = reader.root["/Pages"]["/Count"]
    except (KeyError, TypeError, ValueError, PdfError):
        return None
    return count if isinstance(count, int) else None


def _covered_end(embedded: EmbeddedPdfSignature) -> int:
    try:
        byte_range = [int(x) for x in embedded.sig_object.get("/ByteRange", [])]
    except (TypeError, ValueError):
        return 0
    return byte_range[2] + byte_range[3] if len(byte_range) == 4 else 0


# What a listed change is, for the findings (validation data and signatures are the archival
# updates every signed contract has).
_LISTED_IN_OWN_REVISION = {"form_field", "annotation", "metadata", "xmp_metadata", "pages"}


_ARCHIVAL_KINDS = {"validation_data", "signature", "document_timestamp"}


def _change_findings(
    reader: PdfFileReader,
    embedded: list[EmbeddedPdfSignature],
    signatures: list[dict[str, Any]],
) -> list[Finding]:
    """Every change after a signature, named. After the platform's seal only archival updates
    (validation data, document timestamps) may follow; after the last signature of any PDF, an
    unsigned change is never "no problem"; between signatures, changes are listed."""
    if not embedded:
        return []
    seal = next(
        (
            e.signed_revision
            for e, s in zip(embedded, signatures, strict=True)
            if s["group"] == "service" and s["kind"] == "signature"
        ),
        None,
    )
    owners = sorted((e.signed_revision, e.field_name) for e in embedded)
    signed_revisions = {revision for revision, _name in owners}
    findings: list[Finding] = []
    for revision in range(owners[0][0] + 1, reader.xrefs.total_revisions):
        changes = _changes(reader, revision)
        # A signature dictionary rewritten or a signed field pointed elsewhere is a swapped or
        # forged signature, whoever's revision it sits in.
        findings += [
            Finding("signature_rewritten", FAILED, {"revision": revision, "object": c["object"]})
            for c in changes
            if c["kind"] == "signature_changed"
        ]
        if archival_only(changes):
            continue
        content = [c for c in changes if c["kind"] not in _ARCHIVAL_KINDS][:10]
        field = [name for rev, name in owners if rev < revision][-1]
        where = {"field": field, "revision": revision}
        if seal is not None and revision > seal:
            findings += [
                Finding("change_after_platform_seal", FAILED, {**where, "change": c})
                for c in content
            ]
        elif revision > owners[-1][0]:
            findings.append(
                Finding(
                    "unsigned_revision_after_last_signature",
                    FINDING_INDETERMINATE,
                    {"revision": revision, "changes": content},
                )
            )
        else:
            # Covered by a later signature (whose signer saw it) or the signature's own
            # revision (its signer's fill-ins): listed, the verdict stands.
            own = revision in signed_revisions
            findings += [
                Finding("change_after_signature", INFO, {**where, "change": c})
                for c in content
                if not own or c["kind"] in _LISTED_IN_OWN_REVISION
            ]
    return findings


def _changes(reader: PdfFileReader, revision: int) -> list[dict[str, Any]]:
    try:
        return changes_in_revision(reader, revision)
    except (PdfError, KeyError, ValueError, TypeError, AttributeError):
        return [{"kind": "object", "object": "?", "type": "unreadable"}]


def _overall(
    signatures: list[dict[str, Any]], reader: PdfFileReader, findings: list[Finding]
) -> dict[str, Any]:
    """The document's verdict: the worst signature (TOTAL-FAILED before INDETERMINATE), then
    the document findings — a failed one makes the document TOTAL-FAILED, an indeterminate one
    keeps it from TOTAL-PASSED, whatever the signatures say."""
    if not signatures:
        findings = [Finding("document_unsigned", FAILED), *findings]
    failed = [s for s in signatures if s["indication"] == TOTAL_FAILED]
    indeterminate = [s for s in signatures if s["indication"] == INDETERMINATE]
    problems = [f"{s['field_name']}: {p}" for s in signatures for p in s["problems"]]
    problems += [f.message for f in findings if f.severity != INFO]
    severity = worst([f for f in findings if f.severity != INFO])
    indication, sub_indication = TOTAL_PASSED, None
    if failed:
        indication, sub_indication = TOTAL_FAILED, failed[0]["sub_indication"]
    elif severity == FAILED:
        indication, sub_indication = TOTAL_FAILED, _finding_sub_indication(findings, FAILED)
    elif indeterminate:
        indication, sub_indication = INDETERMINATE, indeterminate[0]["sub_indication"]
    elif severity == FINDING_INDETERMINATE:
        indication = INDETERMINATE
        sub_indication = _finding_sub_indication(findings, FINDING_INDETERMINATE)
    return {
        "signatures": signatures,
        "revisions": reader.xrefs.total_revisions,
        "dss": _dss_counts(reader),
        "findings": [f.to_json() for f in findings],
        "indication": indication,
        "sub_indication": sub_indication,
        "problems": problems,
    }


# A change the signer's or the platform's constraints forbid is SIG_CONSTRAINTS_FAILURE; a file
# whose structure lets a reader show something else than what was checked is FORMAT_FAILURE.
_CONSTRAINT_FINDINGS = {
    "change_after_platform_seal",
    "unsigned_revision_after_last_signature",
    "modification_not_permitted",
}


def _finding_sub_indication(findings: list[Finding], severity: str) -> str:
    first = next(f for f in findings if f.severity == severity)
    return "SIG_CONSTRAINTS_FAILURE" if first.code in _CONSTRAINT_FINDINGS else "FORMAT_FAILURE"


def _validation_spec(
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


async def _signature_entry(
    embedded: EmbeddedPdfSignature, spec: PdfSignatureValidationSpec, document: _Document
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


async def _timestamp_entry(embedded: EmbeddedPdfSignature, document: _Document) -> dict[str, Any]:
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
    embedded: EmbeddedPdfSignature, spec: PdfSignatureValidationSpec, document: _Document
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


def _common(embedded: EmbeddedPdfSignature, document: _Document) -> dict[str, Any]:
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
    document: _Document,
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


def _pades_level(embedded: EmbeddedPdfSignature, has_timestamp: bool, document: _Document) -> str:
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


def _revisions_with_dss(reader: PdfFileReader) -> list[int]:
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


def _dss_counts(reader: PdfFileReader) -> dict[str, int]:
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

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

import io
import zlib
from typing import Any

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.misc import PdfError, PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import SigSeedSubFilter, enumerate_sig_fields
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
)

# Imported for its side effect: pyHanko's hex-string reader replaced by a fast one (as every
# signer has it); not through pades.py, so the validator runs without the signing code.
from econtract.pki import speedups  # noqa: F401
from econtract.pki.aio import run_on_pki_loop
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
from econtract.pki.signature_entries import (
    INDETERMINATE,
    TOTAL_FAILED,
    TOTAL_PASSED,
    Document,
    VerificationOptions,
    dss_counts,
    revisions_with_dss,
    signature_entry,
    timestamp_entry,
    validation_spec,
)

__all__ = ["VerificationOptions", "verify_pdf"]


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
    document = Document(reader, options, roots)
    embedded, unreadable = _embedded_signatures(reader)
    document.dss_revisions = revisions_with_dss(reader)
    document.timestamp_revisions = [
        s.signed_revision for s in embedded if s.sig_object_type == "/DocTimeStamp"
    ]
    spec = validation_spec(options, roots)
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
    signature: EmbeddedPdfSignature, spec: PdfSignatureValidationSpec, document: Document
) -> dict[str, Any]:
    """One signature's entry; a signature pyHanko cannot even read (no CMS, a garbled one, a
    dictionary without /ByteRange) is an entry that failed, never a report that is not made."""
    try:
        if signature.sig_object_type == "/DocTimeStamp":
            return await timestamp_entry(signature, document)
        return await signature_entry(signature, spec, document)
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
        raise PdfReadError(_error_text(first_error)) from first_error


def _error_text(error: BaseException) -> str:
    name = "zlib.error" if isinstance(error, zlib.error) else type(error).__name__
    return f"{name}: {error}"


def _damaged(pdf: bytes, error: Exception) -> dict[str, Any]:
    """The report of a file no revision of which can be read strictly, but that a reader
    repairs and shows: TOTAL-FAILED (FORMAT_FAILURE), since nothing shown can be checked.
    A file no reader opens either stays unreadable (``error`` propagates)."""
    seen = reader_sees(pdf)
    if seen is None:
        raise error
    pages, signatures = seen
    detail = {
        "error": _error_text(error)[:200],
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
        "dss": dss_counts(reader),
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

"""The kept validation report of each stored contract document (§10 reads it, never re-judges).

A concluded contract's document never changes; its report is made once, when it is sealed
(:func:`record_report`), by the one validator (``econtract.pki.validation.validate_document``,
offline: what the document carries — its DSS and its document timestamps — so the judgement
does not depend on a responder being up). Reading a contract reads the kept report
(:func:`report_of`) after checking the stored bytes against their hash. What can change with
time is refreshed: a report made under other trust roots or service keys is made again when
read, and the schedule remakes those older than ``DOCUMENT_REPORT_REFRESH_HOURS``
(:func:`refresh_reports`); an operator may refresh one at once (``refresh=True``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from econtract.contracts.documents import DocumentIntegrityError, read_document
from econtract.contracts.models import ContractVersion, DocumentReport
from econtract.pki.report import ValidationReport
from econtract.pki.validation import options_fingerprint, validate_document


def record_report(*, sha256: str, pdf: bytes) -> DocumentReport:
    """Validate ``pdf`` (the platform's own document) now and keep the report under ``sha256``."""
    return keep_report(sha256=sha256, report=validate_document(pdf=pdf, online=False))


def keep_report(*, sha256: str, report: ValidationReport) -> DocumentReport:
    """Keep ``report`` (the one validator's, offline) as the report of the document ``sha256``
    — the seal hands over the report it made of the sealed document."""
    row, _created = DocumentReport.objects.update_or_create(
        document_sha256=sha256,
        defaults={
            "report": report.data,
            "indication": report.indication,
            "options_fingerprint": options_fingerprint(),
            "validated_at": timezone.now(),
        },
    )
    return row


def report_of(version: ContractVersion, *, refresh: bool = False) -> dict[str, Any]:
    """The report of the version's current document, as JSON data with ``passed``,
    ``verified_at`` and ``document_sha256`` added. The stored bytes are checked against their
    hash on every read (cheap); the PDF is validated only when no current report is kept."""
    try:
        pdf = read_document(version)
    except (DocumentIntegrityError, OSError) as damaged:
        return failed_report(version.sha256, "HASH_FAILURE", str(damaged))
    row = DocumentReport.objects.filter(document_sha256=version.sha256).first()
    if refresh or row is None or row.options_fingerprint != options_fingerprint():
        row = record_report(sha256=version.sha256, pdf=pdf)
    return _answer(row)


def _answer(row: DocumentReport) -> dict[str, Any]:
    return {
        **row.report,
        "passed": row.indication == "TOTAL-PASSED",
        "verified_at": row.validated_at.isoformat(),
        "document_sha256": row.document_sha256,
    }


def failed_report(sha256: str, sub_indication: str, detail: str) -> dict[str, Any]:
    """A report that could not be made from the document (never kept: the store may be
    repaired, and a failure must not hide behind a kept answer)."""
    return {
        "indication": "TOTAL-FAILED",
        "sub_indication": sub_indication,
        "detail": detail,
        "passed": False,
        "verified_at": timezone.now().isoformat(),
        "document_sha256": sha256,
        "signatures": [],
        "findings": [],
        "problems": [detail],
    }


def refresh_reports(*, limit: int = 200) -> int:
    """Remake the reports older than the refresh period (oldest first); returns how many."""
    hours = int(getattr(settings, "DOCUMENT_REPORT_REFRESH_HOURS", 24))
    cutoff = timezone.now() - timedelta(hours=hours)
    refreshed = 0
    for row in DocumentReport.objects.filter(validated_at__lt=cutoff).order_by("validated_at")[
        :limit
    ]:
        version = ContractVersion.objects.filter(sha256=row.document_sha256).first()
        if version is None:
            continue
        report_of(version, refresh=True)
        refreshed += 1
    return refreshed

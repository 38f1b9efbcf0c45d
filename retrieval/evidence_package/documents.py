"""The package's ``documents/`` and ``verification/``: every version of the contract as
stored, the one validator's report of it (offline, made now), and that report as the
platform's sealed verification report PDF (X10's renderer and seal)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import timezone, translation

from econtract.contracts.documents import read_document
from econtract.contracts.models import ContractVersion
from econtract.contracts.validation import report_of
from econtract.pki.verification_report import render_report, seal_report
from retrieval.display import masked_contacts
from retrieval.evidence_package.access import Requester
from retrieval.models import Verification
from retrieval.verification import report_context


@dataclass(frozen=True, slots=True)
class VersionFiles:
    version: ContractVersion
    pdf: bytes
    report: dict[str, Any]
    report_pdf: bytes

    @property
    def stem(self) -> str:
        return f"v{self.version.number}-{self.version.kind}"

    def files(self) -> dict[str, bytes]:
        report = json.dumps(self.report, ensure_ascii=False, indent=2, sort_keys=True)
        return {
            f"documents/{self.stem}.pdf": self.pdf,
            f"verification/{self.stem}.json": report.encode(),
            f"verification/{self.stem}.pdf": self.report_pdf,
        }


def version_files(requester: Requester, language: str) -> Iterator[VersionFiles]:
    versions = requester.contract.versions.order_by("number")
    for version in versions:
        pdf = read_document(version)
        # Validated again now (offline, as the package will be read) and kept as the report.
        report = report_of(version, refresh=True)
        yield VersionFiles(version, pdf, report, _report_pdf(requester, version, report, language))


def _report_pdf(
    requester: Requester, version: ContractVersion, report: dict[str, Any], language: str
) -> bytes:
    """The verification report of the stored document, as X10 renders and seals one; not
    kept as a verification of an upload (nothing was uploaded)."""
    verification = Verification(
        requester=requester.actor,
        document_name=f"v{version.number}-{version.kind}.pdf",
        document_sha256=version.sha256,
        document_size=version.pdf.size,
        online=False,
        verdict=report["indication"],
        sub_indication=report.get("sub_indication") or "",
        result=report,
        contract=requester.contract,
        language=language,
        verified_at=timezone.now(),
    )
    with translation.override(language):
        context = report_context(verification)
        context["parties"] = _no_whole_numbers(context["parties"])
        pdf = render_report(context)
    return seal_report(pdf)


def _no_whole_numbers(parties: dict[str, Any] | None) -> dict[str, Any] | None:
    """The package leaves the platform: nobody's whole ID number or phone is in it, not even
    the requester's own."""
    if parties is None:
        return None
    return {**parties, "parties": [masked_contacts(p) for p in parties["parties"]]}

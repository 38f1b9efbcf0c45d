"""The one validation report, typed: what :func:`econtract.pki.verification.verify_pdf` returns
as JSON (it crosses the sandbox's pipe as plain data), read back into dataclasses.

Every path judges a PDF through that one function — an upload in the sandbox, a stored
contract at its conclusion and on refresh, the seal's check of the parties' signatures, the
report PDF — so the same file gets the same judgement everywhere; this module only gives the
JSON names and types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

TOTAL_PASSED = "TOTAL-PASSED"
TOTAL_FAILED = "TOTAL-FAILED"
INDETERMINATE = "INDETERMINATE"


@dataclass(frozen=True)
class SignatureVerdict:
    """One signature or document timestamp of the report."""

    field_name: str
    kind: str  # "signature" or "document_timestamp"
    group: str  # "user" (a party) or "service" (the platform's seal, its TSA)
    signer_subject: str
    signing_time: datetime | None  # claimed by the signer (/M); not proof of anything
    timestamp_time: datetime | None  # the TSA's time: signature timestamp, or the doc timestamp
    intact: bool  # the digest matches the signed byte range
    valid: bool  # the signature value verifies
    trusted: bool  # the signer's chain reaches a trust root
    coverage: str  # ENTIRE_FILE, ENTIRE_REVISION, ...
    modification_level: str | None  # changes after it, as pyHanko classifies them
    level: str  # B-B, B-T, B-LT, B-LTA or DOC-TS
    indication: str
    sub_indication: str | None
    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return self.indication == TOTAL_PASSED

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SignatureVerdict:
        timestamp = data.get("timestamp") or {}
        integrity = data.get("integrity") or {}
        return cls(
            field_name=str(data.get("field_name") or ""),
            kind=str(data.get("kind") or "signature"),
            group=str(data.get("group") or "user"),
            signer_subject=str((data.get("signer") or {}).get("subject") or ""),
            signing_time=_time(data.get("signing_time")),
            timestamp_time=_time(timestamp.get("time")),
            intact=bool(integrity.get("intact")),
            valid=bool(integrity.get("valid")),
            trusted=bool((data.get("chain") or {}).get("trusted")),
            coverage=str(data.get("coverage") or ""),
            modification_level=(data.get("modifications") or {}).get("level"),
            level=str(data.get("level") or ""),
            indication=str(data.get("indication") or TOTAL_FAILED),
            sub_indication=data.get("sub_indication"),
            problems=tuple(data.get("problems") or ()),
        )


@dataclass(frozen=True)
class ValidationReport:
    """The whole report: the verdict, each signature, the document findings, the JSON."""

    indication: str
    sub_indication: str | None
    signatures: tuple[SignatureVerdict, ...]
    findings: tuple[dict[str, Any], ...]
    problems: tuple[str, ...]
    data: dict[str, Any]

    @property
    def passed(self) -> bool:
        """The bottom line: signed, every signature TOTAL-PASSED and no document finding that
        keeps the verdict from it."""
        return self.indication == TOTAL_PASSED

    def finding_codes(self) -> set[str]:
        return {str(f.get("code")) for f in self.findings}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ValidationReport:
        return cls(
            indication=str(data.get("indication") or TOTAL_FAILED),
            sub_indication=data.get("sub_indication"),
            signatures=tuple(SignatureVerdict.from_json(s) for s in data.get("signatures", [])),
            findings=tuple(data.get("findings") or ()),
            problems=tuple(data.get("problems") or ()),
            data=data,
        )


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None

"""Every PDF of the package, validated by the platform's own validator (shipped as
``_kernel``), offline: by what each document carries, against the trust roots given."""

from __future__ import annotations

import re
from typing import Any

from pyhanko.pdf_utils.misc import PdfError

from econtract_verify._kernel.pki.verification import VerificationOptions, verify_pdf
from econtract_verify.checks import Check, failed, passed
from econtract_verify.package import Package

REPORT = "report/evidence-report.pdf"
_CHECKED = re.compile(
    r"^(documents/[^/]+\.pdf|verification/[^/]+\.pdf|report/evidence-report\.pdf)$"
)
TOTAL_PASSED = "TOTAL-PASSED"


def pdf_paths(package: Package) -> list[str]:
    return sorted(path for path in package.files if _CHECKED.match(path))


def check_documents(package: Package, options: VerificationOptions) -> list[Check]:
    paths = pdf_paths(package)
    checks = [check_pdf(path, package.files[path], options) for path in paths]
    if not any(path.startswith("documents/") for path in paths):
        checks.append(failed("documents", "the package holds no contract document"))
    if REPORT not in paths:
        checks.append(failed(f"PDF {REPORT}", "the evidence report is missing"))
    return checks


def check_pdf(path: str, pdf: bytes, options: VerificationOptions) -> Check:
    subject = f"PDF {path}"
    try:
        report = verify_pdf(pdf, options)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        return failed(subject, f"unreadable: {type(exc).__name__}: {str(exc)[:200]}")
    if report["indication"] != TOTAL_PASSED:
        return failed(subject, _failure(report))
    return passed(subject, _summary(report))


def _summary(report: dict[str, Any]) -> str:
    signers = [_who(s) for s in report["signatures"]]
    return f"{TOTAL_PASSED}: {len(signers)} signatures/timestamps ({'; '.join(signers)})"


def _who(signature: dict[str, Any]) -> str:
    signer = signature.get("signer") or {}
    name = signer.get("common_name") or signer.get("subject") or "?"
    return f"{signature.get('kind')} {name}"


def _failure(report: dict[str, Any]) -> str:
    reason = report["indication"]
    if report.get("sub_indication"):
        reason += f"/{report['sub_indication']}"
    problems = report.get("problems") or []
    shown = "; ".join(str(p) for p in problems[:3])
    more = f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
    return f"{reason}: {shown}{more}" if shown else reason

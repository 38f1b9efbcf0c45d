"""The verified contract a query or download sends (T6.4 / T7.4: 发送验证后的电子合同).

The stored document's bytes are checked against the recorded hash on every read, and its
validation report is the one the platform made with its one validator when the contract was
sealed, kept by document hash (``econtract.contracts.validation``): a stored document never
changes, so reading it never re-judges it; a report made under other trust roots is remade.
"""

from __future__ import annotations

from typing import Any

from econtract.contracts.models import Contract
from econtract.contracts.validation import failed_report, report_of


def verify_stored(contract: Contract) -> dict[str, Any]:
    """The report of the contract's current document, as JSON-ready data:
    ``{indication, sub_indication, passed, verified_at, document_sha256, signatures: [...],
    findings: [...], problems: [...]}``."""
    version = contract.current_version
    if version is None:
        return failed_report("", "NO_DOCUMENT", "The contract has no document.")
    return report_of(version)

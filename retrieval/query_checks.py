"""Verifying a stored contract afresh before it is returned (T6.4 / T7.4: 发送验证后的电子合同).

The stored document is read back (its bytes checked against the recorded hash) and every
signature and document timestamp in it validated again with pyHanko, offline: from what the
document carries (the DSS and the B-LTA document timestamp), so a query does not depend on the
CA's OCSP responder being reachable. A result is cached per document hash for a short while
(``QUERY_VERIFICATION_CACHE_SECONDS``, default 300): the same bytes verify the same way, and a
page that loads the contract and then its PDF should not validate it twice.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from econtract.contracts.documents import DocumentIntegrityError, read_document
from econtract.contracts.models import Contract
from econtract.pki.pades_validate import validate_document

_CACHE_PREFIX = "query-verification:v1:"


def cache_seconds() -> int:
    return int(getattr(settings, "QUERY_VERIFICATION_CACHE_SECONDS", 300))


def verify_stored(contract: Contract) -> dict[str, Any]:
    """The verification of the contract's current document, as JSON-ready data:
    ``{indication, passed, verified_at, document_sha256, signatures: [...]}``."""
    version = contract.current_version
    if version is None:
        return _failed("", "NO_DOCUMENT", "The contract has no document.")
    key = _CACHE_PREFIX + version.sha256
    cached = cache.get(key)
    if cached is not None:
        return dict(cached)
    try:
        pdf = read_document(version)
    except (DocumentIntegrityError, OSError) as damaged:
        # Never cached: the store may be repaired, and a failure must not hide behind a cache.
        return _failed(version.sha256, "HASH_FAILURE", str(damaged))
    validation = validate_document(pdf=pdf, online=False)
    result = {
        "indication": validation.indication,
        "passed": validation.passed,
        "verified_at": timezone.now().isoformat(),
        "document_sha256": version.sha256,
        "signatures": [_signature(asdict(report)) for report in validation.signatures],
    }
    cache.set(key, result, cache_seconds())
    return result


def _signature(report: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in report.items()
    }


def _failed(sha256: str, sub_indication: str, detail: str) -> dict[str, Any]:
    return {
        "indication": "TOTAL-FAILED",
        "sub_indication": sub_indication,
        "detail": detail,
        "passed": False,
        "verified_at": timezone.now().isoformat(),
        "document_sha256": sha256,
        "signatures": [],
    }

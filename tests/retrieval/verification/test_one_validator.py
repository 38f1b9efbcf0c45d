"""One validator: a stored contract's kept report and an upload of the same file agree, and a
read of a concluded contract does not judge the PDF again."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from econtract.contracts import validation
from econtract.contracts.models import Contract, ContractVersion, DocumentReport
from econtract.parties.models import Party
from retrieval.query_checks import verify_stored
from tests.object_store import tamper_with_stored
from tests.retrieval.verification.conftest import api_for
from tests.signing.sessions.conftest import CaptureCallbacks

pytestmark = pytest.mark.django_db
# What differs between two runs of the same judgement: when, and whether it asked online.
_VOLATILE = {"verified_at", "passed", "document_sha256", "online"}


def _judgement(report: dict[str, Any]) -> dict[str, Any]:
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in _VOLATILE}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return {
        key: strip(report[key])
        for key in ("indication", "sub_indication", "signatures", "findings", "problems")
    }


def _contract_of(pdf: bytes) -> Contract:
    sha256 = hashlib.sha256(pdf).hexdigest()
    return ContractVersion.objects.select_related("contract").get(sha256=sha256).contract


def test_the_report_is_kept_at_conclusion_and_reading_never_judges_again(
    concluded: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    contract = _contract_of(concluded)
    kept = DocumentReport.objects.get(document_sha256=hashlib.sha256(concluded).hexdigest())
    assert kept.indication == "TOTAL-PASSED"

    def no_validation(**_kwargs: Any) -> None:
        raise AssertionError("a read of a concluded contract validated the PDF")

    monkeypatch.setattr(validation, "validate_document", no_validation)
    report = verify_stored(contract)

    assert report["indication"] == "TOTAL-PASSED"
    assert report["passed"] is True
    assert report["verified_at"] == kept.validated_at.isoformat()


def test_a_report_made_under_other_trust_roots_is_made_again(concluded: bytes) -> None:
    contract = _contract_of(concluded)
    DocumentReport.objects.filter(document_sha256=hashlib.sha256(concluded).hexdigest()).update(
        options_fingerprint="0" * 64, indication="stale"
    )

    report = verify_stored(contract)

    assert report["indication"] == "TOTAL-PASSED"
    assert DocumentReport.objects.get(document_sha256=report["document_sha256"]).indication == (
        "TOTAL-PASSED"
    )


def test_the_query_and_an_upload_of_the_same_file_give_the_same_report(
    concluded: bytes, seller: Party, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    stored = verify_stored(_contract_of(concluded))
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(seller).post(
            "/api/v1/verifications/",
            {
                "document": SimpleUploadedFile("c.pdf", concluded, content_type="application/pdf"),
                "mode": "offline",
            },
            format="multipart",
        )
    assert response.status_code == 201, response.json()
    uploaded = response.json()
    uploaded_report = {
        "indication": uploaded["verdict"],
        "sub_indication": uploaded["sub_indication"],
        "signatures": uploaded["signatures"],
        "findings": [{k: v for k, v in f.items() if k != "text"} for f in uploaded["findings"]],
        "problems": uploaded["problems"],
    }

    assert _judgement(uploaded_report) == _judgement(stored)
    assert stored["indication"] == "TOTAL-PASSED"


def test_a_changed_stored_document_reads_as_a_hash_failure(concluded: bytes) -> None:
    contract = _contract_of(concluded)
    version = contract.current_version
    assert version is not None
    flip = lambda pdf: pdf[:100] + bytes([pdf[100] ^ 1]) + pdf[101:]  # noqa: E731
    tamper_with_stored(str(version.pdf.name), flip)

    report = verify_stored(contract)

    assert (report["indication"], report["sub_indication"]) == ("TOTAL-FAILED", "HASH_FAILURE")


def test_the_schedule_remakes_reports_older_than_the_refresh_period(
    concluded: bytes, settings: Any
) -> None:
    settings.DOCUMENT_REPORT_REFRESH_HOURS = 24
    sha256 = hashlib.sha256(concluded).hexdigest()
    old = timezone.now() - timedelta(hours=25)
    DocumentReport.objects.filter(document_sha256=sha256).update(validated_at=old)

    assert validation.refresh_reports() == 1

    kept = DocumentReport.objects.get(document_sha256=sha256)
    assert kept.validated_at > old
    assert kept.indication == "TOTAL-PASSED"
    assert validation.refresh_reports() == 0

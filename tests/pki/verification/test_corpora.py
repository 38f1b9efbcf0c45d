"""Hostile and tricky PDFs (../shared/corpora): never TOTAL-PASSED, never a stuck worker."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pytest_django import Settings

from econtract.pki.sandbox import DOCUMENT_UNREADABLE, LIMITS_EXCEEDED, SandboxError
from econtract.pki.validation import verify_document
from tests.pki.verification.conftest import corpus

pytestmark = pytest.mark.django_db
# What the report must name for a tricked signature: coverage, later modification or trust.
_NAMED_PROBLEMS = ("cover", "modified", "CHAIN", "NO_CERTIFICATE", "FORMAT_FAILURE")


@pytest.fixture(autouse=True)
def _tight_limits(settings: Settings) -> None:
    settings.VERIFICATION_CPU_SECONDS = 5
    settings.VERIFICATION_WALL_SECONDS = 10
    settings.VERIFICATION_MEMORY_MB = 768


@pytest.mark.parametrize("online", [False, True], ids=["offline", "online"])
def test_no_coverage_anomaly_is_total_passed_and_the_report_names_the_problem(
    online: bool,
) -> None:
    for path in corpus("pdf-coverage-anomalies"):
        result = verify_document(pdf=path.read_bytes(), online=online)

        assert result["indication"] != "TOTAL-PASSED", path.name
        assert result["signatures"], path.name
        assert result["problems"], path.name
        text = " ".join(result["problems"])
        assert any(word in text for word in _NAMED_PROBLEMS), (path.name, text)


def test_coverage_tricks_are_named_as_such() -> None:
    problems = {
        path.name: " ".join(verify_document(pdf=path.read_bytes(), online=False)["problems"])
        for path in corpus("pdf-coverage-anomalies")
    }

    assert "does not cover its whole revision" in problems["tail-uncovered.pdf"]
    assert "does not cover its whole revision" in problems["weird-byterange.pdf"]
    assert (
        "modified after this signature"
        in problems["form-update-override-appearance-stream-sneaky.pdf"]
    )


def test_every_malformed_pdf_gets_a_clear_error_or_a_failing_report_within_the_limits() -> None:
    outcomes: dict[str, str] = {}
    for path in corpus("pdf-malformed"):
        outcomes[path.name] = _outcome(path)

    assert all(o != "TOTAL-PASSED" for o in outcomes.values()), outcomes
    assert set(outcomes.values()) <= {
        DOCUMENT_UNREADABLE,
        LIMITS_EXCEEDED,
        "TOTAL-FAILED",
        "INDETERMINATE",
    }, outcomes
    # The verification still works afterwards.
    unsigned = corpus("pdf-malformed")[0]
    assert verify_document(pdf=unsigned.read_bytes(), online=False)


def _outcome(path: Path) -> str:
    started = time.monotonic()
    try:
        outcome = str(verify_document(pdf=path.read_bytes(), online=False)["indication"])
    except SandboxError as refused:
        outcome = refused.code
    assert time.monotonic() - started < 12, path.name
    return outcome

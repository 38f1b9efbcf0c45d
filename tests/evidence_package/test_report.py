"""The 出证报告 of the evidence package: sealed B-LTA by the platform, it tells the story of a
contract amended and then terminated, step by step with the standard's names, names the parties
and each version's SHA-256, and holds no whole ID number.

Two reports for the module: the Chinese one the buyer's package carries (built once for the
test package) and one rendered in English here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test.utils import override_settings
from pytest_django.plugin import DjangoDbBlocker

from econtract.contracts.evidence_objects import evidence_events
from econtract.evidence.steps import BY_CODE
from econtract.pki import pades_seal
from econtract.pki.validation import validate_document
from retrieval.evidence_package.report import render_evidence_report
from tests.contracts.pdftools import overlapping_characters, run
from tests.evidence_package.conftest import BUYER_ID_NUMBER, ChangedContracts, unzipped
from tests.pki.pades.verifiers import pdfsig

REPORT = "report/evidence-report.pdf"
USERNAMES = ("seller", "buyer", "carrier")  # the fixture's accounts: a report names parties


@pytest.fixture(scope="module")
def report_zh(buyer_package: bytes) -> bytes:
    return unzipped(buyer_package)[REPORT]


@pytest.fixture(scope="module")
def report_en(
    changed_contracts: ChangedContracts,
    seal_files: dict[str, Any],
    django_db_blocker: DjangoDbBlocker,
) -> bytes:
    contract = changed_contracts.contract
    with django_db_blocker.unblock(), override_settings(**seal_files):
        pades_seal.forget_platform_seal_certificates()
        events = list(evidence_events(contract))
        report = render_evidence_report(contract=contract, events=events, language="en")
    return report


@pytest.fixture(scope="module")
def steps(changed_contracts: ChangedContracts, django_db_blocker: DjangoDbBlocker) -> list[str]:
    """The contract's story up to its termination (a package issued since adds an X22)."""
    with django_db_blocker.unblock():
        events = evidence_events(changed_contracts.contract).exclude(step="X22")
        return [event.step for event in events]


def text_of(pdf: bytes) -> str:
    """The report's text with every run of white space one space (table cells wrap)."""
    return re.sub(r"\s+", " ", run("pdftotext", "{pdf}", "-", pdf=pdf))


def assert_in_order(text: str, names: list[str]) -> None:
    position = 0
    for index, name in enumerate(names):
        found = text.find(name, position)
        assert found >= 0, f"step {index + 1} ({name!r}) missing after position {position}"
        position = found + len(name)


def test_the_report_is_sealed_by_the_platform_and_verifies(
    report_zh: bytes, nss_db: Path, tmp_path: Path, db: None
) -> None:
    validation = validate_document(pdf=report_zh)

    assert validation.passed, validation.data
    assert [(s.group, s.kind, s.level) for s in validation.signatures] == [
        ("service", "signature", "B-LTA"),
        ("service", "document_timestamp", "DOC-TS"),
    ]
    path = tmp_path / "evidence-report.pdf"
    path.write_bytes(report_zh)
    seal = pdfsig(path, nss_db)[0]
    assert seal["Signature Validation"] == "Signature is Valid.", seal
    assert seal["Certificate Validation"] == "Certificate is Trusted.", seal


def test_the_story_names_every_step_in_order_by_the_standard(
    report_zh: bytes, report_en: bytes, steps: list[str]
) -> None:
    assert (steps[0], steps[-1]) == ("T4.1", "T12.11")
    assert "T11.1" in steps
    assert_in_order(text_of(report_zh), [BY_CODE[code].name_zh for code in steps])
    english = text_of(report_en)
    assert_in_order(english, [BY_CODE[code].name_en for code in steps])
    assert_in_order(english, [f"GB/T 36298 {code}" for code in steps if code.startswith("T")])


def test_the_cover_names_the_parties_and_each_version_by_its_hash(
    report_zh: bytes, changed_contracts: ChangedContracts, django_db_blocker: DjangoDbBlocker
) -> None:
    text = text_of(report_zh)
    contract = changed_contracts.contract
    with django_db_blocker.unblock():
        versions = list(contract.versions.order_by("number"))
    assert [v.kind for v in versions] == ["original", "amendment", "termination_agreement"]
    for version in versions:
        assert version.sha256 in text, version
    for party in (changed_contracts.seller, changed_contracts.buyer, changed_contracts.carrier):
        assert party.name in text
    assert contract.title in text
    assert contract.reference[:8] in text


def test_no_whole_id_number_and_no_account_names(report_zh: bytes, report_en: bytes) -> None:
    for text in (text_of(report_zh), text_of(report_en)):
        assert BUYER_ID_NUMBER not in text
        assert f"{BUYER_ID_NUMBER[:4]}**********{BUYER_ID_NUMBER[-4:]}" in text
        for username in USERNAMES:
            assert not re.search(rf"\b{username}\b", text), username


def test_english_on_request(report_en: bytes) -> None:
    text = text_of(report_en)

    assert "Evidence report" in text
    assert "How to check this report" in text
    assert "econtract-verify package.zip --trust root.pem" in text
    assert "(Beijing time)" in text


def test_no_text_runs_into_another(report_zh: bytes, report_en: bytes) -> None:
    # The tables take declared column widths (an automatic layout measured every hash at each
    # character: seconds a report); a hash wider than its column would run into the next.
    assert overlapping_characters(report_zh) == []
    assert overlapping_characters(report_en) == []


def test_the_story_numbers_its_steps_in_sequence(report_zh: bytes) -> None:
    # 序号 (a sequence number), not 编号 (an identifier such as the contract's number).
    assert "序号 环节、操作人与时间" in text_of(report_zh)

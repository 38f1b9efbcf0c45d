"""The kernel's verification of a PDF, run in the sandbox: ETSI EN 319 102-1 indications."""

from __future__ import annotations

from typing import Any

import pytest

from econtract.pki.validation import verify_document
from tests.attacks.generators import flipped_page_content
from tests.pki.pades.conftest import SignedContract

pytestmark = pytest.mark.django_db

FIELDS = ["partyA", "partyB", "platform"]


def _by_field(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["field_name"]: s for s in result["signatures"]}


@pytest.mark.parametrize("online", [True, False], ids=["online", "offline"])
def test_a_sealed_contract_is_total_passed(contract: SignedContract, online: bool) -> None:
    result = verify_document(pdf=contract.sealed, online=online)

    assert result["indication"] == "TOTAL-PASSED", result["problems"]
    assert result["sub_indication"] is None
    signatures = _by_field(result)
    assert set(FIELDS) <= set(signatures)
    for field in FIELDS:
        signature = signatures[field]
        assert signature["indication"] == "TOTAL-PASSED"
        assert signature["integrity"] == {"intact": True, "valid": True}
        assert signature["chain"]["trusted"] is True
        assert signature["revocation"]["status"] == "good"
        assert signature["revocation"]["online"] is online
        assert signature["timestamp"]["time"] is not None
        assert signature["level"] == "B-LTA"
    assert [signatures[f]["group"] for f in FIELDS] == ["user", "user", "service"]
    timestamps = [s for s in result["signatures"] if s["kind"] == "document_timestamp"]
    assert timestamps
    assert all(t["indication"] == "TOTAL-PASSED" for t in timestamps)
    assert result["dss"]["ocsps"] + result["dss"]["crls"] > 0


def test_party_signatures_before_the_seal_are_b_t(contract: SignedContract) -> None:
    result = verify_document(pdf=contract.after_b, online=True)

    assert result["indication"] == "TOTAL-PASSED", result["problems"]
    assert [s["level"] for s in result["signatures"]] == ["B-T", "B-T"]
    assert {s["group"] for s in result["signatures"]} == {"user"}


@pytest.mark.parametrize("online", [True, False], ids=["online", "offline"])
def test_one_flipped_byte_is_total_failed_with_a_hash_failure(
    contract: SignedContract, online: bool
) -> None:
    result = verify_document(pdf=flipped_page_content(contract.sealed), online=online)

    assert result["indication"] == "TOTAL-FAILED"
    assert result["sub_indication"] == "HASH_FAILURE"
    assert all(not s["integrity"]["intact"] for s in result["signatures"])


def test_a_certificate_revoked_after_the_signature_timestamp_still_passes(
    revoked_after_signing: bytes,
) -> None:
    result = verify_document(pdf=revoked_after_signing, online=True)

    [signature] = result["signatures"]
    assert signature["indication"] == "TOTAL-PASSED", (
        signature["best_signature_time"],
        signature["timestamp"],
        signature["revocation"],
    )
    assert signature["revocation"]["status"] == "revoked"
    assert signature["revocation"]["after_signing"] is True
    assert signature["revocation"]["revoked_at"] > signature["timestamp"]["time"]
    assert result["indication"] == "TOTAL-PASSED"


def test_a_certificate_revoked_before_signing_is_not_passed(
    revoked_before_signing: bytes,
) -> None:
    result = verify_document(pdf=revoked_before_signing, online=True)

    [signature] = result["signatures"]
    assert result["indication"] != "TOTAL-PASSED"
    assert signature["sub_indication"] in {"REVOKED", "REVOKED_NO_POE"}
    assert signature["revocation"]["status"] == "revoked"


def test_an_unsigned_pdf_is_total_failed(blank_contract: bytes) -> None:
    result = verify_document(pdf=blank_contract, online=False)

    assert result["indication"] == "TOTAL-FAILED"
    assert result["sub_indication"] == "FORMAT_FAILURE"
    assert result["signatures"] == []

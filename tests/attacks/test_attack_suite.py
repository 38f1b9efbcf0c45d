"""Every attack class of the PDF-signature research on a genuine concluded contract (text,
uploaded with a form field, and organisation-sealed with a paging seal): never TOTAL-PASSED,
never an unexpected error, the problem named.

The verification is the real one: the sandboxed child process, offline (what the document
carries), the platform's trust roots and seal.
"""

from __future__ import annotations

import pytest

from econtract.pki.sandbox import SandboxError
from econtract.pki.validation import verify_document
from tests.attacks.generators import Attack, damaged_object_stream, flip, signed_positions, variants
from tests.pki.pades.conftest import SignedContract

pytestmark = pytest.mark.django_db
VARIANTS = variants()


@pytest.fixture(params=["text", "uploaded", "organisation sealed", "placed fields"])
def genuine(
    request: pytest.FixtureRequest,
    contract: SignedContract,
    uploaded_contract: bytes,
    organisation_sealed_contract: bytes,
    placed_fields_contract: bytes,
) -> bytes:
    # All are made before any test's transaction (package scope): the CA's OCSP responder,
    # on another connection, sees the certificates they were signed with.
    return {
        "text": contract.sealed,
        "uploaded": uploaded_contract,
        "organisation sealed": organisation_sealed_contract,
        "placed fields": placed_fields_contract,
    }[request.param]


def test_the_genuine_contracts_verify_total_passed(genuine: bytes) -> None:
    result = verify_document(pdf=genuine, online=False)

    assert result["indication"] == "TOTAL-PASSED", result["problems"]
    assert [f for f in result["findings"] if f["severity"] != "info"] == []


@pytest.mark.parametrize(
    "attack", [v[2] for v in VARIANTS], ids=[f"{kind}: {name}" for kind, name, _a in VARIANTS]
)
def test_no_attack_verifies_and_each_is_named(genuine: bytes, attack: Attack) -> None:
    tampered = attack(genuine)
    assert tampered != genuine
    assert tampered.startswith(b"%PDF-")

    try:
        result = verify_document(pdf=tampered, online=False)
    except SandboxError as refused:  # a refusal is a verdict too: nothing verified
        code = refused.code
        assert code in {"document_unreadable", "verification_limits_exceeded"}
        return

    assert result["indication"] != "TOTAL-PASSED"
    assert result["problems"], result
    assert result["sub_indication"]


def test_random_flips_of_signed_bytes_never_verify(genuine: bytes) -> None:
    positions = signed_positions(genuine)
    for seed in range(12):
        tampered = flip(genuine, seed, positions)
        try:
            result = verify_document(pdf=tampered, online=False)
        except SandboxError:
            continue
        assert result["indication"] != "TOTAL-PASSED", seed


def test_changes_after_the_seal_name_what_changed(genuine: bytes) -> None:
    from tests.attacks.generators import metadata_info_title

    result = verify_document(pdf=metadata_info_title(genuine), online=False)

    assert result["indication"] == "TOTAL-FAILED"
    after_seal = [f for f in result["findings"] if f["code"] == "change_after_platform_seal"]
    assert after_seal, result["findings"]
    change = after_seal[0]["detail"]["change"]
    assert change["kind"] == "metadata"
    assert change["new"]["Title"] == "Invoice: paid in full"


def test_a_signed_revision_that_readers_repair_gets_a_failed_report_not_a_refusal(
    contract: SignedContract,
) -> None:
    import pypdfium2 as pdfium

    damaged = damaged_object_stream(contract.sealed)
    assert len(pdfium.PdfDocument(damaged)) >= 1  # the premise: a viewer shows it

    result = verify_document(pdf=damaged, online=False)

    assert result["indication"] == "TOTAL-FAILED"
    assert result["sub_indication"] == "FORMAT_FAILURE"
    [finding] = result["findings"]
    assert finding["code"] == "damaged_beyond_checking"
    assert finding["detail"]["reader_pages"] >= 1
    assert "zlib" in finding["detail"]["error"]


def test_a_file_no_reader_opens_is_refused_as_unreadable() -> None:
    with pytest.raises(SandboxError) as refused:
        verify_document(pdf=b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n", online=False)

    assert refused.value.code == "document_unreadable"

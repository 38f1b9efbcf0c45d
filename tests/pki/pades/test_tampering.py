"""One byte changed inside the signed range is caught by every verifier."""

from __future__ import annotations

from pathlib import Path

import pytest

from econtract.pki.validation import validate_document
from tests.pki.pades.conftest import FIELDS, SignedContract
from tests.pki.pades.verifiers import pdfsig, pyhanko_offline
from tests.pki_fixtures import LocalPki

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def tampered(contract: SignedContract) -> bytes:
    # A byte of the binary comment on the header's second line: covered by every signature,
    # yet the file still parses, so only the digests can tell.
    position = contract.sealed.index(b"\n%") + 3
    data = bytearray(contract.sealed)
    data[position] ^= 0x01
    return bytes(data)


@pytest.fixture
def tampered_file(tampered: bytes, tmp_path: Path) -> Path:
    path = tmp_path / "tampered.pdf"
    path.write_bytes(tampered)
    return path


def test_pdfsig_reports_a_digest_mismatch(tampered_file: Path, nss_db: Path) -> None:
    report = pdfsig(tampered_file, nss_db)

    for signature in (s for s in report if s["Signature Field Name"] in FIELDS):
        assert signature["Signature Validation"] == "Digest Mismatch.", signature


def test_pyhanko_validate_fails(tampered_file: Path, local_pki: LocalPki) -> None:
    result = pyhanko_offline(
        "sign", "validate", "--trust", str(local_pki.root_pem), "--trust-replace",
        "--no-revocation-check", str(tampered_file),
    )  # fmt: skip

    assert result.returncode != 0
    assert "INTACT" not in result.stdout.replace("INTACT:TRUSTED,TIMESTAMP", "")


def test_validate_document_is_total_failed_with_a_hash_failure(tampered: bytes) -> None:
    validation = validate_document(pdf=tampered)

    assert not validation.passed
    assert validation.indication == "TOTAL-FAILED"
    first = validation.signatures[0]
    assert (first.field_name, first.intact) == ("partyA", False)
    assert (first.indication, first.sub_indication) == ("TOTAL-FAILED", "HASH_FAILURE")

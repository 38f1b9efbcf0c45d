"""A contract certified by A (ECDSA P-256), signed by B (RSA-2048), sealed B-LTA by the platform.

Judged by verifiers that share no code with the engine: pdfsig (NSS), the pyHanko CLI in a
network namespace of its own (offline: only what the document carries), and openssl ts.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from asn1crypto import cms
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation.pdf_embedded import read_certification_data

from econtract.pki.validation import validate_document
from tests.pki.pades.conftest import FIELDS, SignedContract
from tests.pki.pades.verifiers import pdfsig, pyhanko_offline
from tests.pki_fixtures import LocalPki

pytestmark = pytest.mark.django_db


@pytest.fixture
def sealed_file(contract: SignedContract, tmp_path: Path) -> Path:
    path = tmp_path / "contract.pdf"
    path.write_bytes(contract.sealed)
    return path


def test_pdfsig_finds_every_signature_valid_and_trusted(sealed_file: Path, nss_db: Path) -> None:
    report = pdfsig(sealed_file, nss_db)

    signatures = [s for s in report if s["Signature Field Name"] in FIELDS]
    assert [s["Signature Field Name"] for s in signatures] == FIELDS
    for signature in signatures:
        assert signature["Signature Validation"] == "Signature is Valid.", signature
        assert signature["Certificate Validation"] == "Certificate is Trusted.", signature


def test_pyhanko_adesverify_passes_offline_on_the_embedded_validation_data(
    sealed_file: Path, local_pki: LocalPki
) -> None:
    result = pyhanko_offline(
        "sign", "adesverify", "--trust", str(local_pki.root_pem), "--trust-replace",
        str(sealed_file),
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == FIELDS
    assert all(":INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>" in line for line in lines)


def test_pyhanko_validate_finds_every_signature_intact_and_trusted(
    sealed_file: Path, local_pki: LocalPki
) -> None:
    result = pyhanko_offline(
        "sign", "validate", "--trust", str(local_pki.root_pem), "--trust-replace",
        "--no-revocation-check", str(sealed_file),
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr


def test_openssl_accepts_a_party_signature_timestamp_token(
    contract: SignedContract, local_pki: LocalPki, tmp_path: Path
) -> None:
    signer_info = _signer_info(contract.sealed, "partyB")
    token = signer_info["unsigned_attrs"][0]["values"][0]
    (tmp_path / "signature.bin").write_bytes(signer_info["signature"].native)
    (tmp_path / "token.der").write_bytes(token.dump())

    verify = subprocess.run(
        ["openssl", "ts", "-verify", "-data", str(tmp_path / "signature.bin"),
         "-in", str(tmp_path / "token.der"), "-token_in",
         "-CAfile", str(local_pki.root_pem), "-untrusted", str(local_pki.intermediate_pem)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert signer_info["unsigned_attrs"][0]["type"].native == "signature_time_stamp_token"
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "Verification: OK" in verify.stdout


def test_validate_document_passes_every_signature_and_the_document_timestamp(
    contract: SignedContract,
) -> None:
    validation = validate_document(pdf=contract.sealed)

    assert validation.passed
    assert validation.indication == "TOTAL-PASSED"
    kinds = [(s.field_name, s.kind) for s in validation.signatures]
    assert kinds[:3] == [(f, "signature") for f in FIELDS]
    assert kinds[3][1] == "document_timestamp"
    for report in validation.signatures:
        assert (report.intact, report.valid, report.trusted) == (True, True, True)
        assert report.timestamp_time is not None
        # pyHanko ends B-LTA with a DSS revision for the document timestamp's own TSA.
        assert report.coverage == "ENTIRE_REVISION"
    assert validation.signatures[0].signer_subject.endswith("甲方 示例科技有限公司")


def test_the_first_party_certifies_allowing_later_signatures(contract: SignedContract) -> None:
    reader = PdfFileReader(io.BytesIO(contract.after_a))

    certification = read_certification_data(reader)

    assert certification is not None
    assert certification.permission == MDPPerm.FILL_FORMS


def test_the_sealed_contract_is_an_incremental_update_of_the_blank_one(
    contract: SignedContract,
) -> None:
    assert contract.sealed.startswith(contract.after_b)
    assert contract.after_b.startswith(contract.after_a)
    assert contract.after_a.startswith(contract.blank)


def _signer_info(pdf: bytes, field_name: str) -> cms.SignerInfo:
    reader = PdfFileReader(io.BytesIO(pdf))
    embedded = next(s for s in reader.embedded_signatures if s.field_name == field_name)
    return embedded.signer_info

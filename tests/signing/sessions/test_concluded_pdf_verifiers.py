"""The concluded contract as the parties receive it, judged by verifiers that share no code with
the platform: pdfsig (NSS, our root only), the pyHanko CLI offline in a network namespace of its
own, and openssl ts on a party's signature timestamp token. One flipped byte fails each."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from asn1crypto import cms
from pyhanko.pdf_utils.reader import PdfFileReader

from econtract.contracts.documents import read_document
from econtract.contracts.models import Contract
from econtract.parties.models import Party
from tests.attacks.generators import flipped_page_content
from tests.pki.pades.conftest import Party as KeyHolder
from tests.pki.pades.verifiers import pdfsig, pyhanko_offline
from tests.pki_fixtures import LocalPki
from tests.signing.sessions.conftest import (
    CaptureCallbacks,
    offeror_signer,
    ready_contract,
    sign_in_turn,
)

pytestmark = pytest.mark.django_db

FIELDS = ["signatory1", "signatory2", "platform"]


@pytest.fixture
def concluded(
    seller: Party,
    buyer: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    django_capture_on_commit_callbacks: CaptureCallbacks,
) -> bytes:
    reference = ready_contract(seller, buyer)
    assert sign_in_turn(seller, reference, offeror_signer(seller_key)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert sign_in_turn(buyer, reference, buyer_key.sign).status_code == 200
    contract = Contract.objects.get(reference=reference)
    assert contract.state == Contract.State.IN_PERFORMANCE
    assert contract.current_version is not None
    return read_document(contract.current_version)


def write(tmp_path: Path, pdf: bytes, name: str = "contract.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def test_pdfsig_finds_both_parties_and_the_seal_valid_and_trusted(
    concluded: bytes, nss_db: Path, tmp_path: Path
) -> None:
    report = pdfsig(write(tmp_path, concluded), nss_db)

    signatures = [s for s in report if s["Signature Field Name"] in FIELDS]
    assert [s["Signature Field Name"] for s in signatures] == FIELDS
    for signature in signatures:
        assert signature["Signature Validation"] == "Signature is Valid.", signature
        assert signature["Certificate Validation"] == "Certificate is Trusted.", signature


def test_pdfsig_reports_a_digest_mismatch_after_one_flipped_byte(
    concluded: bytes, nss_db: Path, tmp_path: Path
) -> None:
    report = pdfsig(write(tmp_path, flipped_page_content(concluded)), nss_db)

    validations = [s.get("Signature Validation") for s in report]
    assert validations, report
    assert "Signature is Valid." not in validations, report


def test_pyhanko_adesverify_passes_offline(
    concluded: bytes, local_pki: LocalPki, tmp_path: Path
) -> None:
    result = _adesverify(local_pki, write(tmp_path, concluded))

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == FIELDS
    assert all(":INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>" in line for line in lines)


def test_pyhanko_adesverify_fails_offline_after_one_flipped_byte(
    concluded: bytes, local_pki: LocalPki, tmp_path: Path
) -> None:
    result = _adesverify(local_pki, write(tmp_path, flipped_page_content(concluded)))

    assert result.returncode != 0, result.stdout


def test_openssl_verifies_the_offeree_signature_timestamp_token(
    concluded: bytes, local_pki: LocalPki, tmp_path: Path
) -> None:
    signature, token = _signature_and_token(concluded, "signatory2")

    verified = _openssl_ts_verify(local_pki, tmp_path, signature, token)

    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "Verification: OK" in verified.stdout


def test_openssl_refuses_the_token_for_a_signature_with_one_flipped_byte(
    concluded: bytes, local_pki: LocalPki, tmp_path: Path
) -> None:
    signature, token = _signature_and_token(concluded, "signatory2")
    changed = bytes([signature[0] ^ 0x01]) + signature[1:]

    verified = _openssl_ts_verify(local_pki, tmp_path, changed, token)

    assert verified.returncode != 0
    assert "Verification: OK" not in verified.stdout


def _adesverify(local_pki: LocalPki, path: Path) -> subprocess.CompletedProcess[str]:
    return pyhanko_offline(
        "sign", "adesverify", "--trust", str(local_pki.root_pem), "--trust-replace", str(path)
    )


def _signature_and_token(pdf: bytes, field: str) -> tuple[bytes, bytes]:
    reader = PdfFileReader(io.BytesIO(pdf))
    embedded = next(s for s in reader.embedded_signatures if s.field_name == field)
    signer_info: cms.SignerInfo = embedded.signer_info
    attribute = signer_info["unsigned_attrs"][0]
    assert attribute["type"].native == "signature_time_stamp_token"
    return signer_info["signature"].native, attribute["values"][0].dump()


def _openssl_ts_verify(
    local_pki: LocalPki, tmp_path: Path, signature: bytes, token: bytes
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "signature.bin").write_bytes(signature)
    (tmp_path / "token.der").write_bytes(token)
    return subprocess.run(
        ["openssl", "ts", "-verify", "-data", str(tmp_path / "signature.bin"),
         "-in", str(tmp_path / "token.der"), "-token_in",
         "-CAfile", str(local_pki.root_pem), "-untrusted", str(local_pki.intermediate_pem)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip

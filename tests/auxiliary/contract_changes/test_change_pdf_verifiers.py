"""The sealed amended contract and termination agreement, judged by verifiers that share no code
with the platform: pdfsig (NSS, our root only) and the pyHanko CLI offline (AdES, B-LTA)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from econtract.contracts.documents import read_document
from econtract.contracts.models import Contract, ContractVersion
from econtract.parties.models import Party
from tests.auxiliary.contract_changes.helpers import (
    amendment_body,
    api,
    concluded,
    sign_change,
    termination_body,
)
from tests.pki.pades.conftest import Party as KeyHolder
from tests.pki.pades.verifiers import pdfsig, pyhanko_offline
from tests.pki_fixtures import LocalPki

pytestmark = pytest.mark.django_db

FIELDS = {"signatory1", "signatory2", "platform"}


def _sealed(
    kind: str,
    seller: Party,
    buyer: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    capture: Any,
) -> tuple[Contract, ContractVersion]:
    contract = concluded(seller, seller_key, [(buyer, buyer_key)], capture)
    base = f"/api/v1/contracts/{contract.reference}/{kind}s/"
    body = amendment_body() if kind == "amendment" else termination_body()
    created = api(seller).post(base, body, format="json")
    assert created.status_code == 201, created.json()
    url = f"{base}{created.json()['id']}/"
    assert api(buyer).post(f"{url}decision/", {"agree": True}, format="json").status_code == 200
    if kind == "amendment":
        assert api(buyer).post(f"{url}review/", {"accept": True}, format="json").status_code == 200
    assert sign_change(buyer, url, buyer_key).status_code == 200
    with capture(execute=True):
        assert sign_change(seller, url, seller_key).status_code == 200
    contract.refresh_from_db()
    kinds = {"amendment": "amendment", "termination": "termination_agreement"}
    version = ContractVersion.objects.get(contract=contract, kind=kinds[kind])
    return contract, version


@pytest.fixture(params=["amendment", "termination"])
def sealed(
    request: pytest.FixtureRequest,
    seller: Party,
    buyer: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    django_capture_on_commit_callbacks: Any,
) -> tuple[Contract, ContractVersion]:
    return _sealed(
        request.param, seller, buyer, seller_key, buyer_key, django_capture_on_commit_callbacks
    )


def test_the_new_version_names_the_original_by_hash(
    sealed: tuple[Contract, ContractVersion],
) -> None:
    contract, version = sealed
    original = contract.versions.get(number=1)

    assert original.kind == ContractVersion.Kind.ORIGINAL
    assert version.number == 2
    assert version.previous_sha256 == original.sha256
    assert version.original_sha256 != version.sha256


def test_pdfsig_finds_both_parties_and_the_seal_valid_and_trusted(
    sealed: tuple[Contract, ContractVersion], nss_db: Path, tmp_path: Path
) -> None:
    _contract, version = sealed
    document = tmp_path / "change.pdf"
    document.write_bytes(read_document(version))

    report = pdfsig(document, nss_db)

    signatures = [s for s in report if s["Signature Field Name"] in FIELDS]
    assert {s["Signature Field Name"] for s in signatures} == FIELDS
    for signature in signatures:
        assert signature["Signature Validation"] == "Signature is Valid.", signature
        assert signature["Certificate Validation"] == "Certificate is Trusted.", signature


def test_pyhanko_adesverify_passes_offline_and_fails_after_one_flipped_byte(
    sealed: tuple[Contract, ContractVersion], local_pki: LocalPki, tmp_path: Path
) -> None:
    _contract, version = sealed
    pdf = read_document(version)
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good.write_bytes(pdf)
    index = len(pdf) // 8
    bad.write_bytes(pdf[:index] + bytes([pdf[index] ^ 0x01]) + pdf[index + 1 :])

    result = _adesverify(local_pki, good)
    flipped = _adesverify(local_pki, bad)

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert {line.split(":")[0] for line in lines} == FIELDS
    assert all(":INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>" in line for line in lines)
    assert flipped.returncode != 0, flipped.stdout


def _adesverify(local_pki: LocalPki, path: Path) -> subprocess.CompletedProcess[str]:
    return pyhanko_offline(
        "sign", "adesverify", "--trust", str(local_pki.root_pem), "--trust-replace", str(path)
    )

"""Fixtures for the evidence package (出证): a contract concluded by three parties, amended and
then terminated, every signature made through the API by keys the test holds and sealed; and,
between its conclusion and its amendment, another contract of one of its parties with an
outsider, whose events lie among the first one's in the chain.

Built once for this test package (``changed_contracts``): inside one transaction opened for
the package and rolled back at its end; each test's own transaction is a savepoint inside it,
so what a test writes (an X22 event, an anchor) goes with the test. The CA, OCSP, CRL and TSA are
tests/pki/pades' package server, through the signing sessions' fixtures.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import TestCase
from django.test.utils import override_settings
from pytest_django.plugin import DjangoDbBlocker
from rest_framework.test import APIClient

from econtract.contracts.models import Contract
from econtract.parties.models import Party, User
from econtract.pki import pades_seal
from tests.authentication.conftest import bind
from tests.auxiliary.contract_changes.conftest import _forget_published_crls
from tests.auxiliary.contract_changes.helpers import (
    amendment_body,
    api,
    concluded,
    sign_change,
    termination_body,
)
from tests.pki.pades.conftest import PadesPki
from tests.pki.pades.conftest import Party as KeyHolder
from tests.signing.conftest import authenticate, make_party
from tests.signing.sessions.conftest import (
    _seal_settings,
    buyer_key,
    carrier_key,
    nss_db,
    pades_pki,
    platform_seal,
    seal_files,
    seller_key,
)

__all__ = [
    "_forget_published_crls",
    "_seal_settings",
    "buyer_key",
    "carrier_key",
    "nss_db",
    "pades_pki",
    "platform_seal",
    "seal_files",
    "seller_key",
]

# Whole ID numbers the package must never hold (GB 11643 check digits are right).
BUYER_ID_NUMBER = "11010519491231002X"
OUTSIDER_ID_NUMBER = "110105194912310037"
OTHER_TITLE = "办公家具租赁合同"


@dataclass(frozen=True)
class ChangedContracts:
    contract: Contract  # seller → buyer, carrier: concluded, amended, terminated
    other: Contract  # seller → outsider: concluded while the first was in performance
    seller: Party
    buyer: Party
    carrier: Party
    outsider: Party


@pytest.fixture(scope="package")
def changed_contracts(
    django_db_setup: None,
    django_db_blocker: DjangoDbBlocker,
    pades_pki: PadesPki,
    seal_files: dict[str, Any],
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    carrier_key: KeyHolder,
    outsider_key: KeyHolder,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ChangedContracts]:
    witnesses = tmp_path_factory.mktemp("evidence-witness")
    settings = override_settings(**seal_files, EVIDENCE_WITNESS_DIR=witnesses)
    with django_db_blocker.unblock(), settings, transaction.atomic():
        pades_seal.forget_platform_seal_certificates()
        built = _build(seller_key, buyer_key, carrier_key, outsider_key)
        yield built
        transaction.set_rollback(True)


@pytest.fixture(scope="package")
def buyer_package(changed_contracts: ChangedContracts, seal_files: dict[str, Any]) -> bytes:
    """The buyer's package of ``changed_contracts.contract``, built once (its X22 event stays
    until the test package ends)."""
    with override_settings(**seal_files):
        pades_seal.forget_platform_seal_certificates()
        response = package_response(changed_contracts.contract, changed_contracts.buyer)
    assert response.status_code == 200, response.content[:500]
    return bytes(response.content)


@pytest.fixture(scope="package")
def outsider_key(pades_pki: PadesPki) -> KeyHolder:
    from cryptography.hazmat.primitives.asymmetric import ec

    return pades_pki.issue("李四", ec.generate_private_key(ec.SECP256R1()))


@pytest.fixture
def changed_contract(changed_contracts: ChangedContracts, db: None) -> Contract:
    """Concluded by three parties, amended, then terminated (all signed and sealed)."""
    contract = changed_contracts.contract
    contract.refresh_from_db()
    return contract


PackageZip = Callable[..., bytes]


@pytest.fixture
def package_zip(db: None) -> PackageZip:
    """``package_zip(contract, requester, **query) -> bytes``: the package as ``requester`` (a
    party or an account) downloads it over the API; fails the test unless 200."""

    def download(contract: Contract, requester: Party | User, **query: str) -> bytes:
        response = package_response(contract, requester, **query)
        assert response.status_code == 200, response.content[:500]
        assert response["Content-Type"] == "application/zip"
        return b"".join(response) if response.streaming else response.content

    return download


def package_response(contract: Contract, requester: Party | User, **query: str) -> Any:
    account = requester.account if isinstance(requester, Party) else requester
    client = APIClient()
    client.force_authenticate(account)
    return client.get(f"/api/v1/contracts/{contract.reference}/evidence-package/", query)


def unzipped(package: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# --- building -----------------------------------------------------------------------------------


def _build(
    seller_key: KeyHolder, buyer_key: KeyHolder, carrier_key: KeyHolder, outsider_key: KeyHolder
) -> ChangedContracts:
    capture = TestCase.captureOnCommitCallbacks
    seller = _party(
        "seller", "北京示例科技有限公司", "13800000001", seller_key, "91110108MA01234567"
    )
    buyer = _party("buyer", "张三", "13800000002", buyer_key, id_number=BUYER_ID_NUMBER)
    carrier = _party(
        "carrier", "上海示例物流有限公司", "13800000004", carrier_key, "91310000MA1K000001"
    )
    outsider = _party("outsider", "李四", "13800000003", outsider_key, id_number=OUTSIDER_ID_NUMBER)
    offerees = [(buyer, buyer_key), (carrier, carrier_key)]
    contract = concluded(seller, seller_key, offerees, capture)
    keys = {seller.pk: seller_key, buyer.pk: buyer_key, carrier.pk: carrier_key}
    parties = [seller, buyer, carrier]
    others: list[Contract] = []
    # The other contract is made while the amendment is being decided: its events lie in the
    # amendment's run to an anchor, as the events of strangers do on a busy platform.
    _amend(
        contract,
        parties,
        keys,
        capture,
        meanwhile=lambda: others.append(
            _other_contract(seller, seller_key, outsider, outsider_key, capture)
        ),
    )
    other = others[0]
    _terminate(contract, parties, keys, capture)
    contract.refresh_from_db()
    assert contract.state == Contract.State.TERMINATED
    return ChangedContracts(contract, other, seller, buyer, carrier, outsider)


def _party(
    username: str,
    name: str,
    phone: str,
    key: KeyHolder,
    credit_code: str = "",
    *,
    id_number: str = "",
) -> Party:
    kind = Party.Kind.ORGANIZATION if credit_code else Party.Kind.PERSON
    party = make_party(username, name=name, phone=phone, kind=kind, credit_code=credit_code)
    if id_number:
        party.id_type, party.id_number = Party.IdType.RESIDENT_ID, id_number
        party.save()
    authenticate(party)
    party.signing_certificate = bind(party, key.certificate)  # type: ignore[attr-defined]
    return party


def _other_contract(
    seller: Party, seller_key: KeyHolder, outsider: Party, outsider_key: KeyHolder, capture: Any
) -> Contract:
    contract = concluded(seller, seller_key, [(outsider, outsider_key)], capture)
    Contract.objects.filter(pk=contract.pk).update(title=OTHER_TITLE)
    contract.refresh_from_db()
    return contract


def _amend(
    contract: Contract,
    parties: list[Party],
    keys: dict[int, KeyHolder],
    capture: Any,
    *,
    meanwhile: Callable[[], Any],
) -> None:
    """The carrier applies; the seller, then the buyer agree (``meanwhile`` happens between)
    and review; all sign in turn."""
    initiator, counterparties = parties[2], parties[:2]
    base = f"/api/v1/contracts/{contract.reference}/amendments/"
    created = api(initiator).post(base, amendment_body(), format="json")
    assert created.status_code == 201, created.json()
    url = f"{base}{created.json()['id']}/"
    for party in counterparties:
        decided = api(party).post(f"{url}decision/", {"agree": True}, format="json")
        assert decided.status_code == 200, decided.json()
        if party == counterparties[0]:
            meanwhile()
    for party in counterparties:
        reviewed = api(party).post(f"{url}review/", {"accept": True}, format="json")
        assert reviewed.status_code == 200, reviewed.json()
    _sign_all(url, parties, keys, capture)


def _terminate(
    contract: Contract, parties: list[Party], keys: dict[int, KeyHolder], capture: Any
) -> None:
    """The buyer applies; the seller and the carrier agree; all sign in turn."""
    initiator = parties[1]
    base = f"/api/v1/contracts/{contract.reference}/terminations/"
    created = api(initiator).post(base, termination_body(), format="json")
    assert created.status_code == 201, created.json()
    url = f"{base}{created.json()['id']}/"
    for party in (p for p in parties if p != initiator):
        decided = api(party).post(f"{url}decision/", {"agree": True}, format="json")
        assert decided.status_code == 200, decided.json()
    _sign_all(url, parties, keys, capture)


def _sign_all(url: str, parties: list[Party], keys: dict[int, KeyHolder], capture: Any) -> None:
    """Each participant in the order the change names (``next_signer``); the seal task runs
    after the last signature."""
    by_pk = {party.pk: party for party in parties}
    for _turn in parties:
        following = api(parties[0]).get(url).json()["next_signer"]
        assert following is not None, api(parties[0]).get(url).json()
        party = by_pk[following]
        with capture(execute=True):
            signed = sign_change(party, url, keys[following])
        assert signed.status_code == 200, signed.json()
    state = api(parties[0]).get(url).json()["state"]
    assert state in ("amended", "terminated"), state

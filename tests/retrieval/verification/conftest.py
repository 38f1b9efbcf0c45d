"""Contracts concluded through the signing flow (tests/signing/sessions' fixtures: the built-in
CA on a package server, parties with keys, the platform seal), then verified."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from rest_framework.test import APIClient

from econtract.contracts.documents import read_document
from econtract.contracts.models import Contract
from econtract.parties.models import Party, User
from econtract.pki.sandbox import close_pools
from tests.pki.pades.conftest import Party as KeyHolder
from tests.signing.conftest import client_for, offeree, offeror, outsider
from tests.signing.sessions.conftest import (
    CaptureCallbacks,
    _seal_settings,
    buyer,
    buyer_key,
    nss_db,
    offeror_signer,
    pades_pki,
    platform_seal,
    ready_contract,
    seal_files,
    seller,
    seller_key,
    sign_in_turn,
)

__all__ = [
    "_seal_settings",
    "buyer",
    "buyer_key",
    "nss_db",
    "offeree",
    "offeror",
    "outsider",
    "pades_pki",
    "platform_seal",
    "seal_files",
    "seller",
    "seller_key",
]


@pytest.fixture(scope="package", autouse=True)
def _sandboxes_closed(pades_pki: object) -> Iterator[None]:
    # Their keep-alive OCSP connections hold the package server's database connections.
    yield
    close_pools()


@pytest.fixture
def concluded(
    seller: Party,
    buyer: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    django_capture_on_commit_callbacks: CaptureCallbacks,
) -> bytes:
    """The sealed PDF of a contract concluded by the signing flow (seller → buyer → seal)."""
    reference = ready_contract(seller, buyer)
    assert sign_in_turn(seller, reference, offeror_signer(seller_key)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert sign_in_turn(buyer, reference, buyer_key.sign).status_code == 200
    contract = Contract.objects.get(reference=reference)
    assert contract.state == Contract.State.IN_PERFORMANCE
    assert contract.current_version is not None
    return read_document(contract.current_version)


def api_for(party: Party) -> APIClient:
    return client_for(party)


def api_for_account(account: User) -> APIClient:
    api = APIClient()
    api.force_authenticate(account)
    return api


def browser_for(account: User) -> Client:
    client = Client()
    client.force_login(account)
    return client

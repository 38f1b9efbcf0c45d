"""Concluded contracts for query and download: signed through the API by keys the test holds and
sealed by the platform, as in tests/signing/sessions (whose fixtures are reused here)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from authentication.models import Authentication
from econtract.contracts.models import AccessGrant, Contract
from econtract.parties.models import Party
from signing import conclusion
from tests.pki.pades.conftest import Party as KeyHolder
from tests.signing.conftest import authenticate, client_for, offeree, offeror, outsider
from tests.signing.sessions.conftest import (
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


def conclude(seller: Party, buyer: Party, seller_key: KeyHolder, buyer_key: KeyHolder) -> Contract:
    """A contract both parties signed and the platform sealed: ``in_performance``."""
    reference = ready_contract(seller, buyer)
    assert sign_in_turn(seller, reference, offeror_signer(seller_key)).status_code == 200
    assert sign_in_turn(buyer, reference, buyer_key.sign).status_code == 200
    contract = Contract.objects.get(reference=reference)
    # In a test transaction the seal task queued on commit never runs: conclude here. With
    # ``transactional_db`` (browser tests) it ran when the last signature committed.
    if contract.state == Contract.State.SIGNING:
        assert conclusion.conclude_contract(contract_id=contract.pk)
        contract.refresh_from_db()
    assert contract.state == Contract.State.IN_PERFORMANCE
    return contract


@pytest.fixture
def concluded(seller: Party, buyer: Party, seller_key: KeyHolder, buyer_key: KeyHolder) -> Contract:
    return conclude(seller, buyer, seller_key, buyer_key)


@pytest.fixture
def applicant(outsider: Party) -> Party:
    """A registered non-party, authenticated, who may be granted access."""
    authenticate(outsider)
    return outsider


def unauthenticate(party: Party) -> None:
    """Every authentication of the party ran out a second ago."""
    Authentication.objects.filter(party=party).update(
        valid_until=timezone.now() - timedelta(seconds=1)
    )


def grant(
    contract: Contract,
    by: Party,
    to: Party,
    scope: tuple[str, ...] = ("query", "download"),
    days: int = 7,
) -> dict[str, Any]:
    response = client_for(by).post(
        f"/api/v1/contracts/{contract.reference}/grants/",
        {
            "grantee": to.account.username,
            "scope": list(scope),
            "expires_at": (timezone.now() + timedelta(days=days)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body: dict[str, Any] = response.json()
    return body


def consent(party: Party, grant_id: object, agree: bool = True) -> APIClient:
    api = client_for(party)
    response = api.post(f"/api/v1/grants/{grant_id}/consent/", {"agree": agree}, format="json")
    assert response.status_code == 200, response.json()
    return api


def active_grant(contract: Contract, by: Party, other: Party, to: Party, **kw: object) -> int:
    body = grant(contract, by, to, **kw)  # type: ignore[arg-type]
    consent(other, body["id"])
    assert AccessGrant.objects.get(pk=body["id"]).state == AccessGrant.State.ACTIVE
    return int(str(body["id"]))

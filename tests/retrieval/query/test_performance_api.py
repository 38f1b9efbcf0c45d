"""Performance completed (X6): each party confirms; the last confirmation makes it performed."""

from __future__ import annotations

from typing import Any

import pytest

from econtract.contracts.models import Contract
from econtract.evidence.models import EvidenceEvent
from econtract.notifications.models import Notification
from econtract.parties.models import Party
from tests.signing.conftest import client_for, contract_body

pytestmark = pytest.mark.django_db


def confirm(party: Party, contract: Contract) -> tuple[int, dict[str, Any]]:
    response = client_for(party).post(f"/api/v1/contracts/{contract.reference}/confirm-performed/")
    return response.status_code, response.json()


def test_the_contract_is_performed_when_every_party_has_confirmed(
    concluded: Contract, seller: Party, buyer: Party
) -> None:
    first_status, first = confirm(seller, concluded)

    assert (first_status, first["state"]) == (200, "in_performance")
    assert Notification.objects.filter(
        recipient=buyer.account, kind="performance_confirmed"
    ).exists()

    second_status, second = confirm(buyer, concluded)

    assert (second_status, second["state"]) == (200, "performed")
    events = EvidenceEvent.objects.filter(object_id=str(concluded.pk), step="X6").order_by(
        "sequence"
    )
    assert [e.payload["state"] for e in events] == ["in_performance", "performed"]
    assert [h["step"] for h in second["history"]][-2:] == ["X6", "X6"]
    for party in (seller, buyer):
        assert Notification.objects.filter(
            recipient=party.account, kind="contract_performed"
        ).exists()
    status = client_for(buyer).get(f"/api/v1/contracts/{concluded.reference}/").json()
    assert status["performance_status"]["zh"] == "履行完毕"


def test_a_party_confirms_once(concluded: Contract, seller: Party) -> None:
    confirm(seller, concluded)

    status, body = confirm(seller, concluded)

    assert (status, body["code"]) == (409, "already_confirmed")
    assert EvidenceEvent.objects.filter(object_id=str(concluded.pk), step="X6").count() == 1


def test_a_contract_not_in_performance_cannot_be_confirmed(seller: Party, buyer: Party) -> None:
    reference = (
        client_for(seller).post("/api/v1/contracts/", contract_body(), format="json").json()["id"]
    )

    status, body = confirm(seller, Contract.objects.get(reference=reference))

    assert (status, body["code"]) == (409, "invalid_state")

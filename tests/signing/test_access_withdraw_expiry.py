"""Who sees a contract, withdrawal by the offeror (X3), expiry at the deadline (X4), the list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from econtract.contracts.models import Contract
from econtract.evidence.models import EvidenceEvent
from econtract.notifications.models import Notification
from econtract.parties.models import Party
from signing import services, tasks
from tests.signing.conftest import client_for, contract_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(offeror_api: APIClient, offeree: Party) -> Contract:
    reference = offeror_api.post("/api/v1/contracts/", contract_body(), format="json").json()["id"]
    assert offeror_api.post(f"/api/v1/contracts/{reference}/submit/").status_code == 200
    return Contract.objects.get(reference=reference)


@pytest.mark.parametrize("path", ["", "document/", "evidence/"])
def test_another_party_s_contract_answers_404(ready: Contract, outsider: Party, path: str) -> None:
    response = client_for(outsider).get(f"/api/v1/contracts/{ready.reference}/{path}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("path", ["", "document/", "evidence/"])
def test_the_offeree_sees_the_contract_it_is_named_in(
    ready: Contract, offeree: Party, path: str
) -> None:
    assert client_for(offeree).get(f"/api/v1/contracts/{ready.reference}/{path}").status_code == 200


def test_the_evidence_endpoint_lists_the_contract_s_steps_in_order(
    ready: Contract, offeror_api: APIClient
) -> None:
    events = offeror_api.get(f"/api/v1/contracts/{ready.reference}/evidence/").json()["results"]

    assert [e["step"] for e in events] == ["T4.1", "T4.2", "T4.3", "T4.4", "T4.5"]
    assert events[0]["step_name"]["zh"] == "合同签署申请"


def test_the_offeror_withdraws_and_every_party_is_told(
    ready: Contract, offeror_api: APIClient, offeror: Party, offeree: Party
) -> None:
    response = offeror_api.post(
        f"/api/v1/contracts/{ready.reference}/withdraw/", {"reason": "价格有误"}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "withdrawn"
    event = EvidenceEvent.objects.get(step="X3")
    assert event.payload == {"state": "withdrawn", "reason": "价格有误"}
    told = Notification.objects.filter(kind="contract_withdrawn")
    assert {n.recipient for n in told} == {offeror.account, offeree.account}


def test_an_offeree_cannot_withdraw(ready: Contract, offeree: Party) -> None:
    response = client_for(offeree).post(
        f"/api/v1/contracts/{ready.reference}/withdraw/", {"reason": "不想要了"}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "only_offeror"
    ready.refresh_from_db()
    assert ready.state == "ready"


def test_a_draft_cannot_be_withdrawn(offeror_api: APIClient, offeree: Party) -> None:
    reference = offeror_api.post("/api/v1/contracts/", contract_body(), format="json").json()["id"]

    response = offeror_api.post(
        f"/api/v1/contracts/{reference}/withdraw/", {"reason": "x"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_state"


def test_an_offeree_cannot_submit(ready: Contract, offeree: Party) -> None:
    response = client_for(offeree).post(f"/api/v1/contracts/{ready.reference}/submit/")

    assert response.status_code == 403


def test_a_contract_past_its_deadline_expires_and_every_party_is_told(
    ready: Contract, offeror: Party, offeree: Party
) -> None:
    Contract.objects.filter(pk=ready.pk).update(sign_deadline=timezone.now() - timedelta(seconds=1))

    assert tasks.expire_overdue_contracts() == 1

    ready.refresh_from_db()
    assert ready.state == "expired"
    assert EvidenceEvent.objects.get(step="X4").actor_type == "platform"
    told = Notification.objects.filter(kind="contract_expired")
    assert {n.recipient for n in told} == {offeror.account, offeree.account}
    assert services.expire_overdue_contracts() == 0


def test_contracts_before_their_deadline_or_not_yet_ready_do_not_expire(
    ready: Contract, offeror_api: APIClient
) -> None:
    reference = offeror_api.post("/api/v1/contracts/", contract_body(), format="json").json()["id"]
    Contract.objects.filter(reference=reference).update(
        sign_deadline=timezone.now() - timedelta(seconds=1)
    )

    assert services.expire_overdue_contracts() == 0
    assert Contract.objects.get(reference=reference).state == "draft"


def test_the_list_shows_the_caller_s_contracts_filtered(
    ready: Contract, offeror_api: APIClient, offeree: Party, outsider: Party
) -> None:
    draft = offeror_api.post("/api/v1/contracts/", contract_body(), format="json").json()["id"]

    def ids(client: APIClient, query: str = "") -> list[str]:
        response = client.get(f"/api/v1/contracts/{query}")
        assert response.status_code == 200, response.json()
        return [c["id"] for c in response.json()["results"]]

    assert ids(offeror_api) == [draft, ready.reference]
    assert ids(offeror_api, "?state=ready") == [ready.reference]
    assert ids(offeror_api, "?role=offeree") == []
    # A draft is the offeror's until submitted: its counterparty does not see it.
    assert ids(client_for(offeree), "?role=offeree") == [ready.reference]
    assert ids(offeror_api, "?counterparty=buyer") == [draft, ready.reference]
    assert ids(offeror_api, "?counterparty=outsider") == []
    assert ids(client_for(offeree), "?counterparty=91110108MA01234567") == [ready.reference]
    assert ids(client_for(outsider)) == []
    later = (timezone.now() + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert ids(offeror_api, f"?since={later}") == []
    assert ids(offeror_api, f"?until={later}") == [draft, ready.reference]

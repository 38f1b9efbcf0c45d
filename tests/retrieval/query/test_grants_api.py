"""Access grants to a non-party applicant (X5): pending until every party consents, active until
it expires, ended by one refusal; the grantee reads what the scope names and nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from econtract.contracts.models import AccessGrant, Contract
from econtract.evidence.models import EvidenceEvent
from econtract.notifications.models import Notification
from econtract.parties.models import Party
from tests.retrieval.query.conftest import active_grant, consent, grant
from tests.signing.conftest import client_for, contract_body

pytestmark = pytest.mark.django_db


def x5_events(contract: Contract) -> list[str]:
    events = EvidenceEvent.objects.filter(object_id=str(contract.pk), step="X5").order_by(
        "sequence"
    )
    return [e.payload["event"] for e in events]


def test_a_grant_is_pending_until_every_party_consents_then_the_grantee_reads(
    concluded: Contract, seller: Party, buyer: Party, applicant: Party
) -> None:
    body = grant(concluded, seller, applicant)
    grantee = client_for(applicant)
    detail = f"/api/v1/contracts/{concluded.reference}/"

    assert body["state"] == "pending"
    assert grantee.get(detail).status_code == 404
    assert Notification.objects.filter(
        recipient=buyer.account, kind="grant_consent_requested"
    ).exists()

    answered = consent(buyer, body["id"]).get(f"/api/v1/grants/{body['id']}/").json()

    assert answered["state"] == "active"
    read = grantee.get(f"{detail}?include=requester,registration")
    assert read.status_code == 200, read.json()
    assert read.json()["requester"]["role"] == "grantee"
    assert read.json()["requester"]["grant"]["id"] == body["id"]
    assert len(read.json()["registration"]) == 2
    assert grantee.get(f"{detail}document/").status_code == 200
    assert x5_events(concluded) == ["applied", "consented", "activated"]
    assert Notification.objects.filter(recipient=applicant.account, kind="grant_activated").exists()


def test_the_grantee_sees_the_contract_in_its_list_but_not_its_evidence(
    concluded: Contract, seller: Party, buyer: Party, applicant: Party
) -> None:
    active_grant(concluded, seller, buyer, applicant)
    grantee = client_for(applicant)

    listed = grantee.get("/api/v1/contracts/?role=grantee").json()
    evidence = grantee.get(f"/api/v1/contracts/{concluded.reference}/evidence/")

    assert [c["id"] for c in listed["results"]] == [concluded.reference]
    assert grantee.get("/api/v1/contracts/?role=offeree").json()["count"] == 0
    assert evidence.status_code == 404


def test_a_query_only_grant_does_not_allow_download(
    concluded: Contract, seller: Party, buyer: Party, applicant: Party
) -> None:
    active_grant(concluded, seller, buyer, applicant, scope=("query",))

    response = client_for(applicant).get(f"/api/v1/contracts/{concluded.reference}/document/")

    assert response.status_code == 403
    assert response.json()["code"] == "scope_not_granted"


def test_one_refusal_ends_the_grant(
    concluded: Contract, seller: Party, buyer: Party, applicant: Party
) -> None:
    body = grant(concluded, seller, applicant)

    consent(buyer, body["id"], agree=False)

    assert AccessGrant.objects.get(pk=body["id"]).state == AccessGrant.State.REFUSED
    assert client_for(applicant).get(f"/api/v1/contracts/{concluded.reference}/").status_code == 404
    again = client_for(seller).post(f"/api/v1/grants/{body['id']}/consent/", {"agree": True})
    assert again.status_code == 409
    assert x5_events(concluded) == ["applied", "refused"]
    assert Notification.objects.filter(recipient=applicant.account, kind="grant_refused").exists()


def test_an_expired_grant_answers_404_again(
    concluded: Contract, seller: Party, buyer: Party, applicant: Party
) -> None:
    grant_id = active_grant(concluded, seller, buyer, applicant)
    grantee = client_for(applicant)
    assert grantee.get(f"/api/v1/contracts/{concluded.reference}/").status_code == 200

    AccessGrant.objects.filter(pk=grant_id).update(expires_at=timezone.now())

    assert grantee.get(f"/api/v1/contracts/{concluded.reference}/").status_code == 404
    assert grantee.get(f"/api/v1/contracts/{concluded.reference}/document/").status_code == 404
    assert grantee.get("/api/v1/contracts/").json()["count"] == 0
    assert grantee.get(f"/api/v1/grants/{grant_id}/").json()["expired"] is True


def test_the_grantee_has_no_say_and_a_party_answers_once(
    concluded: Contract, seller: Party, buyer: Party, applicant: Party
) -> None:
    body = grant(concluded, seller, applicant)

    by_grantee = client_for(applicant).post(
        f"/api/v1/grants/{body['id']}/consent/", {"agree": True}
    )
    by_applicant = client_for(seller).post(f"/api/v1/grants/{body['id']}/consent/", {"agree": True})

    assert by_grantee.status_code == 403
    assert by_applicant.status_code == 409
    assert by_applicant.json()["code"] == "already_answered"
    assert AccessGrant.objects.get(pk=body["id"]).state == AccessGrant.State.PENDING


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"grantee": "buyer"}, "grantee_is_party"),
        ({"grantee": "nobody-at-all"}, "unknown_grantee"),
        ({"scope": ["query", "delete"]}, "invalid"),
        ({"expires_at": "2001-01-01T00:00:00Z"}, "invalid_expiry"),
        ({"expires_at": (timezone.now() + timedelta(days=4000)).isoformat()}, "invalid_expiry"),
    ],
)
def test_a_bad_grant_application_is_refused_and_changes_nothing(
    concluded: Contract, seller: Party, applicant: Party, change: dict[str, object], code: str
) -> None:
    body = {
        "grantee": applicant.account.username,
        "scope": ["query"],
        "expires_at": (timezone.now() + timedelta(days=3)).isoformat(),
        **change,
    }

    response = client_for(seller).post(
        f"/api/v1/contracts/{concluded.reference}/grants/", body, format="json"
    )

    assert response.status_code in (400, 422)
    assert response.json()["code"] == code
    assert not AccessGrant.objects.exists()
    assert x5_events(concluded) == []


def test_no_grant_for_a_contract_not_concluded(
    seller: Party, buyer: Party, outsider: Party
) -> None:
    api = client_for(seller)
    reference = api.post("/api/v1/contracts/", contract_body(), format="json").json()["id"]

    response = api.post(
        f"/api/v1/contracts/{reference}/grants/",
        {
            "grantee": outsider.account.username,
            "scope": ["query"],
            "expires_at": (timezone.now() + timedelta(days=3)).isoformat(),
        },
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "not_concluded"


def test_a_stranger_cannot_see_or_answer_a_grant(
    concluded: Contract, seller: Party, outsider: Party, offeree: Party
) -> None:
    from tests.signing.conftest import make_party

    body = grant(concluded, seller, outsider)
    stranger = client_for(make_party("stranger", name="王五", phone="13800000009"))

    assert stranger.get(f"/api/v1/grants/{body['id']}/").status_code == 404
    assert (
        stranger.post(f"/api/v1/grants/{body['id']}/consent/", {"agree": True}).status_code == 404
    )

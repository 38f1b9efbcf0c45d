"""Webhook subscriptions and the regulators' event feed over the API."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Permission
from django.db import connection
from django.utils import timezone
from pytest_django import Settings

from econtract.contracts.models import Contract
from econtract.parties.models import Party, User
from econtract.supervision.models import WebhookSubscription
from tests.supervision.conftest import DOCUMENT_SHA256, client_for, conclude

HOOK = {"url": "https://hooks.example.org/econtract", "events": ["contract.concluded"]}
SECRET = "integrator-secret-abcdefghijklmnop"


def test_an_integrator_subscribes_and_never_sees_the_secret_again(
    buyer: Party, settings: Settings
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    api = client_for(buyer.account)
    created = api.post("/api/v1/webhooks/", {**HOOK, "secret": SECRET})
    assert created.status_code == 201
    body = created.json()
    assert body == {"id": body["id"], "url": HOOK["url"], "events": HOOK["events"], "active": True}
    listed = api.get("/api/v1/webhooks/").json()["results"]
    assert listed == [body]
    assert SECRET not in created.content.decode() + str(listed)
    # At rest the secret is encrypted; the model gives the clear text back to the sender.
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM supervision_webhooksubscription")
        (stored,) = cursor.fetchone()
    assert SECRET not in stored
    assert stored.startswith("v1:")
    assert WebhookSubscription.objects.get().secret == SECRET


def test_an_unknown_event_type_is_refused(buyer: Party) -> None:
    response = client_for(buyer.account).post(
        "/api/v1/webhooks/", {**HOOK, "secret": SECRET, "events": ["contract.gossip"]}
    )
    assert response.status_code == 400
    assert "events" in response.json()["fields"]


def test_an_integrator_deletes_its_own_subscription_but_not_anothers(
    buyer: Party, seller: Party
) -> None:
    mine = WebhookSubscription.objects.create(owner=buyer.account, secret=SECRET, **HOOK)
    theirs = WebhookSubscription.objects.create(owner=seller.account, secret=SECRET, **HOOK)
    api = client_for(buyer.account)
    assert api.delete(f"/api/v1/webhooks/{theirs.pk}/").status_code == 404
    assert api.delete(f"/api/v1/webhooks/{mine.pk}/").status_code == 204
    assert list(WebhookSubscription.objects.all()) == [theirs]
    assert api.get("/api/v1/webhooks/").json()["results"] == []


def test_a_regulator_lists_the_events_after_a_sequence_number(
    contract: Contract, regulator: User, settings: Settings
) -> None:
    settings.SUPERVISION_WEBHOOKS = []
    for _ in range(3):
        conclude(contract)
    page = client_for(regulator).get("/api/v1/supervision/events/?since=1").json()
    assert page["count"] == 2
    assert [e["sequence"] for e in page["results"]] == [2, 3]
    first = page["results"][0]
    assert first["event_type"] == "contract.concluded"
    assert first["contract_reference"] == contract.reference
    assert first["document_sha256"] == DOCUMENT_SHA256
    assert set(first) == {
        "id",
        "sequence",
        "event_type",
        "contract_id",
        "contract_reference",
        "party_ids",
        "document_sha256",
        "occurred_at",
        "created_at",
    }


def test_a_regulator_lists_the_events_since_a_time(
    contract: Contract, regulator: User, settings: Settings
) -> None:
    settings.SUPERVISION_WEBHOOKS = []
    now = timezone.now()
    conclude(contract, at=now - timedelta(days=2))
    conclude(contract, at=now)
    since = (now - timedelta(hours=1)).isoformat()
    page = client_for(regulator).get("/api/v1/supervision/events/", {"since": since}).json()
    assert [e["sequence"] for e in page["results"]] == [2]


def test_a_permission_holder_may_read_the_events_too(buyer: Party) -> None:
    account = buyer.account
    account.user_permissions.add(Permission.objects.get(codename="view_supervisionevent"))
    response = client_for(User.objects.get(pk=account.pk)).get("/api/v1/supervision/events/")
    assert response.status_code == 200


def test_a_normal_account_may_not_read_the_events(buyer: Party) -> None:
    response = client_for(buyer.account).get("/api/v1/supervision/events/")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_malformed_since_is_refused(regulator: User) -> None:
    response = client_for(regulator).get("/api/v1/supervision/events/?since=yesterday")
    assert response.status_code == 400
    assert "since" in response.json()["fields"]

"""Operators see events and deliveries read-only and can retry failed deliveries."""

from __future__ import annotations

from django.test import Client
from pytest_django import DjangoCaptureOnCommitCallbacks as CaptureOnCommit

from econtract.contracts.models import Contract
from econtract.parties.models import User
from econtract.supervision.models import WebhookDelivery
from tests.supervision.conftest import conclude
from tests.supervision.receiver import Receiver

CHANGELIST = "/admin/supervision/webhookdelivery/"


def _operator_client() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("operator", password="not-a-real-pw-42"))
    return client


def test_an_operator_retries_a_failed_delivery_and_it_is_delivered(
    contract: Contract, regulator_hook: str, on_commit: CaptureOnCommit, receiver: Receiver
) -> None:
    receiver.plan("/regulator", [500] * 4)
    with on_commit(execute=True):
        conclude(contract)
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "failed"
    client = _operator_client()
    failed_page = client.get(CHANGELIST, {"state__exact": "failed"})
    assert failed_page.status_code == 200
    assert regulator_hook in failed_page.content.decode()
    with on_commit(execute=True):
        response = client.post(
            CHANGELIST, {"action": "retry", "_selected_action": [str(delivery.pk)]}
        )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("delivered", 5)


def test_events_and_deliveries_are_read_only_for_operators(
    contract: Contract, regulator_hook: str, on_commit: CaptureOnCommit
) -> None:
    with on_commit(execute=True):
        conclude(contract)
    client = _operator_client()
    assert client.get("/admin/supervision/supervisionevent/").status_code == 200
    assert client.get("/admin/supervision/supervisionevent/add/").status_code == 403
    delivery = WebhookDelivery.objects.get()
    page = client.get(f"{CHANGELIST}{delivery.pk}/change/")
    assert page.status_code == 200
    assert client.post(f"{CHANGELIST}{delivery.pk}/delete/").status_code == 403

"""Webhook deliveries run in-process: signed, retried with backoff, recorded (X8)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks as CaptureOnCommit
from pytest_django import Settings

from econtract.contracts.models import Contract
from econtract.evidence.models import EvidenceEvent
from econtract.parties.models import Party
from econtract.recovery.models import StalledWork
from econtract.recovery.sweeper import grace, sweep
from econtract.supervision.models import SupervisionEvent, WebhookDelivery, WebhookSubscription
from econtract.supervision.tasks import MAX_RETRY_DELAY_SECONDS, retry_delay
from tests.supervision.conftest import REGULATOR_SECRET, conclude, make_contract, make_party
from tests.supervision.receiver import Receiver

INTEGRATOR_SECRET = "integrator-secret-abcdefghijklmnop"


def _subscribe(party: Party, url: str) -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        owner=party.account, url=url, secret=INTEGRATOR_SECRET, events=["contract.concluded"]
    )


def test_a_regulator_webhook_receives_the_event_signed_with_its_secret(
    contract: Contract, regulator_hook: str, on_commit: CaptureOnCommit, receiver: Receiver
) -> None:
    with on_commit(execute=True):
        conclude(contract)
    (request,) = receiver.received("/regulator")
    expected = hmac.new(REGULATOR_SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Econtract-Signature"] == f"sha256={expected}"
    event = SupervisionEvent.objects.get()
    assert request.headers["X-Econtract-Event-Id"] == str(event.event_id)
    assert request.headers["X-Econtract-Timestamp"].isdigit()
    body = json.loads(request.body)
    assert body["id"] == str(event.event_id)
    assert body["type"] == "contract.concluded"
    assert body["contract"] == {"id": contract.pk, "reference": contract.reference}
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 1, 200)


def test_a_delivery_to_a_regulator_is_recorded_as_x8_evidence_without_the_secret(
    contract: Contract, regulator_hook: str, on_commit: CaptureOnCommit
) -> None:
    with on_commit(execute=True):
        conclude(contract)
    evidence = EvidenceEvent.objects.get(step="X8")
    event = SupervisionEvent.objects.get()
    assert evidence.payload["event_id"] == str(event.event_id)
    assert evidence.payload["target_host"] == "127.0.0.1"
    assert REGULATOR_SECRET not in json.dumps(evidence.payload)


def test_a_receiver_failing_twice_is_retried_until_it_accepts(
    contract: Contract, regulator_hook: str, on_commit: CaptureOnCommit, receiver: Receiver
) -> None:
    receiver.plan("/regulator", [500, 500])
    with on_commit(execute=True):
        conclude(contract)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("delivered", 3, "")
    assert delivery.delivered_at is not None
    bodies = {r.body for r in receiver.received("/regulator")}
    assert len(bodies) == 1  # every retry sends the same signed bytes
    assert EvidenceEvent.objects.filter(step="X8").count() == 1


def test_a_receiver_that_always_fails_ends_failed_with_the_last_error(
    contract: Contract, regulator_hook: str, on_commit: CaptureOnCommit, receiver: Receiver
) -> None:
    receiver.plan("/regulator", [503] * 10)
    with on_commit(execute=True):
        conclude(contract)
    delivery = WebhookDelivery.objects.get()
    # The first try and WEBHOOK_MAX_RETRIES = 3 retries.
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("failed", 4, 503)
    assert "HTTP 503" in delivery.last_error
    assert len(receiver.received("/regulator")) == 4
    assert not EvidenceEvent.objects.filter(step="X8").exists()


def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    contract: Contract, regulator_hook: str, on_commit: CaptureOnCommit, receiver: Receiver
) -> None:
    receiver.plan("/regulator", [302] * 10)
    with on_commit(execute=True):
        conclude(contract)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.last_status) == ("failed", 302)
    assert receiver.received("/redirected") == []


def test_an_integrator_receives_only_the_events_of_its_own_contracts(
    seller: Party,
    buyer: Party,
    webhook_settings: Settings,
    on_commit: CaptureOnCommit,
    receiver: Receiver,
) -> None:
    stranger = make_party("stranger", name="王五")
    _subscribe(buyer, receiver.url("/buyer"))
    _subscribe(stranger, receiver.url("/stranger"))
    ours, theirs = make_contract(seller, buyer), make_contract(seller, make_party("x", name="赵六"))
    with on_commit(execute=True):
        conclude(ours)
        conclude(theirs)
    (request,) = receiver.received("/buyer")
    assert json.loads(request.body)["contract"]["reference"] == ours.reference
    expected = hmac.new(INTEGRATOR_SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Econtract-Signature"] == f"sha256={expected}"
    assert receiver.received("/stranger") == []
    # An integrator's delivery is not a report to the supervisor: no X8.
    assert not EvidenceEvent.objects.filter(step="X8").exists()


def test_an_integrator_receives_only_the_event_types_it_subscribed_to(
    contract: Contract,
    buyer: Party,
    webhook_settings: Settings,
    on_commit: CaptureOnCommit,
    receiver: Receiver,
) -> None:
    WebhookSubscription.objects.create(
        owner=buyer.account, url=receiver.url("/t"), secret="s" * 20, events=["party.cancelled"]
    )
    with on_commit(execute=True):
        conclude(contract)
    assert receiver.received("/t") == []
    assert not WebhookDelivery.objects.exists()


def test_the_wait_between_retries_doubles_up_to_a_cap(settings: Settings) -> None:
    settings.WEBHOOK_RETRY_BACKOFF_SECONDS = 30
    assert [retry_delay(n) for n in range(4)] == [30, 60, 120, 240]
    assert retry_delay(30) == MAX_RETRY_DELAY_SECONDS


def test_a_delivery_whose_task_was_lost_is_queued_again_and_delivered(
    contract: Contract, regulator_hook: str, receiver: Receiver
) -> None:
    # Concluded without running the on-commit callbacks: the task never reached the broker.
    conclude(contract)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("pending", 0)
    key = f"webhook:{delivery.pk}"
    assert key not in _keys(sweep())  # too young: its task may still be on its way
    later = timezone.now() + grace() + timedelta(seconds=1)

    assert key in _keys(sweep(now=later))

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("delivered", 1)
    assert len(receiver.received("/regulator")) == 1
    assert key not in _keys(sweep(now=later + grace()))  # delivered ones are left alone


def _keys(rows: list[StalledWork]) -> set[str]:
    return {row.key for row in rows}

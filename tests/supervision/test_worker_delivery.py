"""Webhook deliveries by a real Celery worker process over Redis (tests/worker.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from pytest_django import Settings

from econtract.contracts.models import Contract
from econtract.evidence.models import EvidenceEvent
from econtract.supervision.models import WebhookDelivery
from tests.supervision.conftest import (
    REGULATOR_SECRET,
    SECRET_NAMES,
    conclude,
    make_contract,
    make_party,
)
from tests.supervision.receiver import Receiver, running_receiver
from tests.worker import CeleryWorker

pytestmark = pytest.mark.worker

MAX_RETRIES = 3


@pytest.fixture(scope="module")
def module_receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture(scope="module")
def celery_worker_env(module_receiver: Receiver) -> dict[str, str]:
    hooks = [{"url": module_receiver.url("/regulator"), "secret": REGULATOR_SECRET}]
    return {
        "SUPERVISION_WEBHOOKS": json.dumps(hooks),
        "WEBHOOK_MAX_RETRIES": str(MAX_RETRIES),
        # Short but real waits: each retry is a new message with a countdown (0.1 s, 0.2 s, …).
        "WEBHOOK_RETRY_BACKOFF_SECONDS": "0.1",
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": "1",
    }


@pytest.fixture
def worker_settings(settings: Settings, celery_worker_env: dict[str, str]) -> Settings:
    # The test process queues the deliveries; it must know the same regulator.
    settings.SUPERVISION_WEBHOOKS = json.loads(celery_worker_env["SUPERVISION_WEBHOOKS"])
    return settings


def _contract() -> Contract:
    return make_contract(make_party("w-seller", name=SECRET_NAMES[0]), make_party("w-b", name="b"))


def _settled(delivery: WebhookDelivery) -> WebhookDelivery | None:
    delivery.refresh_from_db()
    return delivery if delivery.state != WebhookDelivery.State.PENDING else None


def test_the_worker_retries_a_failing_regulator_until_it_accepts(
    live_celery: CeleryWorker, worker_settings: Settings, module_receiver: Receiver
) -> None:
    module_receiver.plan("/regulator", [500, 500])
    conclude(_contract())
    delivery = WebhookDelivery.objects.get()
    live_celery.wait_for(lambda: _settled(delivery), what="the webhook delivery")
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("delivered", 3, "")
    evidence = EvidenceEvent.objects.get(step="X8")
    assert evidence.payload["event_id"] == str(delivery.event.event_id)
    assert "deliver_webhook" in live_celery.log_tail()

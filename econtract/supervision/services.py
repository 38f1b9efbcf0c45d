"""Publishing supervision events and delivering them to webhooks (§9.5, X8)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from econtract import queue
from econtract.evidence.services import record_event
from econtract.evidence.steps import Step
from econtract.supervision import sender
from econtract.supervision.models import (
    EventType,
    SequenceHead,
    SupervisionEvent,
    WebhookDelivery,
    WebhookSubscription,
)
from econtract.supervision.targets import check_target

if TYPE_CHECKING:
    from econtract.contracts.models import Contract
    from econtract.parties.models import User

logger = logging.getLogger(__name__)

Target = WebhookDelivery.Target
State = WebhookDelivery.State


class WebhookNotConfigured(LookupError):
    """A regulator delivery whose URL is no longer in SUPERVISION_WEBHOOKS."""


def publish_contract_event(
    *, event_type: str, contract: Contract, document_sha256: str, occurred_at: datetime
) -> None:
    """Record that ``contract`` was concluded, amended, terminated, or lost a party.

    Call it inside the transaction that makes the change: the event and its deliveries commit
    with it or not at all, and the deliveries are queued only after that commit.
    """
    if event_type not in EventType.values:
        raise ValueError(f"unknown supervision event type {event_type!r}")
    with transaction.atomic():
        event = SupervisionEvent.objects.create(
            sequence=_next_sequence(),
            event_type=event_type,
            contract=contract,
            contract_reference=contract.reference,
            party_ids=_party_ids(contract),
            document_sha256=document_sha256,
            occurred_at=occurred_at,
        )
        for delivery in _deliveries_for(event):
            _queue(delivery)


def event_body(event: SupervisionEvent) -> dict[str, Any]:
    """What a webhook receives and the regulator API lists: ids, a hash, a type and times."""
    return {
        "id": str(event.event_id),
        "sequence": event.sequence,
        "type": event.event_type,
        "contract": {"id": event.contract_id, "reference": event.contract_reference},
        "party_ids": list(event.party_ids),
        "document_sha256": event.document_sha256,
        "occurred_at": event.occurred_at.isoformat(),
        "created_at": event.created_at.isoformat(),
    }


def subscribe(*, owner: User, url: str, secret: str, events: Sequence[str]) -> WebhookSubscription:
    """An integrator's new endpoint; refused (TargetRefused) when the URL may not be a target."""
    check_target(url)
    return WebhookSubscription.objects.create(
        owner=owner, url=url, secret=secret, events=sorted(set(events))
    )


def unsubscribe(*, subscription: WebhookSubscription) -> None:
    # Past deliveries stay as records (SET_NULL); nothing new is sent to it.
    subscription.delete()


def attempt_delivery(*, delivery_id: int) -> WebhookDelivery:
    """Try once to POST a pending delivery; it ends delivered or stays pending with the error.

    The HTTP request runs outside any transaction: a slow target must not hold a row lock. A
    task redelivered after a worker loss may therefore send an event twice; receivers dedupe
    on the event id header (webhooks are at-least-once).
    """
    delivery = WebhookDelivery.objects.select_related("event", "subscription").get(pk=delivery_id)
    if delivery.state != State.PENDING:
        return delivery
    result = _send(delivery)
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.state != State.PENDING:
            return delivery
        delivery.attempts += 1
        delivery.last_status, delivery.last_error = result.status, result.error[:2000]
        if result.delivered:
            delivery.state, delivery.delivered_at = State.DELIVERED, timezone.now()
            _record_regulator_delivery(delivery)
        else:
            logger.warning(
                "webhook delivery %s attempt %s failed: %s",
                delivery.pk,
                delivery.attempts,
                delivery.last_error,
            )
        delivery.save(
            update_fields=["attempts", "last_status", "last_error", "state", "delivered_at"]
        )
    return delivery


def give_up_delivery(*, delivery_id: int) -> WebhookDelivery:
    """Mark a delivery failed after its last retry; ``last_error`` says why."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.state == State.PENDING:
            delivery.state = State.FAILED
            delivery.save(update_fields=["state"])
    logger.error(
        "webhook delivery %s failed after %s attempts: %s",
        delivery.pk,
        delivery.attempts,
        delivery.last_error,
    )
    return delivery


def retry_deliveries(*, deliveries: Sequence[WebhookDelivery]) -> int:
    """Operators' retry of failed deliveries: each starts a fresh round of attempts."""
    retried = 0
    with transaction.atomic():
        for delivery in deliveries:
            if delivery.state != State.FAILED:
                continue
            delivery.state = State.PENDING
            delivery.save(update_fields=["state"])
            _queue(delivery)
            retried += 1
    return retried


def _next_sequence() -> int:
    head, _ = SequenceHead.objects.select_for_update().get_or_create(singleton=True)
    head.value += 1
    head.save(update_fields=["value"])
    return head.value


def _party_ids(contract: Contract) -> list[int]:
    return list(contract.signatories.order_by("order").values_list("party_id", flat=True))


def _deliveries_for(event: SupervisionEvent) -> list[WebhookDelivery]:
    body = json.dumps(event_body(event), ensure_ascii=False, separators=(",", ":"))
    targets: list[tuple[str, WebhookSubscription | None, str]] = [
        (Target.REGULATOR, None, hook["url"]) for hook in settings.SUPERVISION_WEBHOOKS
    ]
    targets += [(Target.INTEGRATOR, sub, sub.url) for sub in _subscriptions_for(event)]
    return [
        WebhookDelivery.objects.create(
            event=event, target=target, subscription=subscription, url=url, body=body
        )
        for target, subscription, url in targets
    ]


def _subscriptions_for(event: SupervisionEvent) -> list[WebhookSubscription]:
    # Only the accounts of the contract's own parties hear of it; the event type is matched
    # in Python because SQLite has no JSON "contains" lookup.
    candidates = WebhookSubscription.objects.filter(
        active=True, owner__party__id__in=event.party_ids
    ).order_by("id")
    return [sub for sub in candidates if event.event_type in sub.events]


DELIVER_TASK = "econtract.supervision.tasks.deliver_webhook"


def _queue(delivery: WebhookDelivery) -> None:
    queue.send_on_commit(DELIVER_TASK, delivery.pk)


def _send(delivery: WebhookDelivery) -> sender.SendResult:
    try:
        secret = _secret_of(delivery)
    except WebhookNotConfigured as exc:
        return sender.SendResult(delivered=False, error=str(exc))
    return sender.post(
        url=delivery.url,
        body=delivery.body.encode(),
        secret=secret,
        event_id=str(delivery.event.event_id),
        timestamp=str(int(timezone.now().timestamp())),
        timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
    )


def _secret_of(delivery: WebhookDelivery) -> str:
    if delivery.target == Target.INTEGRATOR:
        if delivery.subscription is None:
            raise WebhookNotConfigured("the subscription was deleted")
        return delivery.subscription.secret
    # Regulators' secrets stay in the settings, never in the database.
    for hook in settings.SUPERVISION_WEBHOOKS:
        if hook["url"] == delivery.url:
            return str(hook["secret"])
    raise WebhookNotConfigured("this URL is no longer in SUPERVISION_WEBHOOKS")


def _record_regulator_delivery(delivery: WebhookDelivery) -> None:
    if delivery.target != Target.REGULATOR:
        return
    event = delivery.event
    record_event(
        step=Step.X8,
        actor=None,
        obj=event,
        payload={
            "event_id": str(event.event_id),
            "event_type": event.event_type,
            "contract_reference": event.contract_reference,
            "target_host": urlsplit(delivery.url).hostname or "",
            "attempts": delivery.attempts,
        },
    )

"""Webhook deliveries whose task was lost, for the recovery sweeper (``RECOVERY_SOURCES``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.utils.translation import gettext as _

from econtract.recovery.sweeper import Stalled, past_their_retries
from econtract.supervision.models import WebhookDelivery
from econtract.supervision.services import DELIVER_TASK
from econtract.supervision.tasks import backoff


def unsent_webhooks(cutoff: datetime) -> Iterator[Stalled]:
    pending = WebhookDelivery.objects.filter(state=WebhookDelivery.State.PENDING)
    for delivery in past_their_retries(pending, cutoff, backoff()).select_related("event")[:1000]:
        yield Stalled(
            key=f"webhook:{delivery.pk}",
            kind=_("webhook delivery"),
            label=f"{delivery.event.event_type} → {delivery.url}",
            task=DELIVER_TASK,
            args=(delivery.pk,),
            since=delivery.created_at,
        )

"""Celery tasks of the webhooks: thin, they take ids and call a service."""

from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings

from econtract.backoff import LONGEST_WAIT_SECONDS, Backoff
from econtract.supervision import services
from econtract.supervision.models import WebhookDelivery

# However many retries are configured, no wait between two is longer than this.
MAX_RETRY_DELAY_SECONDS = LONGEST_WAIT_SECONDS


def backoff() -> Backoff:
    """The configured retries: the base wait, doubled after each failed retry, capped."""
    base, retries = settings.WEBHOOK_RETRY_BACKOFF_SECONDS, settings.WEBHOOK_MAX_RETRIES
    return Backoff(base=base, retries=retries)


def retry_delay(retries_done: int) -> float:
    return backoff().delay(retries_done)


@shared_task(bind=True, acks_late=True)
def deliver_webhook(self: Task, delivery_id: int) -> str:
    """POST one webhook delivery; retry with backoff, then mark it failed."""
    delivery = services.attempt_delivery(delivery_id=delivery_id)
    if delivery.state != WebhookDelivery.State.PENDING:
        return str(delivery.state)
    max_retries = settings.WEBHOOK_MAX_RETRIES
    if self.request.retries >= max_retries:
        return str(services.give_up_delivery(delivery_id=delivery_id).state)
    raise self.retry(countdown=retry_delay(self.request.retries), max_retries=max_retries)

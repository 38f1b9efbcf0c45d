"""Celery tasks of the organisations: thin, they take ids and call a service."""

from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings

from econtract.notifications.services import CHANNEL_ERRORS
from econtract.notifications.tasks import retry_delay
from econtract.organizations import invitation_messages


@shared_task(bind=True, acks_late=True)
def send_invitation(self: Task, invitation_id: int) -> str:
    """Send an invitation to the phone or e-mail it names; retried like every notice."""
    try:
        return invitation_messages.send_to_address(invitation_id=invitation_id)
    except CHANNEL_ERRORS as exc:
        max_retries = settings.NOTIFICATION_MAX_RETRIES
        if self.request.retries >= max_retries:
            raise
        raise self.retry(
            exc=exc, countdown=retry_delay(self.request.retries), max_retries=max_retries
        ) from exc

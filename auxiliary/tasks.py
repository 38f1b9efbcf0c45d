"""Celery tasks of §11: thin, they call a service."""

from __future__ import annotations

from celery import shared_task

from auxiliary import services


@shared_task
def close_unanswered_requests() -> int:
    """Periodic (beat): unanswered consents/confirmations past their deadline count as no."""
    return services.close_unanswered_requests()

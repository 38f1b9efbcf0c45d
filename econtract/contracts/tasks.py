"""Celery tasks of the contracts kernel: thin, they call a service."""

from __future__ import annotations

from celery import shared_task

from econtract.contracts.validation import refresh_reports


@shared_task
def refresh_document_reports() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE): remake the stored documents' stale reports."""
    return refresh_reports()

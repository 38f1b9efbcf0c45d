"""Celery tasks of the contracts kernel: thin, they call a service."""

from __future__ import annotations

from celery import shared_task

from econtract.contracts.models import Contract
from econtract.contracts.retention import lengthen_locks
from econtract.contracts.validation import refresh_reports


@shared_task
def refresh_document_reports() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE): remake the stored documents' stale reports."""
    return refresh_reports()


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def lengthen_document_locks(contract_id: int) -> str:
    """Keep a contract's stored documents locked as long as retention needs (idempotent)."""
    return lengthen_locks(Contract.objects.get(pk=contract_id)).isoformat()

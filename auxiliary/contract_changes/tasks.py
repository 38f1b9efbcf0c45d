"""Celery tasks of amendment and termination: thin, by ids, retried for transient faults."""

from datetime import datetime

from celery import shared_task

from auxiliary.contract_changes import effective, sealing
from econtract.pki.outages import retried_on_outage


@retried_on_outage
def seal_change(kind: str, request_id: int) -> bool:
    """X7 and T11.13 / T12.11 once the last party signed; idempotent."""
    return sealing.seal_change(kind=kind, request_id=request_id)


@shared_task
def terminate_on_effective_date(now: str | None = None) -> int:
    """Periodic (beat): X20, every termination agreed for a date that has come takes effect.

    Beat passes nothing; ``now`` (ISO 8601) moves the clock, as the tests do. Idempotent."""
    clock = datetime.fromisoformat(now) if now else None
    return effective.take_effect_due(now=clock)

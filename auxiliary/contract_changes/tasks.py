"""Celery tasks of amendment and termination: thin, by ids, retried for transient faults."""

import aiohttp
from celery import shared_task

from auxiliary.contract_changes import sealing
from econtract.pki.pades import PadesError

# The seal fetches OCSP/CRL data and two timestamps: an outage is retried, with backoff.
_TRANSIENT = (PadesError, OSError, TimeoutError, aiohttp.ClientError)


@shared_task(
    autoretry_for=_TRANSIENT,
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=10,
)
def seal_change(kind: str, request_id: int) -> bool:
    """X7 and T11.13 / T12.11 once the last party signed; idempotent."""
    return sealing.seal_change(kind=kind, request_id=request_id)

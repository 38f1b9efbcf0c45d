"""Celery tasks of retrieval: thin, they take ids and call a service."""

import aiohttp
from celery import shared_task

from econtract.pki.pades import PadesError
from retrieval import verification

# Sealing the report needs the TSA: an outage is retried, with backoff.
_TRANSIENT = (PadesError, OSError, TimeoutError, aiohttp.ClientError)


@shared_task(
    autoretry_for=_TRANSIENT,
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=10,
)
def issue_verification_report(verification_id: str) -> bool:
    """X10: the sealed, timestamped report PDF of a verification; idempotent."""
    return verification.issue_report(verification_id=verification_id)

"""Celery tasks that need the PKI services (OCSP, CRL, the TSA): an outage is retried with
backoff, the same way for every such task (the seal of a contract or a change, a sealed report).
"""

from __future__ import annotations

from collections.abc import Callable

import aiohttp
from celery import Task, shared_task

from econtract.backoff import Backoff
from econtract.pki.pades import PadesError

TRANSIENT_FAULTS = (PadesError, OSError, TimeoutError, aiohttp.ClientError)
# From 5 s to 10 min between tries, 10 times (about an hour and a half in all); after that the
# recovery sweeper queues the work again (econtract/recovery).
OUTAGE_RETRIES = Backoff(base=5, retries=10, cap=600)


def retried_on_outage[**P, R](task: Callable[P, R]) -> Task[P, R]:
    """``shared_task`` retried on a transient PKI fault with :data:`OUTAGE_RETRIES`."""
    decorated: Task[P, R] = shared_task(
        autoretry_for=TRANSIENT_FAULTS,
        retry_backoff=int(OUTAGE_RETRIES.base),
        retry_backoff_max=int(OUTAGE_RETRIES.cap),
        retry_jitter=True,
        max_retries=OUTAGE_RETRIES.retries,
    )(task)
    return decorated

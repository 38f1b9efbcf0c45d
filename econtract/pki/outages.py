"""Celery tasks that need the PKI services (OCSP, CRL, the TSA): an outage is retried with
backoff, the same way for every such task (the seal of a contract or a change, a sealed report).
"""

from __future__ import annotations

from collections.abc import Callable

import aiohttp
from celery import Task, shared_task

from econtract.pki.pades import PadesError

TRANSIENT_FAULTS = (PadesError, OSError, TimeoutError, aiohttp.ClientError)


def retried_on_outage[**P, R](task: Callable[P, R]) -> Task[P, R]:
    """``shared_task`` retried on a transient PKI fault: backoff from 5 s to 10 min, 10 times."""
    decorated: Task[P, R] = shared_task(
        autoretry_for=TRANSIENT_FAULTS,
        retry_backoff=5,
        retry_backoff_max=600,
        retry_jitter=True,
        max_retries=10,
    )(task)
    return decorated

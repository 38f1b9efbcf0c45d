"""Queueing a Celery task from a service, by the task's dotted path.

A task module imports the services it runs; a service that queues that task names it instead of
importing it, so the two modules do not import each other (the way the root URLconf names the
apps' views). The task is resolved when it is sent, so an in-process (eager) run works alike.

Queueing never fails the work that asked for it: the work is committed by then (a signature, a
notice), and a broker that cannot be reached must not turn it into an error response. The
failure is logged, and the recovery sweeper (``econtract/recovery``) finds the work whose task
never ran and queues it again.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# What sending raises when the broker is down or unreachable (kombu wraps redis' errors).
BROKER_FAULTS = (OperationalError, ConnectionError, OSError)


def send(task: str, *args: Any) -> bool:
    """Queue ``task`` (e.g. ``"retrieval.tasks.issue_verification_report"``) now; False (and
    logged) when the broker cannot take it."""
    try:
        import_string(task).delay(*args)
    except BROKER_FAULTS as exc:
        logger.error(
            "could not queue %s%r (%s: %s); the recovery sweeper will queue it again",
            task,
            args,
            type(exc).__name__,
            exc,
        )
        return False
    return True


def send_on_commit(task: str, *args: Any) -> None:
    """Queue ``task`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: send(task, *args))

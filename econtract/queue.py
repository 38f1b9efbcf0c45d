"""Queueing a Celery task from a service, by the task's dotted path.

A task module imports the services it runs; a service that queues that task names it instead of
importing it, so the two modules do not import each other (the way the root URLconf names the
apps' views). The task is resolved when it is sent, so an in-process (eager) run works alike.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string


def send(task: str, *args: Any) -> None:
    """Queue ``task`` (e.g. ``"retrieval.tasks.issue_verification_report"``) now."""
    import_string(task).delay(*args)


def send_on_commit(task: str, *args: Any) -> None:
    """Queue ``task`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: send(task, *args))

"""The sweep: find stalled work through the configured sources and queue it again."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from econtract import queue
from econtract.backoff import Backoff
from econtract.recovery.models import StalledWork


@dataclass(frozen=True, slots=True)
class Stalled:
    """One piece of work a source found stalled, and the task that finishes it."""

    key: str  # unique across sources: "contract-seal:12"
    kind: str  # what an operator reads: "contract seal"
    label: str  # which one: the contract's reference
    task: str  # the dotted path of an idempotent task
    args: tuple[Any, ...]
    since: datetime  # when the work became due


# A source: given the time before which work is late, the work that is stalled.
Source = Callable[[datetime], Iterable[Stalled]]


def grace() -> timedelta:
    return timedelta(seconds=settings.RECOVERY_GRACE_SECONDS)


def requeue_backoff() -> Backoff:
    # The same item is queued again after one grace period, then two, four … at most an hour.
    return Backoff(base=settings.RECOVERY_GRACE_SECONDS, retries=0)


def find_stalled(now: datetime | None = None) -> list[Stalled]:
    """Every source's stalled work, oldest first."""
    cutoff = (now or timezone.now()) - grace()
    sources: list[Source] = [import_string(path) for path in settings.RECOVERY_SOURCES]
    found = [item for source in sources for item in source(cutoff)]
    return sorted(found, key=lambda item: item.since)


def sweep(now: datetime | None = None) -> list[StalledWork]:
    """Queue again what is stalled and due for another try; returns the rows queued."""
    now = now or timezone.now()
    stalled = find_stalled(now)
    queued = [row for item in stalled if (row := _note(item, now)) is not None]
    for row in queued:
        queue_again(row, now=now)
    _resolve_the_rest({item.key for item in stalled}, now)
    return queued


def queue_again(row: StalledWork, *, now: datetime | None = None) -> bool:
    """Send the row's task (the sweep's turn, or an operator's); False when the broker refused."""
    sent = queue.send(row.task, *row.args)
    row.times_queued += 1
    row.last_queued_at = now or timezone.now()
    row.queue_error = "" if sent else "the broker could not be reached; see the log"
    row.save(update_fields=["times_queued", "last_queued_at", "queue_error"])
    return sent


def _note(item: Stalled, now: datetime) -> StalledWork | None:
    """The item's row, if it is due for queueing now (not while its last try may still run)."""
    with transaction.atomic():
        row, _created = StalledWork.objects.select_for_update().get_or_create(
            key=item.key,
            defaults={
                "kind": item.kind,
                "label": item.label,
                "task": item.task,
                "args": list(item.args),
                "stalled_since": item.since,
                "found_at": now,
            },
        )
        if row.resolved_at is not None:  # stalled again after it was finished once
            row.resolved_at, row.stalled_since = None, item.since
            row.times_queued, row.last_queued_at = 0, None
            row.save()
        if row.last_queued_at is not None:
            wait = requeue_backoff().delay(row.times_queued - 1)
            if now < row.last_queued_at + timedelta(seconds=wait):
                return None
    return row


def _resolve_the_rest(still_stalled: set[str], now: datetime) -> None:
    StalledWork.objects.filter(resolved_at__isnull=True).exclude(key__in=still_stalled).update(
        resolved_at=now
    )


def past_their_retries[M: Model](
    pending: QuerySet[M], cutoff: datetime, retries: Backoff
) -> QuerySet[M]:
    """The ``pending`` rows (with ``attempts`` and ``created_at``) whose task is lost: never tried
    though queued before ``cutoff``, or still pending when all their retries would be over."""
    never_tried = Q(attempts=0, created_at__lt=cutoff)
    retries_over = Q(created_at__lt=cutoff - retries.total())
    return pending.filter(never_tried | retries_over).order_by("created_at")

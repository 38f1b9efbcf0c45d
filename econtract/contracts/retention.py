"""Keeping a contract's documents locked as long as the law wants them (DESIGN.md §9).

A locked bucket (``object_store.py``) locks every object for ``STORAGE_LOCK_YEARS`` when it is
written, before anyone knows when its contract will end. Two moments lengthen that:

- a contract ends (a final state, ``Contract.ended_at``): its objects are kept until
  ``RETENTION_YEARS`` after the end;
- a contract still running nears the end of its locks: they get another ``STORAGE_LOCK_YEARS``.

Both are due work found by the recovery sweeper (``RECOVERY_SOURCES``) as well as queued when
the contract ends, so a lost task is queued again. ``documents_locked_until`` records what the
bucket confirmed; a local store keeps everything anyway and confirms at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm.signals import post_transition

from econtract import queue
from econtract.contracts.models import Contract
from econtract.contracts.object_store import years_from
from econtract.contracts.storage import contract_storage
from econtract.recovery.sweeper import Stalled

LENGTHEN_TASK = "econtract.contracts.tasks.lengthen_document_locks"
# A running contract's locks are renewed this long before they would end.
RENEWAL_MARGIN = timedelta(days=366)


def locks_needed_until(contract: Contract, now: datetime) -> datetime:
    """How long the contract's documents must stay locked, seen at ``now``."""
    if contract.ended_at is not None:
        return years_from(contract.ended_at, settings.RETENTION_YEARS_AFTER_CONTRACT_END)
    return years_from(now, settings.STORAGE_LOCK_YEARS)


def lengthen_locks(contract: Contract, now: datetime | None = None) -> datetime:
    """Lengthen the locks of everything stored under the contract's reference; the date."""
    until = locks_needed_until(contract, now or timezone.now())
    contract_storage.retain_until(f"{contract.reference}/", until)
    Contract.objects.filter(pk=contract.pk).update(documents_locked_until=until)
    return until


@receiver(post_transition, sender=Contract, dispatch_uid="contracts-lengthen-locks-at-end")
def on_contract_ended(sender: Any, *, instance: Contract, target: str, **kwargs: Any) -> None:
    if target in Contract.FINAL_STATES:
        queue.send_on_commit(LENGTHEN_TASK, instance.pk)


def locks_due(cutoff: datetime) -> Iterator[Stalled]:
    """Recovery source: ended contracts whose locks were not lengthened by ``cutoff``, and
    running ones whose locks end within RENEWAL_MARGIN."""
    retention = timedelta(days=round(365.25 * settings.RETENTION_YEARS_AFTER_CONTRACT_END))
    ended = Contract.objects.filter(ended_at__lt=cutoff).filter(
        Q(documents_locked_until__isnull=True)
        | Q(documents_locked_until__lt=F("ended_at") + retention)
    )
    lock = timedelta(days=round(365.25 * settings.STORAGE_LOCK_YEARS))
    renew_before = cutoff + RENEWAL_MARGIN
    running = Contract.objects.filter(ended_at__isnull=True).filter(
        Q(documents_locked_until__lt=renew_before)
        | Q(documents_locked_until__isnull=True, created_at__lt=renew_before - lock)
    )
    for contract in (ended | running).order_by("pk").only("pk", "reference", "ended_at"):
        yield Stalled(
            key=f"document-locks:{contract.pk}",
            kind=_("retention of a contract's documents"),
            label=contract.reference,
            task=LENGTHEN_TASK,
            args=(contract.pk,),
            since=contract.ended_at or cutoff,
        )

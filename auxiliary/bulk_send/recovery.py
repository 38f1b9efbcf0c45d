"""Stalled bulk sends for the recovery sweeper (``RECOVERY_SOURCES``): a batch still creating
whose rows have not moved since before the cutoff (its worker died, or its task was lost), and
a batch cancelled before the cutoff whose contracts nobody signed are still not withdrawn."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db.models import Exists, Max, OuterRef
from django.utils.translation import gettext as _

from auxiliary.bulk_send.models import Batch, BatchRow
from auxiliary.bulk_send.services import CREATE_TASK, WITHDRAW_TASK, unsigned_contracts
from econtract.recovery.sweeper import Stalled


def stalled_batches(cutoff: datetime) -> Iterator[Stalled]:
    pending = BatchRow.objects.filter(batch=OuterRef("pk"), state=BatchRow.State.PENDING)
    creating = (
        Batch.objects.filter(state=Batch.State.CREATING)
        .filter(Exists(pending))
        .annotate(moved_at=Max("rows__updated_at"))
        .filter(moved_at__lt=cutoff)
        .order_by("moved_at")
    )
    for batch in creating:
        yield Stalled(
            key=f"bulk-send:{batch.pk}",
            kind=_("contracts of a bulk send"),
            label=f"{batch.pk} {batch.file_name}",
            task=CREATE_TASK,
            args=(batch.pk,),
            since=batch.moved_at,
        )
    cancelled = Batch.objects.filter(state=Batch.State.CANCELLED, cancelled_at__lt=cutoff)
    for stopped in cancelled.order_by("cancelled_at"):
        if stopped.cancelled_at is not None and unsigned_contracts(stopped).exists():
            yield Stalled(
                key=f"bulk-send-withdrawal:{stopped.pk}",
                kind=_("withdrawal of a cancelled bulk send's contracts"),
                label=f"{stopped.pk} {stopped.file_name}",
                task=WITHDRAW_TASK,
                args=(stopped.pk,),
                since=stopped.cancelled_at,
            )

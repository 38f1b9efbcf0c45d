"""Stalled amendment and termination work for the recovery sweeper (``RECOVERY_SOURCES``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db.models import Max
from django.utils.translation import gettext as _

from auxiliary.contract_changes.models import Amendment, Termination
from auxiliary.contract_changes.signing_sessions import SEAL_TASK
from econtract.recovery.sweeper import Stalled


def unsealed_changes(cutoff: datetime) -> Iterator[Stalled]:
    """Amendments and termination agreements every party signed before ``cutoff``, not sealed."""
    for model, participants in (
        (Amendment, "amendment_participants"),
        (Termination, "termination_participants"),
    ):
        requests = (
            model.objects.filter(state=model.State.SEALING)
            .select_related("contract")
            .annotate(last_signed_at=Max(f"{participants}__signed_at"))
            .filter(last_signed_at__lt=cutoff)
        )
        for request in requests:
            yield Stalled(
                key=f"{request.kind}-seal:{request.pk}",
                kind=_("seal of a signed %(kind)s") % {"kind": model._meta.verbose_name},
                label=f"{request.contract.reference} #{request.pk}",
                task=SEAL_TASK,
                args=(request.kind, request.pk),
                since=request.last_signed_at,
            )

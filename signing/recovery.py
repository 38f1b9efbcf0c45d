"""Stalled signing work for the recovery sweeper (``RECOVERY_SOURCES``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db.models import Max
from django.utils.translation import gettext as _

from econtract.contracts.models import Contract
from econtract.recovery.sweeper import Stalled
from signing.sessions import CONCLUDE_TASK


def unsealed_contracts(cutoff: datetime) -> Iterator[Stalled]:
    """Contracts every party signed before ``cutoff`` that are still not sealed and concluded."""
    contracts = (
        Contract.objects.filter(state=Contract.State.SIGNING)
        .exclude(signatories__signed_at__isnull=True)
        .annotate(last_signed_at=Max("signatories__signed_at"))
        .filter(last_signed_at__lt=cutoff)
        .order_by("last_signed_at")
    )
    for contract in contracts:
        yield Stalled(
            key=f"contract-seal:{contract.pk}",
            kind=_("seal and conclusion of a signed contract"),
            label=contract.reference,
            task=CONCLUDE_TASK,
            args=(contract.pk,),
            since=contract.last_signed_at,
        )

"""A termination agreed with a future effective date takes effect on that date (X20).

The agreement is sealed when the last party signed (``sealing.py``); if its effective date is
still ahead the termination is ``scheduled`` and the contract stays in performance. A beat task
(``tasks.terminate_on_effective_date``) calls :func:`take_effect_due`: each scheduled
termination whose date has come (in the platform's zone) is made ``terminated``, the contract
with it, in one transaction with its evidence event, the parties' notices and the regulator's
event. Idempotent: a termination no longer scheduled, or not yet due, is left alone.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from auxiliary.contract_changes.common import notify_parties, record
from auxiliary.contract_changes.effective_notices import TERMINATION_EFFECTIVE
from auxiliary.contract_changes.models import Termination
from econtract.contracts.models import Contract
from econtract.evidence.steps import Step
from econtract.supervision.models import EventType
from econtract.supervision.services import publish_contract_event


def take_effect_due(*, now: datetime | None = None) -> int:
    """Every scheduled termination due at ``now`` (default: now) takes effect; how many did."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = Termination.objects.filter(
        state=Termination.State.SCHEDULED, effective_date__lte=today
    ).order_by("effective_date", "pk")
    return sum(take_effect(pk, now=now) for pk in due.values_list("pk", flat=True))


def take_effect(termination_id: int, *, now: datetime) -> bool:
    """One scheduled termination, if it is due at ``now``; False when nothing was due."""
    with transaction.atomic():
        # The contract first, then the request: the order every change of them locks in.
        contract_id = Termination.objects.values_list("contract_id", flat=True).get(
            pk=termination_id
        )
        contract = Contract.objects.select_for_update().get(pk=contract_id)
        termination = (
            Termination.objects.select_for_update()
            .select_related("contract")
            .get(pk=termination_id)
        )
        if termination.state != Termination.State.SCHEDULED or not termination.is_due(now):
            return False
        termination.contract = contract
        termination.take_effect()
        termination.save()
        # A contract every party confirmed performed meanwhile has ended already.
        if contract.state == Contract.State.IN_PERFORMANCE:
            contract.terminate()
            contract.save()
        record(
            Step.X20,
            termination,
            None,
            effective_date=termination.effective_date.isoformat(),
            contract_state=contract.state,
            sha256=termination.version.sha256 if termination.version else "",
        )
        path = reverse("contract-detail", args=[contract.reference])
        notify_parties(
            termination,
            TERMINATION_EFFECTIVE,
            effective_date=termination.effective_date,
            contract_link=f"{settings.PUBLIC_BASE_URL}{path}",
        )
        if contract.state == Contract.State.TERMINATED:
            publish_contract_event(
                event_type=EventType.TERMINATED,
                contract=contract,
                document_sha256=termination.version.sha256 if termination.version else "",
                occurred_at=now,
            )
    return True

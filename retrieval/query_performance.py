"""Performance completed (履行完毕, X6): every party confirms; the last one's confirmation moves
the contract from ``in_performance`` to ``performed``.

Each confirmation is one X6 evidence event carrying the state it left the contract in (so the
contract's history shows the change); the other parties are told of each one, and every party
when the contract is performed.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from econtract.contracts.models import Contract, Signatory
from econtract.contracts.selectors import contract_for, not_found, party_of
from econtract.errors import BusinessRuleViolation
from econtract.evidence.services import record_event
from econtract.evidence.steps import Step
from econtract.notifications.services import notify
from econtract.parties.models import User


def confirm_performed(*, actor: User, reference: str) -> Contract:
    """The actor's party confirms the contract performed; with the last party, it is."""
    party = party_of(actor)
    if party is None:
        raise not_found()
    contract = contract_for(party=party, reference=reference)
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        if contract.state != Contract.State.IN_PERFORMANCE:
            raise BusinessRuleViolation(
                "invalid_state",
                _("Only a contract in performance can be confirmed performed; it is %(state)s.")
                % {"state": contract.get_state_display()},
            )
        signatory = contract.signatories.select_for_update().get(party=party)
        if signatory.performance_confirmed_at is not None:
            raise BusinessRuleViolation(
                "already_confirmed", _("You have already confirmed this contract performed.")
            )
        signatory.performance_confirmed_at = timezone.now()
        signatory.save(update_fields=["performance_confirmed_at"])
        performed = contract.all_confirmed_performance()
        if performed:
            contract.confirm_performed()
            contract.save()
        record_event(
            step=Step.X6,
            actor=actor,
            obj=contract,
            payload={"state": contract.state, "party": party.pk, "performed": performed},
        )
        _tell(contract, signatory, performed=performed)
    return contract


def _tell(contract: Contract, confirmed_by: Signatory, *, performed: bool) -> None:
    context = {
        "reference": contract.reference,
        "title": contract.title,
        "party_name": confirmed_by.registered_party.name,
    }
    for signatory in contract.signatories.select_related("party__account"):
        if performed:
            kind = "contract_performed"
        elif signatory.pk != confirmed_by.pk:
            kind = "performance_confirmed"
        else:
            continue
        notify(
            recipient=signatory.registered_party.account, kind=kind, context=context, obj=contract
        )

"""A party's key was compromised (X2, law Art. 15): what the signing process does about it.

The certificate was revoked by the party (registration.certificates); the signing process tells
the counterparties of every unfinished contract and records it on each contract, inside the
revocation's transaction, so the revocation and the warnings commit together.
"""

from __future__ import annotations

from django.db import transaction

from econtract.contracts.models import Contract
from econtract.evidence.services import record_event
from econtract.evidence.steps import Step
from econtract.notifications.services import notify
from econtract.parties.models import Party, PartyCertificate

# Contracts whose signatures, or signatures still to come, the compromised key concerns.
UNFINISHED = (Contract.State.READY, Contract.State.SIGNING, Contract.State.IN_PERFORMANCE)


def tell_counterparties_of_revocation(*, party: Party, certificate: PartyCertificate) -> int:
    """Warn every other party of ``party``'s unfinished contracts; returns how many contracts."""
    # A party signs a contract once at most, so the join yields each contract once.
    contracts = Contract.objects.filter(signatories__party=party, state__in=UNFINISHED)
    told = 0
    with transaction.atomic():
        for contract in contracts.select_for_update(of=("self",)).order_by("pk"):
            record_event(
                step=Step.X2,
                actor=party.account,
                obj=contract,
                payload={
                    "state": contract.state,
                    "party_id": party.pk,
                    "revoked_certificate": certificate.serial_number,
                    "reason": certificate.revocation_reason,
                },
            )
            counterparties = (
                contract.signatories.exclude(party=party)
                .filter(party__isnull=False)
                .select_related("party__account")
            )
            for signatory in counterparties:
                notify(
                    recipient=signatory.registered_party.account,
                    kind="counterparty_certificate_revoked",
                    context={
                        "contract": contract.title,
                        "reference": contract.reference,
                        "party": party.name,
                        "certificate": certificate.serial_number,
                    },
                    obj=contract,
                )
            told += 1
    return told

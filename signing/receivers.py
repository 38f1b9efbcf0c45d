"""The signing process listening to the kernel's signals (DESIGN.md §1: lower layers signal)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django_fsm.signals import post_transition

from econtract.contracts.models import Contract
from econtract.parties.models import Party, PartyCertificate
from econtract.parties.signals import certificate_revoked, party_registered
from signing.compromise import tell_counterparties_of_revocation
from signing.invitations import accept_opened_invitations, end_invitations
from signing.waits import end_waits


@receiver(certificate_revoked, dispatch_uid="signing-tell-counterparties-of-revocation")
def on_certificate_revoked(
    sender: Any, *, party: Party | None, certificate: PartyCertificate, **kwargs: Any
) -> None:
    if party is not None:
        tell_counterparties_of_revocation(party=party, certificate=certificate)


@receiver(post_transition, sender=Contract, dispatch_uid="signing-end-waits")
def on_contract_transition(sender: Any, *, instance: Contract, target: str, **kwargs: Any) -> None:
    # One place for every way out of signing: concluded, declined, withdrawn, expired, failed.
    if target not in Contract.OPEN_STATES:
        end_waits(instance)
    if target in Contract.FINAL_STATES or target in Contract.CONCLUDED_STATES:
        end_invitations(instance)


@receiver(party_registered, dispatch_uid="signing-accept-opened-invitations")
def on_party_registered(sender: Any, *, party: Party, **kwargs: Any) -> None:
    accept_opened_invitations(party)

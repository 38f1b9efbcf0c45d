"""The signing process listening to the kernel's signals (DESIGN.md §1: lower layers signal)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from econtract.parties.models import Party, PartyCertificate
from econtract.parties.signals import certificate_revoked
from signing.compromise import tell_counterparties_of_revocation


@receiver(certificate_revoked, dispatch_uid="signing-tell-counterparties-of-revocation")
def on_certificate_revoked(
    sender: Any, *, party: Party | None, certificate: PartyCertificate, **kwargs: Any
) -> None:
    if party is not None:
        tell_counterparties_of_revocation(party=party, certificate=certificate)

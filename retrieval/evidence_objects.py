"""The verifications of a contract's document that its own parties asked for belong to its
evidence (the 出证 package); a verification by anyone else stays theirs (who verified what is
no business of the contract's other readers)."""

from __future__ import annotations

from collections.abc import Iterator

from econtract.contracts.evidence_objects import EvidenceObject
from econtract.contracts.models import Contract
from econtract.evidence.services import object_label
from retrieval.models import Verification


def parties_verifications(contract: Contract) -> Iterator[EvidenceObject]:
    accounts = contract.signatories.filter(party__isnull=False).values("party__account")
    found = Verification.objects.filter(contract=contract, requester__in=accounts)
    label = object_label(Verification())
    for pk in found.values_list("pk", flat=True):
        yield label, str(pk)

"""The amendments and terminations of a contract belong to its evidence (the 出证 package):
their steps (T11, T12) are recorded on them, not on the contract."""

from __future__ import annotations

from collections.abc import Iterator

from auxiliary.contract_changes.models import Amendment, Termination
from econtract.contracts.evidence_objects import EvidenceObject
from econtract.contracts.models import Contract
from econtract.evidence.services import object_label


def change_requests(contract: Contract) -> Iterator[EvidenceObject]:
    for model in (Amendment, Termination):
        label = object_label(model())
        for pk in model.objects.filter(contract=contract).values_list("pk", flat=True):
            yield label, str(pk)

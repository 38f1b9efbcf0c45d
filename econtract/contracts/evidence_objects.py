"""Which objects' evidence events belong to a contract's evidence (the 出证 package).

A contract's story is recorded on more objects than the contract: its amendments and
terminations, the verifications its parties asked for, the authentications its signers were in
force under. The kernel cannot know the processes that own them, so each registers a provider
in its ``AppConfig.ready``; a provider names, for one contract, the objects as the evidence log
names them (``econtract.evidence.services.object_label`` and the primary key as text).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from econtract.evidence.models import EvidenceEvent
from econtract.evidence.services import object_label

if TYPE_CHECKING:
    from econtract.contracts.models import Contract

EvidenceObject = tuple[str, str]  # (object_type, object_id) as EvidenceEvent names them
EvidenceObjects = Callable[["Contract"], Iterable[EvidenceObject]]
_PROVIDERS: list[EvidenceObjects] = []


def register_evidence_objects(provider: EvidenceObjects) -> None:
    """Called by a process's ``AppConfig.ready``; registering the same function twice is a no-op."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def evidence_objects(contract: Contract) -> list[EvidenceObject]:
    """The contract itself and every object a provider names for it, each once, sorted."""
    found = {(object_label(contract), str(contract.pk))}
    for provider in _PROVIDERS:
        found.update(provider(contract))
    return sorted(found)


def evidence_objects_by_type(contract: Contract) -> dict[str, list[str]]:
    """``evidence_objects`` as object type -> ids: one ``IN`` per type for what is recorded on
    them (events, notices)."""
    ids_by_type: dict[str, list[str]] = {}
    for object_type, object_id in evidence_objects(contract):
        ids_by_type.setdefault(object_type, []).append(object_id)
    return ids_by_type


def evidence_events(contract: Contract) -> QuerySet[EvidenceEvent]:
    """Every event of the contract's evidence objects, in the chain's order."""
    # One IN per object type: each is an index range over (object_type, object_id).
    matches = (
        Q(object_type=kind, object_id__in=ids)
        for kind, ids in evidence_objects_by_type(contract).items()
    )
    return EvidenceEvent.objects.filter(reduce(or_, matches)).order_by("sequence")

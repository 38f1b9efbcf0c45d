"""What links some events of the log to timestamped heads, and nothing more
(``docs/evidence-package.md``, "evidence/chain.json").

The log is one chain for the whole platform. To prove a contract's events without disclosing
the others, each event is linked forward to the first anchored head at or after it: the events
in between appear as their format-2 digests only (a format-1 event, recorded before digests
existed, needs its fields: the ids and step code, never its payload).
"""

from __future__ import annotations

import bisect
import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from econtract.evidence import chain
from econtract.evidence.models import EvidenceAnchor, EvidenceEvent
from econtract.evidence.services import anchor_chain_head
from econtract.evidence.steps import BY_CODE

# Enough to recompute an event's hash, no payload: what a link between two events needs.
_LINK_FIELDS = (*chain.HASHED_FIELDS, "payload_hash", "previous_hash", "hash", "recorded_at")


@dataclass(frozen=True, slots=True)
class ChainProof:
    runs: list[dict[str, Any]]  # chain.json's "runs"
    anchors: dict[int, bytes]  # anchored head's sequence -> its RFC 3161 token (DER)


def event_record(event: EvidenceEvent) -> dict[str, Any]:
    """One entry of events.json: the event's hashed fields, its payload and hashes, and what
    is only there for reading (the step's name, the actor's label)."""
    step = BY_CODE.get(event.step)
    return {
        **chain.hashed_fields(event),
        "step_name": {"zh": step.name_zh, "en": step.name_en} if step else {"zh": "", "en": ""},
        "actor_label": event.actor_label,
        "payload": event.payload,
        "previous_hash": event.previous_hash,
        "hash": event.hash,
    }


def prove(events: Iterable[EvidenceEvent]) -> ChainProof:
    """The runs linking ``events`` to anchored heads, and those heads' tokens. When the newest
    of them is after the last anchor, the chain head is timestamped first."""
    included = sorted({event.sequence for event in events})
    if not included:
        return ChainProof(runs=[], anchors={})
    anchors = _anchors_from(included[0])
    if not anchors or max(anchors) < included[-1]:
        _anchor_head_now()
        anchors = _anchors_from(included[0])
    runs = [
        _run(first=group[0], anchor=anchor, included=set(group))
        for anchor, group in _grouped_by_anchor(included, sorted(anchors)).items()
    ]
    used = {run["anchor"] for run in runs}
    return ChainProof(runs=runs, anchors={s: t for s, t in anchors.items() if s in used})


def _anchors_from(sequence: int) -> dict[int, bytes]:
    found = EvidenceAnchor.objects.filter(sequence__gte=sequence).values_list("sequence", "token")
    return {anchored: bytes(token) for anchored, token in found}


def _anchor_head_now() -> None:
    # IntegrityError: the schedule anchored the same head a moment ago; that anchor serves.
    with contextlib.suppress(IntegrityError), transaction.atomic():
        anchor_chain_head()


def _grouped_by_anchor(included: Sequence[int], anchors: Sequence[int]) -> dict[int, list[int]]:
    """Each event under the first anchor at or after it."""
    groups: dict[int, list[int]] = {}
    for sequence in included:
        anchor = anchors[bisect.bisect_left(anchors, sequence)]
        groups.setdefault(anchor, []).append(sequence)
    return groups


def _run(*, first: int, anchor: int, included: set[int]) -> dict[str, Any]:
    between = (
        EvidenceEvent.objects.filter(sequence__gt=first, sequence__lte=anchor)
        .exclude(sequence__in=included)
        .order_by("sequence")
        .only(*_LINK_FIELDS)
    )
    return {
        "anchor": anchor,
        "first": first,
        "links": [_link(event) for event in between.iterator(chunk_size=2000)],
    }


def _link(event: EvidenceEvent) -> dict[str, Any]:
    fields = chain.hashed_fields(event)
    if chain.is_format_2(event, event.hash):
        return {"sequence": event.sequence, "digest": chain.event_digest(fields)}
    return {"sequence": event.sequence, "fields": fields}

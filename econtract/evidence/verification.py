"""Checking the whole chain: every hash recomputed, every link followed, every anchor matched."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from asn1crypto import cms

from econtract.evidence import chain
from econtract.evidence.models import GENESIS_HASH, ChainHead, EvidenceAnchor, EvidenceEvent


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    events: int
    broken_at: int | None = None  # the sequence number of the first bad event
    reason: str = ""
    anchors: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "intact": self.intact,
            "events": self.events,
            "broken_at": self.broken_at,
            "reason": self.reason,
            "anchors": self.anchors,
        }


def _problem(event: EvidenceEvent, expected_sequence: int, previous_hash: str) -> str:
    if event.sequence != expected_sequence:
        return f"sequence {expected_sequence} is missing (next found: {event.sequence})"
    if event.previous_hash != previous_hash:
        return "previous hash does not match the event before it"
    if chain.payload_hash(event.payload) != event.payload_hash:
        return "payload does not match its hash"
    recomputed = chain.hash_of(event)
    if recomputed != event.hash:
        return "event content does not match its hash"
    return ""


def _events() -> Iterator[EvidenceEvent]:
    return EvidenceEvent.objects.order_by("sequence").iterator(chunk_size=2000)


def verify_chain() -> ChainReport:
    anchors = {a.sequence: a for a in EvidenceAnchor.objects.all()}
    previous_hash, count = GENESIS_HASH, 0
    for event in _events():
        problem = _problem(event, count + 1, previous_hash) or _anchor_problem(event, anchors)
        if problem:
            return ChainReport(False, count, event.sequence, problem, len(anchors))
        previous_hash, count = event.hash, count + 1
    problem = _tail_problem(count, previous_hash, anchors)
    if problem:
        return ChainReport(False, count, count + 1, problem, len(anchors))
    return ChainReport(True, count, anchors=len(anchors))


def _anchor_problem(event: EvidenceEvent, anchors: dict[int, EvidenceAnchor]) -> str:
    anchor = anchors.get(event.sequence)
    if anchor is None:
        return ""
    if anchor.head_hash != event.hash:
        return "a timestamped chain head no longer matches the chain"
    if timestamped_imprint(bytes(anchor.token)) != bytes.fromhex(event.hash):
        return "the timestamp token of this chain head covers other data"
    return ""


def _tail_problem(count: int, last_hash: str, anchors: dict[int, EvidenceAnchor]) -> str:
    # Events removed from the end leave a shorter chain that is consistent in itself; the head
    # record and the timestamped anchors still remember how long it was.
    if any(sequence > count for sequence in anchors):
        return "events that were timestamped are missing from the end of the chain"
    head = ChainHead.objects.filter(singleton=True).first()
    if head is not None and (head.sequence, head.hash) != (count, last_hash):
        return f"the chain head records {head.sequence} events; {count} were found"
    return ""


def timestamped_imprint(token_der: bytes) -> bytes:
    """The message imprint an RFC 3161 token (a CMS ContentInfo) vouches for."""
    content_info = cms.ContentInfo.load(token_der)
    tst_info = content_info["content"]["encap_content_info"]["content"].parsed
    return bytes(tst_info["message_imprint"]["hashed_message"].native)

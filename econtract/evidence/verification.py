"""Checking the whole chain: every hash recomputed, every seal checked, every link followed,
every anchor matched, and the witnesses kept outside the database compared.

What it finds, and where it says so:
- an event changed in place (its hash no longer matches) — at that event;
- an event rewritten with its hashes recomputed, as an operator with the database could do —
  at that event, by its seal (a MAC under a key the database does not hold);
- events removed from the middle — at the gap; from the end, or the whole log emptied with its
  anchors — by the chain head, the anchors and the witness copies of the anchors;
- seals blanked — from the first head a witness saw sealed, every event must be sealed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

from asn1crypto import cms
from django.utils import timezone

from econtract.evidence import chain, seals, witness
from econtract.evidence.models import (
    GENESIS_HASH,
    ChainCheck,
    ChainHead,
    EvidenceAnchor,
    EvidenceEvent,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    events: int
    broken_at: int | None = None  # the sequence number of the first bad event
    reason: str = ""
    anchors: int = 0
    unanchored: int = 0  # events after the last timestamped head

    def as_dict(self) -> dict[str, object]:
        return {
            "intact": self.intact,
            "events": self.events,
            "broken_at": self.broken_at,
            "reason": self.reason,
            "anchors": self.anchors,
            "unanchored": self.unanchored,
        }


@dataclass
class _Known:
    """What the verifier holds besides the events: anchors, witnesses, whether seals are due."""

    anchors: dict[int, EvidenceAnchor]
    witnesses: dict[int, witness.Witness]
    sealed_from: int | None  # from this sequence on, every event must carry a seal


def verify_chain() -> ChainReport:
    known = _known()
    previous_hash, count = GENESIS_HASH, 0
    for event in _events():
        problem = (
            _problem(event, count + 1, previous_hash)
            or _seal_problem(event, known)
            or _anchor_problem(event, known)
        )
        if problem:
            return ChainReport(False, count, event.sequence, problem, len(known.anchors))
        if event.mac and (known.sealed_from is None or event.sequence < known.sealed_from):
            known.sealed_from = event.sequence  # sealing had begun: every later event is sealed
        previous_hash, count = event.hash, count + 1
    problem = _tail_problem(count, previous_hash, known)
    if problem:
        return ChainReport(False, count, count + 1, problem, len(known.anchors))
    last_anchored = max(known.anchors, default=0)
    return ChainReport(True, count, anchors=len(known.anchors), unanchored=count - last_anchored)


def check_chain() -> ChainCheck:
    """Verify the chain and keep the result as the latest check."""
    report = verify_chain()
    check, _created = ChainCheck.objects.update_or_create(
        singleton=True,
        defaults={
            "checked_at": timezone.now(),
            "intact": report.intact,
            "events": report.events,
            "unanchored": report.unanchored,
            "broken_at": report.broken_at,
            "reason": report.reason,
        },
    )
    if not report.intact:
        logger.critical(
            "the evidence chain is broken at event %s: %s", report.broken_at, report.reason
        )
    return check


def _known() -> _Known:
    witnesses = witness.witnesses()
    sealed = [sequence for sequence, seen in witnesses.items() if seen.head_mac]
    return _Known(
        anchors={a.sequence: a for a in EvidenceAnchor.objects.all()},
        witnesses=witnesses,
        sealed_from=min(sealed, default=None),
    )


def _events() -> Iterator[EvidenceEvent]:
    return EvidenceEvent.objects.order_by("sequence").iterator(chunk_size=2000)


def _problem(event: EvidenceEvent, expected_sequence: int, previous_hash: str) -> str:
    if event.sequence != expected_sequence:
        return f"sequence {expected_sequence} is missing (next found: {event.sequence})"
    if event.previous_hash != previous_hash:
        return "previous hash does not match the event before it"
    if chain.payload_hash(event.payload) != event.payload_hash:
        return "payload does not match its hash"
    if not chain.hash_matches(chain.hashed_fields(event), event.previous_hash, event.hash):
        return "event content does not match its hash"
    return ""


def _seal_problem(event: EvidenceEvent, known: _Known) -> str:
    if not event.mac:
        due = known.sealed_from is not None and event.sequence >= known.sealed_from
        return "the event's seal is missing: it was rewritten or removed" if due else ""
    if seals.mac_of(event.hash) != event.mac:
        return "the event was changed after it was recorded (its seal does not match)"
    return ""


def _anchor_problem(event: EvidenceEvent, known: _Known) -> str:
    anchor, seen = known.anchors.get(event.sequence), known.witnesses.get(event.sequence)
    if seen is not None:
        if seen.head_hash != event.hash or (seen.head_mac and seen.head_mac != event.mac):
            return "a chain head kept as a witness outside the database no longer matches"
        if anchor is None:
            return "a timestamped chain head was removed from the database"
    if anchor is None:
        return ""
    if anchor.head_hash != event.hash:
        return "a timestamped chain head no longer matches the chain"
    if timestamped_imprint(bytes(anchor.token)) != bytes.fromhex(event.hash):
        return "the timestamp token of this chain head covers other data"
    return ""


def _tail_problem(count: int, last_hash: str, known: _Known) -> str:
    # Events removed from the end leave a shorter chain that is consistent in itself; the head
    # record, the timestamped anchors and their witnesses still remember how long it was.
    if any(sequence > count for sequence in [*known.anchors, *known.witnesses]):
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

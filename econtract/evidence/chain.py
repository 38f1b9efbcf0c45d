"""How an event's hashes and seal are computed: the writer and the verifier share them."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any, Protocol

from econtract import privacy


def canonical_json(value: Any) -> bytes:
    # Sorted keys, no whitespace, UTF-8 as is: one byte string per value, on every machine.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def payload_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def event_hash(
    *,
    sequence: int,
    step: str,
    actor_type: str,
    actor_id: str,
    object_type: str,
    object_id: str,
    payload_hash: str,
    previous_hash: str,
    recorded_at: datetime,
) -> str:
    body = {
        "sequence": sequence,
        "step": step,
        "actor_type": actor_type,
        "actor_id": actor_id,
        "object_type": object_type,
        "object_id": object_id,
        "payload_hash": payload_hash,
        "previous_hash": previous_hash,
        "recorded_at": recorded_at.astimezone(UTC).isoformat(timespec="microseconds"),
    }
    return hashlib.sha256(canonical_json(body)).hexdigest()


class ChainedEvent(Protocol):
    """What of an event its hash covers (an ``EvidenceEvent``, before or after it is saved)."""

    sequence: int
    step: str
    actor_type: str
    actor_id: str
    object_type: str
    object_id: str
    payload_hash: str
    previous_hash: str
    recorded_at: datetime


def hash_of(event: ChainedEvent) -> str:
    """``event_hash`` over the event's own fields."""
    return event_hash(
        sequence=event.sequence,
        step=event.step,
        actor_type=event.actor_type,
        actor_id=event.actor_id,
        object_type=event.object_type,
        object_id=event.object_id,
        payload_hash=event.payload_hash,
        previous_hash=event.previous_hash,
        recorded_at=event.recorded_at,
    )


def mac_of(event_hash_hex: str) -> str:
    """The event's seal: a keyed MAC of its hash (``privacy.evidence_mac``). A rewritten event
    whose hashes were recomputed keeps the old seal, which no longer matches."""
    return privacy.evidence_mac(bytes.fromhex(event_hash_hex))

"""How an event's hashes are computed: the writer, the platform's verifier and the offline
verifier (``tools/econtract-verify``, which ships this very module) share them.

No Django here, nothing but the standard library: the offline verifier imports this module as
it is. The formulas are in ``docs/evidence-package.md``.

Two formats. Format 1 (events recorded before issue 18) hashes every field together with the
previous hash, so linking an event into the chain needs all its fields. Format 2 hashes the
fields into a *digest* first and chains ``sha256(previous hash || digest)``: an evidence package
can then link a contract's events to an anchored head through the other contracts' events as
digests alone, disclosing nothing about them. An event's hash tells its format: exactly one of
the two formulas gives it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

FORMAT = 2
# The fields an event's hash covers besides its payload (by its hash) and the previous hash.
HASHED_FIELDS = ("sequence", "step", "actor_type", "actor_id", "object_type", "object_id")


def canonical_json(value: Any) -> bytes:
    # Sorted keys, no whitespace, UTF-8 as is: one byte string per value, on every machine.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def payload_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def timestamp_text(recorded_at: datetime) -> str:
    """``recorded_at`` as it is hashed: UTC, microseconds."""
    return recorded_at.astimezone(UTC).isoformat(timespec="microseconds")


def hashed_fields(event: ChainedEvent) -> dict[str, Any]:
    """What of ``event`` its hash covers, but the previous hash, as plain JSON values."""
    fields: dict[str, Any] = {name: getattr(event, name) for name in HASHED_FIELDS}
    fields["payload_hash"] = event.payload_hash
    fields["recorded_at"] = timestamp_text(event.recorded_at)
    return fields


def event_digest(fields: Mapping[str, Any]) -> str:
    """Format 2: the digest of an event's ``hashed_fields``."""
    return hashlib.sha256(canonical_json({"format": FORMAT, **fields})).hexdigest()


def chained_hash(previous_hash: str, digest: str) -> str:
    """Format 2: an event's hash from the hash before it and its digest."""
    return hashlib.sha256(bytes.fromhex(previous_hash) + bytes.fromhex(digest)).hexdigest()


def format_1_hash(fields: Mapping[str, Any], previous_hash: str) -> str:
    """Format 1: every field hashed together with the previous hash."""
    return hashlib.sha256(canonical_json({**fields, "previous_hash": previous_hash})).hexdigest()


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
    """The hash a new event gets (format 2)."""
    return chained_hash(event.previous_hash, event_digest(hashed_fields(event)))


def hash_matches(fields: Mapping[str, Any], previous_hash: str, claimed_hash: str) -> bool:
    """Whether ``claimed_hash`` is the hash, in either format, of an event with ``fields``
    (``hashed_fields``) chained after ``previous_hash``."""
    return claimed_hash in (
        chained_hash(previous_hash, event_digest(fields)),
        format_1_hash(fields, previous_hash),
    )


def is_format_2(event: ChainedEvent, claimed_hash: str) -> bool:
    return chained_hash(event.previous_hash, event_digest(hashed_fields(event))) == claimed_hash

"""An event's seal: a keyed MAC of its hash, under a key the database does not hold."""

from __future__ import annotations

from econtract import privacy


def mac_of(event_hash_hex: str) -> str:
    """The event's seal (``privacy.evidence_mac``). A rewritten event whose hashes were
    recomputed keeps the old seal, which no longer matches."""
    return privacy.evidence_mac(bytes.fromhex(event_hash_hex))

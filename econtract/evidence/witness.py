"""Witness copies of the chain's anchors, kept outside the database (``EVIDENCE_WITNESS_DIR``).

The database holds the events and their anchors; whoever administers it could empty both and
reset the head, and the log would look intact — with nothing in it. Each anchor is therefore
also written, once, as a file: the head's sequence, hash and seal and the RFC 3161 token. The
verifier reads them back: an anchor the database lost, events the witnesses saw that are gone,
or seals blanked since a witnessed head, all show. (In production the directory belongs on
storage the database's operators cannot write: another volume, or an object-lock bucket.)
"""

from __future__ import annotations

import base64
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from econtract.evidence.models import EvidenceAnchor

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Witness:
    sequence: int
    head_hash: str
    head_mac: str
    token: bytes


def _directory() -> Path:
    return Path(settings.EVIDENCE_WITNESS_DIR)


def keep(anchor: EvidenceAnchor, *, head_mac: str) -> None:
    """Write the anchor's witness file; never overwrite one (an anchor is made once)."""
    directory = _directory()
    directory.mkdir(parents=True, exist_ok=True)
    body = {
        "sequence": anchor.sequence,
        "head_hash": anchor.head_hash,
        "head_mac": head_mac,
        "token": base64.b64encode(bytes(anchor.token)).decode(),
    }
    path = directory / f"anchor-{anchor.sequence:015d}.json"
    try:
        with path.open("x", encoding="utf-8") as out:
            json.dump(body, out)
        os.chmod(path, 0o444)
    except FileExistsError:
        logger.error("evidence witness %s exists already; left as it was", path.name)


def witnesses() -> dict[int, Witness]:
    """Every witness file, by the head sequence it names."""
    directory = _directory()
    if not directory.is_dir():
        return {}
    found: dict[int, Witness] = {}
    for path in sorted(directory.glob("anchor-*.json")):
        body = json.loads(path.read_text(encoding="utf-8"))
        found[int(body["sequence"])] = Witness(
            sequence=int(body["sequence"]),
            head_hash=str(body["head_hash"]),
            head_mac=str(body.get("head_mac", "")),
            token=base64.b64decode(body["token"]),
        )
    return found

"""The package of one contract holds no data of another contract of the same party (its
reference, title, events, documents, its other party's name) and nobody's whole ID number."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from econtract.evidence.models import EvidenceEvent
from econtract.evidence.services import object_label
from tests.evidence_package.conftest import (
    BUYER_ID_NUMBER,
    OTHER_TITLE,
    OUTSIDER_ID_NUMBER,
    ChangedContracts,
    unzipped,
)

pytestmark = pytest.mark.django_db


def readable_text(files: dict[str, bytes], tmp_path: Path) -> dict[str, str]:
    """The JSON and text files as they are, the PDFs' text as pdftotext reads it."""
    texts = {}
    for name, data in files.items():
        if name.endswith(".pdf"):
            path = tmp_path / "file.pdf"
            path.write_bytes(data)
            texts[name] = subprocess.run(
                ["pdftotext", "-q", str(path), "-"], capture_output=True, check=True, text=True
            ).stdout
        elif not name.endswith((".der", ".crl", ".tsr", ".p7s")):
            texts[name] = data.decode()
    return texts


def test_nothing_of_the_other_contract_of_a_party_is_in_the_package(
    buyer_package: bytes, changed_contracts: ChangedContracts, tmp_path: Path
) -> None:
    other = changed_contracts.other
    files = unzipped(buyer_package)
    texts = readable_text(files, tmp_path)
    other_events = EvidenceEvent.objects.filter(
        object_type=object_label(other), object_id=str(other.pk)
    )
    secrets = {
        other.reference,
        OTHER_TITLE,
        changed_contracts.outsider.name,
        *(v.sha256 for v in other.versions.all()),
    }

    for name, text in texts.items():
        found = [secret for secret in secrets if secret in text]
        assert not found, f"{name} holds {found}"
    for version in other.versions.all():
        assert all(version.sha256 not in data.hex() for data in files.values())
    # Its events are neither among the package's nor disclosed in the chain's links: the
    # hashes of the events between are all a run holds of them.
    events = json.loads(files["evidence/events.json"])["events"]
    assert {e["sequence"] for e in events}.isdisjoint(e.sequence for e in other_events)
    links = [
        link for run in json.loads(files["evidence/chain.json"])["runs"] for link in run["links"]
    ]
    assert links
    assert all(set(link) == {"sequence", "digest"} for link in links)


def test_no_whole_id_number_is_in_the_package(buyer_package: bytes, tmp_path: Path) -> None:
    files = unzipped(buyer_package)
    texts = readable_text(files, tmp_path)

    for name, text in texts.items():
        assert BUYER_ID_NUMBER not in text, name
        assert OUTSIDER_ID_NUMBER not in text, name
    for name, data in files.items():
        assert BUYER_ID_NUMBER.encode() not in data, name

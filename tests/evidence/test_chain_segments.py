"""Linking one object's events to timestamped heads through others' events as digests only
(econtract/evidence/segments.py, docs/evidence-package.md), over the real built-in TSA."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from pytest_django import Settings

from econtract.evidence import chain
from econtract.evidence.models import ChainHead, EvidenceAnchor, EvidenceEvent
from econtract.evidence.segments import ChainProof, event_record, prove
from econtract.evidence.services import anchor_chain_head, record_event
from econtract.evidence.verification import timestamped_imprint, verify_chain

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def live_tsa(live_pki: str, settings: Settings) -> str:
    settings.TSA_URL = f"{live_pki}/pki/tsa"
    return settings.TSA_URL


def _event(obj: str, n: int) -> EvidenceEvent:
    return record_event(
        step="T6.1", actor=None, object_type="test.thing", object_id=obj, payload={"n": n}
    )


def _walk(proof: ChainProof, records: dict[int, dict[str, Any]]) -> list[int]:
    """The anchors the runs reach, each checked: every event's hash recomputed, every link
    chained, the running hash equal to the anchor token's imprint."""
    reached = []
    for run in proof.runs:
        links = {link["sequence"]: link for link in run["links"]}
        running = records[run["first"]]["previous_hash"]
        for sequence in range(run["first"], run["anchor"] + 1):
            running = _next_hash(running, records.get(sequence), links.get(sequence))
        assert timestamped_imprint(proof.anchors[run["anchor"]]) == bytes.fromhex(running)
        reached.append(run["anchor"])
    return reached


def _next_hash(running: str, record: dict[str, Any] | None, link: dict[str, Any] | None) -> str:
    if record is not None:
        assert record["previous_hash"] == running
        fields = {k: record[k] for k in (*chain.HASHED_FIELDS, "payload_hash", "recorded_at")}
        assert chain.hash_matches(fields, running, record["hash"])
        return str(record["hash"])
    assert link is not None
    if "digest" in link:
        return chain.chained_hash(running, link["digest"])
    return chain.format_1_hash(link["fields"], running)


def test_an_objects_events_are_linked_to_anchors_through_the_others_digests_only() -> None:
    ours = [_event("ours", 1), _event("theirs", 2), _event("ours", 3)]
    anchor_chain_head()
    ours += [_event("theirs", 4), _event("ours", 5), _event("theirs", 6)]

    proof = prove([ours[0], ours[2], ours[4]])

    records = {e.sequence: event_record(e) for e in (ours[0], ours[2], ours[4])}
    # The head after the last event was not anchored: proving it anchored it.
    assert _walk(proof, records) == [3, 6]
    assert EvidenceAnchor.objects.filter(sequence=6).exists()
    links = [link for run in proof.runs for link in run["links"]]
    # Event 4 lies between an anchor and our next event: no run needs it.
    assert [link["sequence"] for link in links] == [2, 6]
    assert all(set(link) == {"sequence", "digest"} for link in links)


def test_a_changed_digest_no_longer_reaches_the_anchor() -> None:
    first = _event("ours", 1)
    _event("theirs", 2)
    proof = prove([first])
    proof.runs[0]["links"][0]["digest"] = "0" * 64

    with pytest.raises(AssertionError):
        _walk(proof, {first.sequence: event_record(first)})


def _format_1_events(*objects: str) -> list[EvidenceEvent]:
    """Events as recorded before format 2, at the start of the chain."""
    events, previous = [], "0" * 64
    for sequence, obj in enumerate(objects, start=1):
        event = EvidenceEvent(
            sequence=sequence,
            step="T6.1",
            actor_type="platform",
            actor_id="",
            actor_label="platform",
            object_type="test.thing",
            object_id=obj,
            payload={"n": sequence},
            payload_hash=chain.payload_hash({"n": sequence}),
            previous_hash=previous,
            recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        event.hash = previous = chain.format_1_hash(chain.hashed_fields(event), previous)
        event.save(force_insert=True)
        events.append(event)
    ChainHead.objects.update_or_create(
        singleton=True, defaults={"sequence": len(objects), "hash": previous}
    )
    return events


def test_events_of_both_formats_verify_and_link() -> None:
    ours_before, theirs_before = _format_1_events("ours", "theirs")
    assert (
        ours_before.hash
        == hashlib.sha256(
            chain.canonical_json({**chain.hashed_fields(ours_before), "previous_hash": "0" * 64})
        ).hexdigest()
    )
    ours_now = _event("ours", 3)

    assert verify_chain().intact
    assert chain.is_format_2(ours_now, ours_now.hash)
    assert not chain.is_format_2(ours_before, ours_before.hash)
    proof = prove([ours_before, ours_now])
    records = {e.sequence: event_record(e) for e in (ours_before, ours_now)}
    assert _walk(proof, records) == [3]
    # The earlier event between is linked by the fields its hash needs, never its payload.
    (link,) = proof.runs[0]["links"]
    assert link == {"sequence": 2, "fields": chain.hashed_fields(theirs_before)}

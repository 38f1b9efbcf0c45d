"""The evidence log resists its own operators (issue 13): the database refuses TRUNCATE and a
chain head moved back; what a database superuser does behind the triggers' back — a tail
rewritten with recomputed hashes, an event rewritten before an anchor, the whole log emptied —
is found by the verifier at the event it changed, by the events' seals and the witness copies of
the anchors kept outside the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from pytest_django import Settings

from econtract.evidence import chain
from econtract.evidence.models import ChainHead, EvidenceAnchor, EvidenceEvent
from econtract.evidence.services import anchor_chain_head, record_event
from econtract.evidence.verification import check_chain, verify_chain

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the triggers exist on PostgreSQL only"
    ),
]


@pytest.fixture
def live_tsa(live_pki: str, settings: Settings) -> str:
    settings.TSA_URL = f"{live_pki}/pki/tsa"
    return settings.TSA_URL


@contextmanager
def behind_the_triggers() -> Iterator[None]:
    """As a database superuser could: with triggers off, in one transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        yield


def record(count: int, start: int = 0) -> list[EvidenceEvent]:
    return [record_event(step="X9", actor=None, payload={"n": n}) for n in range(start, count)]


def rewrite_from(sequence: int, payload: dict[str, object]) -> None:
    """Change event ``sequence``'s payload and recompute every hash after it, and the head —
    everything but the seals, whose key the database does not hold."""
    with behind_the_triggers():
        previous = EvidenceEvent.objects.filter(sequence=sequence - 1).first()
        previous_hash = previous.hash if previous else "0" * 64
        for event in EvidenceEvent.objects.filter(sequence__gte=sequence).order_by("sequence"):
            if event.sequence == sequence:
                event.payload, event.payload_hash = payload, chain.payload_hash(payload)
            event.previous_hash = previous_hash
            event.hash = chain.hash_of(event)
            EvidenceEvent.objects.filter(pk=event.pk).update(
                payload=event.payload,
                payload_hash=event.payload_hash,
                previous_hash=f"tmp-{event.sequence}",  # unique while the chain is relinked
                hash=f"tmp-h-{event.sequence}",
            )
            previous_hash = event.hash
            EvidenceEvent.objects.filter(pk=event.pk).update(
                previous_hash=event.previous_hash, hash=event.hash
            )
        ChainHead.objects.update(hash=previous_hash)


def test_truncate_of_the_evidence_tables_is_refused() -> None:
    record(2)
    for table in ("evidence_evidenceevent", "evidence_evidenceanchor", "evidence_chainhead"):
        with pytest.raises(DatabaseError, match="TRUNCATE"):
            truncate_as_in_production(table)
    assert EvidenceEvent.objects.count() == 2


def truncate_as_in_production(table: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL econtract.evidence_maintenance = 'off'")  # never set there
        cursor.execute(f"TRUNCATE {table} CASCADE")


def test_the_chain_head_cannot_move_back_or_be_deleted() -> None:
    record(3)
    with pytest.raises(DatabaseError, match="cannot move back"), transaction.atomic():
        ChainHead.objects.update(sequence=1)
    with pytest.raises(DatabaseError, match="cannot be deleted"), transaction.atomic():
        ChainHead.objects.all().delete()
    assert ChainHead.objects.get().sequence == 3


def test_a_tail_rewritten_after_the_last_anchor_is_found_at_the_changed_event(
    live_tsa: str,
) -> None:
    record(3)
    anchor_chain_head()
    record(6, start=3)  # events 4–6: not yet anchored
    assert verify_chain().unanchored == 3

    rewrite_from(5, {"n": "rewritten"})

    report = verify_chain()
    assert (report.intact, report.broken_at) == (False, 5)
    assert "seal" in report.reason


def test_a_rewrite_before_an_anchor_is_found_at_the_changed_event_not_the_anchor(
    live_tsa: str,
) -> None:
    record(6)
    anchor_chain_head()

    rewrite_from(2, {"n": "rewritten"})

    report = verify_chain()
    assert (report.intact, report.broken_at) == (False, 2)


def test_an_emptied_log_with_a_reset_head_fails_by_its_witnesses(
    live_tsa: str, settings: Settings
) -> None:
    record(4)
    anchor_chain_head()
    assert list(Path(settings.EVIDENCE_WITNESS_DIR).glob("anchor-*.json"))

    with behind_the_triggers():
        EvidenceAnchor.objects.all().delete()
        EvidenceEvent.objects.all().delete()
        ChainHead.objects.update(sequence=0, hash="0" * 64)

    report = verify_chain()
    assert (report.intact, report.events) == (False, 0)
    assert "timestamped are missing" in report.reason


def test_seals_blanked_after_a_witnessed_head_are_found(live_tsa: str) -> None:
    record(3)
    anchor_chain_head()
    record(5, start=3)

    with behind_the_triggers():
        EvidenceEvent.objects.filter(sequence__gte=2).update(mac="")

    report = verify_chain()
    assert (report.intact, report.broken_at) == (False, 2)
    assert "seal is missing" in report.reason


def test_an_anchor_removed_from_the_database_is_found_by_its_witness(live_tsa: str) -> None:
    record(3)
    anchor_chain_head()

    with behind_the_triggers():
        EvidenceAnchor.objects.all().delete()

    report = verify_chain()
    assert (report.intact, report.broken_at) == (False, 3)
    assert "removed from the database" in report.reason


def test_healthz_reports_the_chain_as_last_verified(live_tsa: str) -> None:
    record(2)
    check_chain()
    healthy = Client().get("/healthz").json()["evidence"]
    assert healthy["ok"] is True
    assert healthy["detail"].startswith("intact: 2 events, 2 not yet anchored")

    rewrite_from(1, {"n": "rewritten"})
    check_chain()

    response = Client().get("/healthz")
    assert response.status_code == 503
    evidence = response.json()["evidence"]
    assert evidence["ok"] is False
    assert evidence["detail"].startswith("broken at event 1")


def test_the_periodic_check_is_scheduled() -> None:
    from econtract import settings as platform  # the tests run no beat

    tasks = {entry["task"] for entry in platform.CELERY_BEAT_SCHEDULE.values()}
    assert "econtract.evidence.tasks.verify_evidence_chain" in tasks

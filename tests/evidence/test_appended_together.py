"""Several events of one step appended in one write: same chain, same order, all or nothing."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from econtract.evidence.models import GENESIS_HASH, EvidenceEvent
from econtract.evidence.services import appended_together, record_event
from econtract.evidence.verification import verify_chain

pytestmark = pytest.mark.django_db


def _event(step: str, n: int) -> EvidenceEvent:
    return record_event(
        step=step, actor=None, object_type="test.thing", object_id="1", payload={"n": n}
    )


def test_events_of_a_block_are_chained_in_the_order_they_were_recorded() -> None:
    before = _event("T2.1", 0)
    with transaction.atomic(), appended_together():
        inside = [_event("T2.2", 1), _event("T2.3", 2), _event("T2.4", 3)]
        assert not EvidenceEvent.objects.filter(step__in=["T2.2", "T2.3", "T2.4"]).exists()
    after = _event("T3.1", 4)

    stored = list(EvidenceEvent.objects.order_by("sequence"))
    assert [e.step for e in stored] == ["T2.1", "T2.2", "T2.3", "T2.4", "T3.1"]
    assert [e.sequence for e in (before, *inside, after)] == [1, 2, 3, 4, 5]
    assert before.previous_hash == GENESIS_HASH
    assert [e.previous_hash for e in inside] == [before.hash, inside[0].hash, inside[1].hash]
    assert after.previous_hash == inside[2].hash
    assert [e.payload for e in stored] == [{"n": n} for n in range(5)]
    assert verify_chain().intact


def test_a_block_locks_and_moves_the_head_once() -> None:
    _event("T2.1", 0)  # the head row exists
    with transaction.atomic(), CaptureQueriesContext(connection) as queries, appended_together():
        for n in range(4):
            _event("T2.2", n)
    statements = [q["sql"] for q in queries.captured_queries]
    assert sum("FOR UPDATE" in s for s in statements) == 1
    assert sum(s.startswith("UPDATE") for s in statements) == 1
    assert sum(s.startswith("INSERT") for s in statements) == 1
    assert EvidenceEvent.objects.count() == 5


def _fail_after_one_event() -> None:
    with transaction.atomic(), appended_together():
        _event("T2.1", 1)
        raise RuntimeError("the step failed")


def test_a_block_that_raises_records_nothing() -> None:
    with pytest.raises(RuntimeError):
        _fail_after_one_event()

    assert not EvidenceEvent.objects.exists()
    _event("T2.2", 2)
    assert EvidenceEvent.objects.get().sequence == 1
    assert verify_chain().intact


def test_a_nested_block_joins_the_outer_one() -> None:
    with transaction.atomic(), appended_together():
        first = _event("T2.1", 1)
        with appended_together():
            second = _event("T2.2", 2)
        assert not EvidenceEvent.objects.exists()
        third = _event("T2.3", 3)

    assert [e.sequence for e in (first, second, third)] == [1, 2, 3]
    assert verify_chain().intact


def test_outside_a_block_each_event_is_written_at_once() -> None:
    with transaction.atomic():
        event = _event("T2.1", 1)
        assert EvidenceEvent.objects.get().hash == event.hash

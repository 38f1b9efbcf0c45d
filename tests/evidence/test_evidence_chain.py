from __future__ import annotations

import csv
import threading
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from econtract.evidence.models import GENESIS_HASH, EvidenceEvent
from econtract.evidence.services import UnknownStep, record_event
from econtract.evidence.steps import STEPS, Step
from econtract.evidence.verification import verify_chain
from econtract.parties.models import User

SPEC_STEPS = Path(__file__).resolve().parents[3] / "shared" / "spec" / "business-steps.csv"

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only"
)


def _record_three() -> list[EvidenceEvent]:
    return [
        record_event(step=step, actor=None, object_type="test.thing", object_id="1", payload=p)
        for step, p in (("T2.1", {"n": 1}), ("T2.2", {"n": 2, "名称": "甲方"}), ("T2.4", {"n": 3}))
    ]


def _tamper(sql: str, params: list[str]) -> None:
    """Change evidence behind the trigger's back, as a database superuser could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


@pytest.mark.django_db
def test_events_form_a_chain_from_the_genesis_hash() -> None:
    first, second, third = _record_three()
    assert (first.sequence, second.sequence, third.sequence) == (1, 2, 3)
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.hash
    assert third.previous_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3


@pytest.mark.django_db
def test_an_event_is_stored_exactly_as_it_was_hashed() -> None:
    event = record_event(step="T3.3", actor=None, payload={"serials": (1, 2), "ok": True})
    event.refresh_from_db()
    assert event.payload == {"serials": [1, 2], "ok": True}
    assert verify_chain().intact


@pytest.mark.django_db
def test_the_acting_user_is_recorded(django_user_model: type[User]) -> None:
    user = django_user_model.objects.create_user("alice", password="x" * 12)
    event = record_event(step="T3.1", actor=user, obj=user)
    assert (event.actor_type, event.actor_id, event.actor_label) == ("user", str(user.pk), "alice")
    assert (event.object_type, event.object_id) == ("parties.user", str(user.pk))


@pytest.mark.django_db
def test_an_unknown_step_code_is_refused_and_nothing_is_written() -> None:
    with pytest.raises(UnknownStep):
        record_event(step="T99.1", actor=None)
    assert not EvidenceEvent.objects.exists()


@pytest.mark.django_db
def test_an_untouched_chain_verifies_intact() -> None:
    _record_three()
    report = verify_chain()
    assert report.as_dict() == {
        "intact": True,
        "events": 3,
        "broken_at": None,
        "reason": "",
        "anchors": 0,
        "unanchored": 3,
    }


@pytest.mark.django_db
def test_an_empty_chain_is_intact() -> None:
    assert verify_chain().intact


@postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE evidence_evidenceevent SET payload = '{}'::jsonb WHERE sequence = 2",
        "DELETE FROM evidence_evidenceevent WHERE sequence = 2",
    ],
)
def test_postgresql_refuses_to_change_or_delete_an_event(statement: str) -> None:
    _record_three()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        connection.cursor().execute(statement)
    assert verify_chain().intact
    assert EvidenceEvent.objects.get(sequence=2).payload == {"n": 2, "名称": "甲方"}


@pytest.mark.django_db
def test_a_payload_changed_behind_the_triggers_back_is_found_at_that_event() -> None:
    _record_three()
    _tamper("UPDATE evidence_evidenceevent SET payload = %s WHERE sequence = 2", ['{"n": 20}'])
    report = verify_chain()
    assert (report.intact, report.broken_at, report.events) == (False, 2, 1)
    assert "payload" in report.reason


@pytest.mark.django_db
def test_a_payload_rehashed_behind_the_triggers_back_still_breaks_the_event_hash() -> None:
    from econtract.evidence.chain import payload_hash

    _record_three()
    forged = {"n": 20}
    _tamper(
        "UPDATE evidence_evidenceevent SET payload = %s, payload_hash = %s WHERE sequence = 2",
        ['{"n": 20}', payload_hash(forged)],
    )
    report = verify_chain()
    assert (report.intact, report.broken_at) == (False, 2)
    assert "does not match its hash" in report.reason


@pytest.mark.django_db
def test_a_deleted_event_in_the_middle_is_found() -> None:
    _record_three()
    _tamper("DELETE FROM evidence_evidenceevent WHERE sequence = 2", [])
    report = verify_chain()
    assert (report.intact, report.broken_at) == (False, 3)
    assert "sequence 2 is missing" in report.reason


@pytest.mark.django_db
def test_a_deleted_last_event_is_found_through_the_chain_head() -> None:
    _record_three()
    _tamper("DELETE FROM evidence_evidenceevent WHERE sequence = 3", [])
    report = verify_chain()
    assert (report.intact, report.broken_at, report.events) == (False, 3, 2)
    assert "chain head records 3 events" in report.reason


@pytest.mark.django_db
def test_verify_command_succeeds_on_an_intact_chain_and_fails_on_a_broken_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _record_three()
    call_command("evidence", "verify")
    assert "intact: 3 events" in capsys.readouterr().out
    _tamper("UPDATE evidence_evidenceevent SET step = 'T2.3' WHERE sequence = 1", [])
    with pytest.raises(CommandError, match="broken at event 1"):
        call_command("evidence", "verify")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers anyway")
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_from_many_connections_keep_one_linear_chain() -> None:
    errors: list[BaseException] = []

    def append(n: int) -> None:
        try:
            for i in range(5):
                record_event(step="X9", actor=None, payload={"writer": n, "i": i})
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = verify_chain()
    assert (report.intact, report.events) == (True, 30)


def test_the_step_table_equals_the_specification() -> None:
    if not SPEC_STEPS.exists():
        pytest.skip(f"{SPEC_STEPS} is absent (shared/ sits beside the clone in CI)")
    with SPEC_STEPS.open(encoding="utf-8") as spec:
        rows = [(r["code"], r["step_zh"], r["step_en"]) for r in csv.DictReader(spec)]
    ours = [(s.code, s.name_zh, s.name_en) for s in STEPS]
    assert ours[: len(rows)] == rows
    # What the platform adds beyond the specification's table is numbered on from its last X.
    last_x = max(int(code[1:]) for code, _, _ in rows if code.startswith("X"))
    beyond = [code for code, _, _ in ours[len(rows) :]]
    assert beyond == [f"X{n}" for n in range(last_x + 1, last_x + 1 + len(beyond))]
    assert len([s for s in STEPS if s.code.startswith("T")]) == 80
    assert [step.value for step in Step] == [s.code for s in STEPS]
    assert Step.T4_6.business_step.name_zh == "进行电子签名"

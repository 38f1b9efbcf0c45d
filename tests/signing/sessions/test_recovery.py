"""Faults after the last signature lose nothing (issue 13): with the broker down when the last
signature commits, the client still gets its answer, and the recovery sweeper later seals,
concludes and delivers the contract exactly once; a signing deadline that passes meanwhile
never undoes the signatures; operators see and retry stalled work."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from econtract.contracts.models import Contract
from econtract.evidence.models import EvidenceAnchor, EvidenceEvent
from econtract.notifications.models import Notification
from econtract.parties.models import Party, User
from econtract.recovery.models import StalledWork
from econtract.recovery.sweeper import grace, sweep
from econtract.supervision.models import SupervisionEvent
from signing.services import expire_overdue_contracts
from tests.pki.pades.conftest import Party as KeyHolder
from tests.signing.sessions.conftest import (
    CaptureCallbacks,
    api_for,
    offeror_signer,
    ready_contract,
    sign_in_turn,
    start,
)
from tests.worker import broker_down

pytestmark = pytest.mark.django_db


def signed_by_the_offeror(seller: Party, buyer: Party, seller_key: KeyHolder) -> str:
    reference = ready_contract(seller, buyer)
    assert sign_in_turn(seller, reference, offeror_signer(seller_key)).status_code == 200
    return reference


def conclusions_of(reference: str) -> list[str]:
    steps = EvidenceEvent.objects.filter(
        object_type="contracts.contract", object_id=str(_pk(reference)), step__in=["X7", "T5.9"]
    )
    return sorted(steps.values_list("step", flat=True))


def later() -> datetime:
    return timezone.now() + grace() + timedelta(seconds=1)


def test_the_last_signature_with_the_broker_down_is_answered_and_concluded_by_the_sweeper(
    seller: Party,
    buyer: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    django_capture_on_commit_callbacks: CaptureCallbacks,
) -> None:
    reference = signed_by_the_offeror(seller, buyer, seller_key)
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        last = sign_in_turn(buyer, reference, buyer_key.sign)

    assert last.status_code == 200, last.content  # the signature is stored; the seal is late
    assert last.json()["state"] == "signing"
    assert Contract.objects.get(reference=reference).all_signed()
    assert conclusions_of(reference) == []

    sweep(now=later())  # the broker is back: the sweeper queues the lost conclusion

    assert Contract.objects.get(reference=reference).state == Contract.State.IN_PERFORMANCE
    assert conclusions_of(reference) == ["T5.9", "X7"]


def test_the_sweeper_seals_concludes_and_delivers_a_signed_contract_exactly_once(
    seller: Party, buyer: Party, seller_key: KeyHolder, buyer_key: KeyHolder
) -> None:
    reference = signed_by_the_offeror(seller, buyer, seller_key)
    # The on-commit callbacks do not run here: the conclusion's task is lost.
    assert sign_in_turn(buyer, reference, buyer_key.sign).status_code == 200
    assert sweep() == []  # not late yet: its task may still be on its way

    queued = sweep(now=later())

    assert f"contract-seal:{_pk(reference)}" in {row.key for row in queued}
    contract = Contract.objects.get(reference=reference)
    assert contract.state == Contract.State.IN_PERFORMANCE
    assert conclusions_of(reference) == ["T5.9", "X7"]
    delivered = Notification.objects.filter(
        kind="contract_concluded_delivered", object_id=str(contract.pk)
    )
    assert sorted(n.recipient_id for n in delivered) == sorted(
        [seller.account_id, buyer.account_id]
    )
    assert SupervisionEvent.objects.filter(contract=contract).count() == 1
    # Swept again (or the lost message redelivered): nothing is sealed twice.
    sweep(now=later() + timedelta(hours=2))
    row = StalledWork.objects.get(key=f"contract-seal:{contract.pk}")
    assert (row.resolved_at is not None, row.times_queued) == (True, 1)
    assert conclusions_of(reference) == ["T5.9", "X7"]


def test_a_fully_signed_contract_past_its_deadline_is_not_expired_but_concluded(
    seller: Party, buyer: Party, seller_key: KeyHolder, buyer_key: KeyHolder
) -> None:
    reference = signed_by_the_offeror(seller, buyer, seller_key)
    assert sign_in_turn(buyer, reference, buyer_key.sign).status_code == 200  # task lost
    Contract.objects.filter(reference=reference).update(
        sign_deadline=timezone.now() - timedelta(seconds=1)
    )

    assert expire_overdue_contracts() == 0

    assert Contract.objects.get(reference=reference).state == Contract.State.SIGNING
    sweep(now=later())
    assert Contract.objects.get(reference=reference).state == Contract.State.IN_PERFORMANCE


def test_a_contract_still_waiting_for_a_signature_expires_at_its_deadline(
    seller: Party, buyer: Party, seller_key: KeyHolder
) -> None:
    reference = signed_by_the_offeror(seller, buyer, seller_key)
    Contract.objects.filter(reference=reference).update(
        sign_deadline=timezone.now() - timedelta(seconds=1)
    )

    assert expire_overdue_contracts() == 1

    assert Contract.objects.get(reference=reference).state == Contract.State.EXPIRED


def test_operators_list_stalled_work_and_queue_it_again_by_hand(
    seller: Party, buyer: Party, seller_key: KeyHolder, buyer_key: KeyHolder
) -> None:
    reference = signed_by_the_offeror(seller, buyer, seller_key)
    assert sign_in_turn(buyer, reference, buyer_key.sign).status_code == 200  # task lost
    with broker_down():
        sweep(now=later())  # found, but the broker refuses it
    row = StalledWork.objects.get(key=f"contract-seal:{_pk(reference)}")
    assert (row.label, row.resolved_at, bool(row.queue_error)) == (reference, None, True)

    admin = Client()
    admin.force_login(User.objects.create_superuser("operator", password="x" * 16))
    listed = admin.get("/admin/recovery/stalledwork/?open=yes")
    assert reference in listed.content.decode()

    admin.post(
        "/admin/recovery/stalledwork/",
        {"action": "queue_now", "_selected_action": [row.pk]},
    )

    assert Contract.objects.get(reference=reference).state == Contract.State.IN_PERFORMANCE
    row.refresh_from_db()
    assert (row.times_queued, row.queue_error) == (2, "")


def test_recover_dry_run_lists_what_is_stalled_and_queues_nothing(
    seller: Party, buyer: Party, seller_key: KeyHolder, buyer_key: KeyHolder, settings: object
) -> None:
    reference = signed_by_the_offeror(seller, buyer, seller_key)
    assert sign_in_turn(buyer, reference, buyer_key.sign).status_code == 200  # task lost
    settings.RECOVERY_GRACE_SECONDS = 0  # type: ignore[attr-defined]
    out = StringIO()

    call_command("recover", "--dry-run", stdout=out)

    assert reference in out.getvalue()
    assert Contract.objects.get(reference=reference).state == Contract.State.SIGNING
    assert not StalledWork.objects.exists()
    call_command("recover", stdout=StringIO())
    assert Contract.objects.get(reference=reference).state == Contract.State.IN_PERFORMANCE


def _pk(reference: str) -> int:
    return Contract.objects.get(reference=reference).pk


def test_a_keyed_completion_retried_signs_once_and_replays_its_answer(
    seller: Party, buyer: Party, seller_key: KeyHolder
) -> None:
    reference = ready_contract(seller, buyer)
    started = start(seller, reference)
    session = started.json()
    signature = offeror_signer(seller_key)(base64.b64decode(session["to_be_signed"]))
    url = f"/api/v1/contracts/{reference}/signing-sessions/{session['id']}/complete/"
    body = {"signature": base64.b64encode(signature).decode()}
    api = api_for(seller)

    first = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="complete-1")
    again = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="complete-1")

    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    signed = EvidenceEvent.objects.filter(
        object_type="contracts.contract", object_id=str(_pk(reference)), step="T4.6"
    )
    assert signed.count() == 1


def test_a_conclusion_is_timestamped_in_the_evidence_log_at_once(
    seller: Party,
    buyer: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    django_capture_on_commit_callbacks: CaptureCallbacks,
) -> None:
    reference = signed_by_the_offeror(seller, buyer, seller_key)

    with django_capture_on_commit_callbacks(execute=True):
        assert sign_in_turn(buyer, reference, buyer_key.sign).status_code == 200

    concluded = EvidenceEvent.objects.get(
        object_type="contracts.contract", object_id=str(_pk(reference)), step="T5.9"
    )
    assert EvidenceAnchor.objects.filter(sequence__gte=concluded.sequence).exists()

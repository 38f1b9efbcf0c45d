"""X9 for signing: a party waiting for the next signature, or for the sealed contract, is told
when nothing arrives in time; every wait ends when the contract leaves the signing states."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from econtract.contracts.models import Contract
from econtract.evidence.models import EvidenceEvent
from econtract.notifications.deadlines import flag_overdue_deadlines
from econtract.notifications.models import Deadline, Notification
from econtract.parties.models import Party
from signing import conclusion
from signing.decisions import decline
from tests.pki.pades.conftest import Party as KeyHolder
from tests.signing.sessions.conftest import offeror_signer, ready_contract, sign_in_turn

pytestmark = pytest.mark.django_db


def waits(contract: Contract, *, open_only: bool = True) -> list[tuple[str, str]]:
    rows = Deadline.objects.filter(object_type="contracts.contract", object_id=str(contract.pk))
    if open_only:
        rows = rows.filter(resolved_at__isnull=True)
    return sorted((d.step, d.waiting_party.username) for d in rows)


def test_after_the_offeror_signs_it_waits_for_the_offeree_until_the_deadline_at_most(
    seller: Party, buyer: Party, seller_key: KeyHolder
) -> None:
    reference = ready_contract(seller, buyer)
    sign_in_turn(seller, reference, offeror_signer(seller_key))

    contract = Contract.objects.get(reference=reference)
    assert waits(contract) == [("T5.5", seller.account.username)]
    deadline = Deadline.objects.get(step="T5.5")
    assert contract.sign_deadline is not None
    assert deadline.due_at <= contract.sign_deadline


def test_an_overdue_signature_is_reported_to_the_waiting_offeror_once(
    seller: Party, buyer: Party, seller_key: KeyHolder
) -> None:
    reference = ready_contract(seller, buyer)
    sign_in_turn(seller, reference, offeror_signer(seller_key))
    Deadline.objects.filter(step="T5.5").update(due_at=timezone.now() - timedelta(minutes=1))

    flag_overdue_deadlines()
    flag_overdue_deadlines()

    told = Notification.objects.filter(kind="deadline_overdue")
    assert [n.recipient for n in told] == [seller.account]
    assert EvidenceEvent.objects.filter(step="X9").count() == 1


def test_after_the_last_signature_every_party_waits_for_the_sealed_contract(
    seller: Party, buyer: Party, seller_key: KeyHolder, buyer_key: KeyHolder
) -> None:
    reference = ready_contract(seller, buyer)
    sign_in_turn(seller, reference, offeror_signer(seller_key))
    sign_in_turn(buyer, reference, buyer_key.sign)
    contract = Contract.objects.get(reference=reference)
    assert waits(contract) == sorted(
        [("T5.10", seller.account.username), ("T5.10", buyer.account.username)]
    )

    conclusion.conclude_contract(contract_id=contract.pk)

    assert waits(contract) == []


def test_a_declined_contract_keeps_nobody_waiting(
    seller: Party, buyer: Party, seller_key: KeyHolder
) -> None:
    reference = ready_contract(seller, buyer)
    sign_in_turn(seller, reference, offeror_signer(seller_key))
    contract = Contract.objects.get(reference=reference)

    decline(contract=contract, actor=buyer.account, reason="价格不合适")

    assert waits(contract) == []
    assert waits(contract, open_only=False) == [("T5.5", seller.account.username)]

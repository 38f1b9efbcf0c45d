"""The outbox: an event exists exactly when the change it reports commits (§9.5)."""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks as CaptureOnCommit

from econtract.contracts.models import Contract
from econtract.parties.models import Party
from econtract.supervision.models import EventType, SupervisionEvent, WebhookDelivery
from econtract.supervision.services import publish_contract_event
from tests.supervision.conftest import DOCUMENT_SHA256, SECRET_NAMES, SECRET_TITLE, conclude
from tests.supervision.receiver import Receiver


class Rollback(Exception):
    pass


def test_an_event_published_in_a_rolled_back_transaction_leaves_nothing(
    contract: Contract, regulator_hook: str, on_commit: CaptureOnCommit, receiver: Receiver
) -> None:
    def conclude_then_fail() -> None:
        with transaction.atomic():
            conclude(contract)
            raise Rollback

    with on_commit(execute=True) as callbacks, pytest.raises(Rollback):
        conclude_then_fail()
    assert not SupervisionEvent.objects.exists()
    assert not WebhookDelivery.objects.exists()
    assert callbacks == []
    assert receiver.received("/regulator") == []


def test_a_published_event_carries_ids_the_hash_and_times(
    contract: Contract, seller: Party, buyer: Party, webhook_settings: object
) -> None:
    occurred = timezone.now()
    conclude(contract, at=occurred)
    event = SupervisionEvent.objects.get()
    assert (event.sequence, event.event_type) == (1, EventType.CONCLUDED)
    assert (event.contract_id, event.contract_reference) == (contract.pk, contract.reference)
    assert event.party_ids == [seller.pk, buyer.pk]
    assert (event.document_sha256, event.occurred_at) == (DOCUMENT_SHA256, occurred)


def test_each_event_takes_the_next_sequence_number(
    contract: Contract, webhook_settings: object
) -> None:
    for event_type in ("contract.concluded", "contract.amended", "contract.terminated"):
        publish_contract_event(
            event_type=event_type,
            contract=contract,
            document_sha256=DOCUMENT_SHA256,
            occurred_at=timezone.now(),
        )
    assert list(SupervisionEvent.objects.values_list("sequence", flat=True)) == [1, 2, 3]


def test_an_unknown_event_type_is_refused(contract: Contract) -> None:
    with pytest.raises(ValueError, match="unknown supervision event type"):
        publish_contract_event(
            event_type="contract.gossip",
            contract=contract,
            document_sha256=DOCUMENT_SHA256,
            occurred_at=timezone.now(),
        )


def test_no_contract_text_or_party_name_appears_in_events_or_delivery_bodies(
    contract: Contract, regulator_hook: str, on_commit: CaptureOnCommit, receiver: Receiver
) -> None:
    with on_commit(execute=True):
        conclude(contract)
    stored = [
        json.dumps(model_to_dict(event), default=str, ensure_ascii=False)
        for event in SupervisionEvent.objects.all()
    ] + list(WebhookDelivery.objects.values_list("body", flat=True))
    stored += [r.body.decode() + json.dumps(r.headers) for r in receiver.received("/regulator")]
    assert len(stored) == 3
    for text in stored:
        for secret in (SECRET_TITLE, "ZEBRA", *SECRET_NAMES, "QUOKKA", "AXOLOTL", "中关村"):
            assert secret not in text

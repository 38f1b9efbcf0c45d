"""§9.3 and §9.5 through the API: a two-party and a three-party contract signed in order by
keys the test holds (the offeror ECDSA P-256 with WebCrypto's raw P1363 values, an offeree
RSA-2048), sealed by the platform, concluded, delivered and stored."""

from __future__ import annotations

import pytest
from django.core import mail

from econtract.contracts.documents import read_document
from econtract.contracts.models import Contract, SignatureRecord
from econtract.evidence.models import EvidenceEvent
from econtract.notifications.models import Notification
from econtract.parties.models import Party
from econtract.pki.pades import signature_timestamp_time
from econtract.supervision.models import SupervisionEvent
from tests.pki.pades.conftest import Party as KeyHolder
from tests.signing.sessions.conftest import (
    CaptureCallbacks,
    api_for,
    offeror_signer,
    ready_contract,
    sign_in_turn,
)

pytestmark = pytest.mark.django_db

EVERY_STEP = [f"T4.{n}" for n in range(1, 11)] + [f"T5.{n}" for n in range(1, 13)]


def steps_of(reference: str) -> list[str]:
    contract = Contract.objects.get(reference=reference)
    return list(
        EvidenceEvent.objects.filter(
            object_type="contracts.contract", object_id=str(contract.pk)
        ).values_list("step", flat=True)
    )


def test_a_two_party_contract_is_signed_sealed_concluded_and_delivered(
    seller: Party,
    buyer: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    django_capture_on_commit_callbacks: CaptureCallbacks,
) -> None:
    reference = ready_contract(seller, buyer)

    by_seller = sign_in_turn(seller, reference, offeror_signer(seller_key))

    assert by_seller.status_code == 200, by_seller.json()
    assert by_seller.json()["state"] == "signing"
    with django_capture_on_commit_callbacks(execute=True):
        by_buyer = sign_in_turn(buyer, reference, buyer_key.sign)
    assert by_buyer.status_code == 200, by_buyer.json()

    detail = api_for(buyer).get(f"/api/v1/contracts/{reference}/").json()
    assert detail["state"] == "in_performance"
    assert detail["concluded_at"] is not None
    assert [(s["signer"], s["group"], s["verified"]) for s in detail["signatures"]] == [
        ("北京示例科技有限公司", "user", True),
        ("张三", "user", True),
        ("platform", "service", True),
    ]
    assert all(s["timestamp_time"] for s in detail["signatures"])
    assert detail["versions"][-1]["sealed_at"] is not None
    steps = steps_of(reference)
    assert set(EVERY_STEP) <= set(steps), set(EVERY_STEP) - set(steps)
    assert {"X7"} <= set(steps)
    assert steps.index("T4.10") < steps.index("T5.1") < steps.index("X7") < steps.index("T5.12")
    assert [h["state"] for h in detail["history"]][-1] == "in_performance"
    delivered = Notification.objects.filter(kind="contract_concluded_delivered")
    assert {n.recipient for n in delivered} == {seller.account, buyer.account}
    assert all(n.delivered_at for n in delivered)
    receipts = EvidenceEvent.objects.filter(step="T5.11", object_id=str(_pk(reference)))
    assert {e.actor_label for e in receipts} == {"seller", "buyer"}
    delivered_mail = [m for m in mail.outbox if "已签署完成" in m.subject]
    assert {m.to[0] for m in delivered_mail} == {seller.email, buyer.email}
    assert all(f"/contracts/{reference}/" in m.body for m in delivered_mail)
    concluded = SupervisionEvent.objects.get(contract__reference=reference)
    assert concluded.event_type == "contract.concluded"
    assert concluded.document_sha256 == detail["versions"][-1]["sha256"]


def test_the_offeror_is_told_its_signature_verified_and_the_offeree_gets_the_contract_data(
    seller: Party, buyer: Party, seller_key: KeyHolder
) -> None:
    reference = ready_contract(seller, buyer)

    sign_in_turn(seller, reference, offeror_signer(seller_key))

    assert Notification.objects.filter(
        kind="offeror_signature_verified", recipient=seller.account
    ).exists()
    assert Notification.objects.filter(kind="contract_data_delivered", recipient=buyer.account)
    assert SignatureRecord.objects.get(signatory__party=seller).document_sha256_after == (
        Contract.objects.get(reference=reference).current_version.sha256  # type: ignore[union-attr]
    )


def test_a_three_party_contract_is_signed_in_order_and_concluded(
    seller: Party,
    buyer: Party,
    carrier: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    carrier_key: KeyHolder,
    django_capture_on_commit_callbacks: CaptureCallbacks,
) -> None:
    reference = ready_contract(seller, buyer, carrier)

    assert sign_in_turn(seller, reference, offeror_signer(seller_key)).status_code == 200
    assert sign_in_turn(buyer, reference, buyer_key.sign).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        last = sign_in_turn(carrier, reference, offeror_signer(carrier_key))

    assert last.status_code == 200, last.json()
    detail = api_for(carrier).get(f"/api/v1/contracts/{reference}/").json()
    assert detail["state"] == "in_performance"
    assert [s["signer"] for s in detail["signatures"]] == [
        "北京示例科技有限公司",
        "张三",
        "上海示例物流有限公司",
        "platform",
    ]
    steps = steps_of(reference)
    assert set(EVERY_STEP) <= set(steps)
    assert steps.count("T5.5") == 2
    assert steps.count("T5.11") == 3
    data_delivered = Notification.objects.filter(kind="contract_data_delivered")
    assert {n.recipient for n in data_delivered} == {buyer.account, carrier.account}


def _pk(reference: str) -> int:
    return Contract.objects.get(reference=reference).pk


def test_the_recorded_timestamp_time_is_the_one_in_the_embedded_signature(
    seller: Party, buyer: Party, seller_key: KeyHolder
) -> None:
    reference = ready_contract(seller, buyer)
    assert sign_in_turn(seller, reference, offeror_signer(seller_key)).status_code == 200

    record = SignatureRecord.objects.get(version__contract__reference=reference)
    version = Contract.objects.get(reference=reference).current_version
    assert version is not None
    embedded = signature_timestamp_time(read_document(version), record.field_name)
    assert embedded is not None
    assert record.timestamp_time == embedded

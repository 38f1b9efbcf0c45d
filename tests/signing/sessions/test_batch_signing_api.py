"""Batch signing through the API (issue 16): one SMS code for N contracts, naming their number
and the digest of the list of their SHA-256s; each signature's evidence records the digest and
the contract's place in the list; one contract's failure is reported and stops no other."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.utils import timezone

from authentication.models import Authentication
from econtract.contracts.documents import read_document
from econtract.contracts.models import Contract
from econtract.errors import BusinessRuleViolation
from econtract.evidence.models import EvidenceEvent
from econtract.notifications.models import Notification
from econtract.parties import sms_codes
from econtract.parties.models import Party, SmsCode
from econtract.signing_engine.models import SigningBatch
from signing import batches
from signing.models import SigningSession
from tests.pki.pades.conftest import Party as KeyHolder
from tests.signing.conftest import client_for
from tests.signing.sessions.conftest import (
    certificate_of,
    offeror_signer,
    ready_contract,
    sign_in_turn,
)

if TYPE_CHECKING:
    from rest_framework.response import _MonkeyPatchedResponse as Response

pytestmark = pytest.mark.django_db

BATCHES = "/api/v1/signing-batches/"


def sms_sent_to(phone: str) -> list[dict[str, str]]:
    """The SMS messages sent to ``phone`` so far (none before the first)."""
    path = settings.SMS_FILE_PATH
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [entry for entry in map(json.loads, lines) if entry["to"] == phone]


def start(party: Party, references: list[str]) -> Response:
    body = {"contract_ids": references, "certificate_id": certificate_of(party).pk}
    return client_for(party).post(BATCHES, body, format="json")


def confirm(party: Party, batch_id: str, code: str) -> Response:
    return client_for(party).post(f"{BATCHES}{batch_id}/confirm/", {"code": code}, format="json")


def complete(party: Party, batch_id: str, signatures: dict[str, bytes]) -> Response:
    body = {"signatures": {ref: base64.b64encode(sig).decode() for ref, sig in signatures.items()}}
    return client_for(party).post(f"{BATCHES}{batch_id}/complete/", body, format="json")


def signed_all(batch: dict[str, Any], holder: KeyHolder) -> dict[str, bytes]:
    sign = offeror_signer(holder)
    return {
        item["contract_id"]: sign(base64.b64decode(item["to_be_signed"]))
        for item in batch["items"]
        if item["to_be_signed"]
    }


def document_sha256(reference: str) -> str:
    version = Contract.objects.get(reference=reference).current_version
    assert version is not None
    return hashlib.sha256(read_document(version)).hexdigest()


def items_by_contract(batch: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["contract_id"]: item for item in batch["items"]}


def test_one_sms_code_signs_every_contract_and_each_signature_records_the_list(
    seller: Party, buyer: Party, seller_key: KeyHolder
) -> None:
    references = [ready_contract(seller, buyer) for _ in range(3)]
    texts_before = len(sms_sent_to(seller.phone))

    started = start(seller, references)

    assert started.status_code == 201, started.json()
    batch = started.json()
    assert (batch["state"], batch["count"]) == ("awaiting_code", 3)
    assert batch["sms_confirmation"] == {"sent_to": "138****0001", "confirmed": False}
    # The list digest, recomputed from the revisions being signed (first signature: with the
    # signature fields added), in the order chosen.
    hashes = [document_sha256(reference) for reference in references]
    listed = "".join(f"{h}\n" for h in hashes).encode()
    assert batch["digest"] == hashlib.sha256(listed).hexdigest()
    assert [i["document_sha256"] for i in batch["items"]] == hashes
    assert [i["position"] for i in batch["items"]] == [1, 2, 3]
    assert all(i["to_be_signed"] is None for i in batch["items"])  # not before the code
    messages = sms_sent_to(seller.phone)[texts_before:]
    assert len(messages) == 1
    assert "批量签署 3 份合同" in messages[0]["text"]
    assert batch["digest"][:16] in messages[0]["text"]

    confirmed = confirm(seller, batch["id"], messages[0]["code"])
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["sms_confirmation"]["confirmed"] is True
    done = complete(seller, batch["id"], signed_all(confirmed.json(), seller_key))

    assert done.status_code == 200, done.json()
    assert [(r["contract_id"], r["state"]) for r in done.json()["results"]] == [
        (reference, "signed") for reference in references
    ]
    assert done.json()["state"] == "finished"
    for position, reference in enumerate(references, start=1):
        contract = Contract.objects.get(reference=reference)
        assert contract.state == "signing"
        assert contract.signatories.get(order=1).signed_at is not None
        confirmations = [
            e.payload
            for e in EvidenceEvent.objects.filter(
                step="T4.6", object_type="contracts.contract", object_id=str(contract.pk)
            )
            if e.payload.get("auxiliary_signature") == "sms_code"
        ]
        assert len(confirmations) == 1
        assert confirmations[0]["batch"] == batch["digest"]
        assert (confirmations[0]["position"], confirmations[0]["count"]) == (position, 3)
        assert confirmations[0]["document_sha256"] == hashes[position - 1]
    stored = SigningBatch.objects.get(public_id=batch["id"])
    x18 = EvidenceEvent.objects.get(
        step="X18", object_type="signing_engine.signingbatch", object_id=str(stored.pk)
    )
    assert x18.payload["document_sha256s"] == hashes
    assert x18.payload["digest"] == batch["digest"]


def test_a_contract_that_fails_is_reported_and_the_others_are_signed(
    seller: Party, buyer: Party, seller_key: KeyHolder
) -> None:
    fine, withdrawn, mis_signed, signed_alone = (ready_contract(seller, buyer) for _ in range(4))
    signed_before = ready_contract(seller, buyer)
    assert sign_in_turn(seller, signed_before, offeror_signer(seller_key)).status_code == 200
    batch = start(seller, [fine, signed_before, withdrawn, mis_signed, signed_alone]).json()
    assert items_by_contract(batch)[signed_before]["code"] == "already_signed"
    assert batch["count"] == 4
    batch = confirm(seller, batch["id"], sms_sent_to(seller.phone)[-1]["code"]).json()
    withdrawal = client_for(seller).post(
        f"/api/v1/contracts/{withdrawn}/withdraw/", {"reason": "价格有误"}, format="json"
    )
    assert withdrawal.status_code == 200, withdrawal.json()
    # Signed on its own meanwhile: the batch's preparation is of a revision now gone.
    assert sign_in_turn(seller, signed_alone, offeror_signer(seller_key)).status_code == 200
    signatures = signed_all(batch, seller_key)
    signatures[mis_signed] = signatures[fine]  # the signature of another document

    done = complete(seller, batch["id"], signatures)

    assert done.status_code == 200, done.json()
    results = items_by_contract({"items": done.json()["results"]})
    assert results[fine]["state"] == "signed"
    assert (results[withdrawn]["state"], results[withdrawn]["code"]) == ("failed", "invalid_state")
    assert (results[signed_alone]["state"], results[signed_alone]["code"]) == (
        "failed",
        "stale_session",
    )
    # A corrected value may still sign it: the batch waits for it.
    assert (results[mis_signed]["state"], results[mis_signed]["code"]) == (
        "prepared",
        "signature_invalid",
    )
    assert done.json()["state"] == "confirmed"
    retried = complete(seller, batch["id"], {mis_signed: signed_all(batch, seller_key)[mis_signed]})
    assert retried.json()["results"][0]["state"] == "signed"
    assert retried.json()["state"] == "finished"
    assert Contract.objects.get(reference=fine).state == "signing"
    assert Contract.objects.get(reference=withdrawn).state == "withdrawn"


def test_a_wrong_code_confirms_nothing_and_nothing_is_signed_before_the_code(
    seller: Party, buyer: Party, seller_key: KeyHolder
) -> None:
    references = [ready_contract(seller, buyer) for _ in range(2)]
    batch = start(seller, references).json()
    right = sms_sent_to(seller.phone)[-1]["code"]
    wrong = "000000" if right != "000000" else "111111"

    refused = confirm(seller, batch["id"], wrong)

    assert (refused.status_code, refused.json()["code"]) == (422, "code_invalid")
    sessions = SigningSession.objects.filter(contract__reference__in=references)
    assert [s.sms_confirmed_at for s in sessions] == [None, None]
    too_early = complete(seller, batch["id"], {references[0]: b"\x00" * 64})
    assert (too_early.status_code, too_early.json()["code"]) == (409, "sms_confirmation_required")
    # A session of the batch is confirmed by the batch's code only, never on its own.
    first = sessions.get(contract__reference=references[0])
    alone = client_for(seller).post(
        f"/api/v1/contracts/{references[0]}/signing-sessions/{first.public_id}/sms-confirmation/",
        {"code": right},
        format="json",
    )
    assert (alone.status_code, alone.json()["code"]) == (409, "sms_not_requested")
    assert confirm(seller, batch["id"], right).status_code == 200
    twice = confirm(seller, batch["id"], right)
    assert (twice.status_code, twice.json()["code"]) == (409, "sms_already_confirmed")


def test_contracts_not_waiting_for_the_signer_are_excluded_and_batches_are_private(
    seller: Party, buyer: Party, carrier: Party
) -> None:
    not_yet = ready_contract(seller, buyer)  # the seller signs first
    others = ready_contract(seller, carrier)  # not the buyer's
    sent_before = len(sms_sent_to(buyer.phone))

    started = start(buyer, [not_yet, others, "NOSUCHCONTRACT"])

    assert started.status_code == 201, started.json()
    batch = started.json()
    assert [(i["contract_id"], i["state"], i["code"]) for i in batch["items"]] == [
        (not_yet, "failed", "not_your_turn"),
        (others, "failed", "not_found"),
        ("NOSUCHCONTRACT", "failed", "not_found"),
    ]
    assert (batch["count"], batch["state"], batch["sms_confirmation"]) == (0, "finished", None)
    assert len(sms_sent_to(buyer.phone)) == sent_before  # nothing to confirm, no code
    assert client_for(buyer).get(f"{BATCHES}{batch['id']}/").status_code == 200
    assert client_for(seller).get(f"{BATCHES}{batch['id']}/").status_code == 404
    assert confirm(seller, batch["id"], "123456").status_code == 404


def test_without_a_valid_authentication_the_whole_batch_is_refused_once(
    seller: Party, buyer: Party
) -> None:
    references = [ready_contract(seller, buyer) for _ in range(2)]
    Authentication.objects.filter(party=seller).update(valid_until=timezone.now())

    refused = start(seller, references)

    assert (refused.status_code, refused.json()["code"]) == (403, "authentication_required")
    notices = Notification.objects.filter(
        recipient=seller.account, kind="signing_not_authenticated"
    )
    assert notices.count() == 1  # once for the batch, not once per contract
    assert not SigningBatch.objects.exists()
    assert not SigningSession.objects.exists()


def test_a_batch_is_kept_when_no_code_can_be_sent_this_hour(seller: Party, buyer: Party) -> None:
    reference = ready_contract(seller, buyer)
    now = timezone.now()
    used_up = {"account": seller.account, "purpose": "other", "phone": seller.phone}
    SmsCode.objects.bulk_create(
        SmsCode(**used_up, code_hmac="-", created_at=now, expires_at=now)
        for _ in range(sms_codes.MAX_PER_HOUR)
    )

    started = start(seller, [reference])

    assert started.status_code == 201, started.json()
    assert (started.json()["count"], started.json()["sms_confirmation"]) == (1, None)
    again = client_for(seller).post(f"{BATCHES}{started.json()['id']}/sms-code/")
    assert (again.status_code, again.json()["code"]) == (429, "code_rate_limited")
    SmsCode.objects.filter(purpose="other").update(created_at=now - timedelta(hours=2))
    sent = client_for(seller).post(f"{BATCHES}{started.json()['id']}/sms-code/")
    assert sent.json()["sms_confirmation"] == {"sent_to": "138****0001", "confirmed": False}
    assert "批量签署 1 份合同" in sms_sent_to(seller.phone)[-1]["text"]


def test_a_batch_holds_at_most_a_thousand_contracts_each_once(seller: Party, buyer: Party) -> None:
    reference = ready_contract(seller, buyer)

    too_many = start(seller, [f"C{n}" for n in range(batches.MAX_DOCUMENTS + 1)])
    repeated = start(seller, [reference, reference])

    assert (too_many.status_code, too_many.json()["code"]) == (400, "invalid")
    assert "contract_ids" in too_many.json()["fields"]
    assert (repeated.status_code, repeated.json()["code"]) == (422, "invalid")
    with pytest.raises(BusinessRuleViolation) as refused:
        batches.start_batch(
            actor=seller.account,
            contracts=[f"C{n}" for n in range(batches.MAX_DOCUMENTS + 1)],
            certificate=certificate_of(seller),
        )
    assert "1000" in refused.value.message
    assert not SigningBatch.objects.exists()
    assert not SigningSession.objects.exists()

"""Refused signing requests answer with a stable code and change nothing: no signature, no
new revision, no state change, no session."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils import timezone

from econtract.contracts.models import Contract, SignatureRecord
from econtract.errors import BusinessRuleViolation
from econtract.evidence.models import EvidenceEvent
from econtract.notifications.models import Notification
from econtract.parties.models import Party
from signing import decisions
from signing.models import SigningSession
from tests.authentication.conftest import bind
from tests.pki.pades.conftest import Party as KeyHolder
from tests.pki.testca import self_signed
from tests.signing.conftest import client_for
from tests.signing.sessions.conftest import (
    certificate_of,
    complete,
    offeror_signer,
    p1363,
    ready_contract,
    sign_in_turn,
    start,
)

pytestmark = pytest.mark.django_db


def snapshot(reference: str) -> tuple[str, str, int, int]:
    contract = Contract.objects.select_related("current_version").get(reference=reference)
    assert contract.current_version is not None
    return (
        contract.state,
        contract.current_version.sha256,
        SignatureRecord.objects.filter(version__contract=contract).count(),
        SigningSession.objects.filter(contract=contract).count(),
    )


def started(party: Party, reference: str) -> tuple[str, bytes]:
    response = start(party, reference)
    assert response.status_code == 201, response.json()
    body = response.json()
    return body["id"], base64.b64decode(body["to_be_signed"])


def test_a_signature_over_other_bytes_is_refused_and_a_corrected_one_then_accepted(
    seller: Party, buyer: Party, seller_key: KeyHolder
) -> None:
    reference = ready_contract(seller, buyer)
    session_id, tbs = started(seller, reference)
    before = snapshot(reference)

    refused = complete(seller, reference, session_id, p1363(seller_key.sign(b"other bytes")))

    assert refused.status_code == 422
    assert refused.json()["code"] == "signature_invalid"
    assert snapshot(reference) == before
    accepted = complete(seller, reference, session_id, p1363(seller_key.sign(tbs)))
    assert accepted.status_code == 200, accepted.json()


def test_a_p1363_value_of_the_wrong_length_is_refused(
    seller: Party, buyer: Party, seller_key: KeyHolder
) -> None:
    reference = ready_contract(seller, buyer)
    session_id, tbs = started(seller, reference)
    before = snapshot(reference)

    refused = complete(seller, reference, session_id, p1363(seller_key.sign(tbs))[:63])

    assert (refused.status_code, refused.json()["code"]) == (422, "signature_invalid")
    assert snapshot(reference) == before


def test_a_session_prepared_on_an_earlier_revision_is_stale(
    seller: Party, buyer: Party, seller_key: KeyHolder
) -> None:
    reference = ready_contract(seller, buyer)
    first_id, first_tbs = started(seller, reference)
    second_id, second_tbs = started(seller, reference)
    assert (
        complete(seller, reference, second_id, p1363(seller_key.sign(second_tbs))).status_code
        == 200
    )
    before = snapshot(reference)

    stale = complete(seller, reference, first_id, p1363(seller_key.sign(first_tbs)))

    assert (stale.status_code, stale.json()["code"]) == (409, "stale_session")
    assert snapshot(reference) == before


def test_a_session_cannot_be_completed_twice(
    seller: Party, buyer: Party, seller_key: KeyHolder
) -> None:
    reference = ready_contract(seller, buyer)
    session_id, tbs = started(seller, reference)
    signature = p1363(seller_key.sign(tbs))
    assert complete(seller, reference, session_id, signature).status_code == 200
    before = snapshot(reference)

    again = complete(seller, reference, session_id, signature)

    assert (again.status_code, again.json()["code"]) == (409, "session_closed")
    assert snapshot(reference) == before


def test_an_offeree_cannot_sign_before_the_offeror(seller: Party, buyer: Party) -> None:
    reference = ready_contract(seller, buyer)
    before = snapshot(reference)

    refused = start(buyer, reference)

    assert (refused.status_code, refused.json()["code"]) == (409, "not_your_turn")
    assert snapshot(reference) == before


def test_the_third_party_cannot_sign_before_the_second(
    seller: Party, buyer: Party, carrier: Party, seller_key: KeyHolder
) -> None:
    reference = ready_contract(seller, buyer, carrier)
    assert sign_in_turn(seller, reference, offeror_signer(seller_key)).status_code == 200
    before = snapshot(reference)

    refused = start(carrier, reference)

    assert (refused.status_code, refused.json()["code"]) == (409, "not_your_turn")
    assert snapshot(reference) == before


def test_an_offeree_declines_with_a_reason_told_to_every_other_party(
    seller: Party, buyer: Party, carrier: Party, seller_key: KeyHolder
) -> None:
    reference = ready_contract(seller, buyer, carrier)
    assert sign_in_turn(seller, reference, offeror_signer(seller_key)).status_code == 200

    declined = client_for(buyer).post(
        f"/api/v1/contracts/{reference}/decline/", {"reason": "价格过高"}, format="json"
    )

    assert declined.status_code == 200, declined.json()
    assert declined.json()["state"] == "declined"
    notices = Notification.objects.filter(kind="offeree_declined")
    assert {n.recipient for n in notices} == {seller.account, carrier.account}
    assert all("价格过高" in n.body for n in notices)
    event = EvidenceEvent.objects.filter(step="T5.4").last()
    assert event is not None
    assert event.payload["decision"] == "decline"
    assert event.payload["state"] == "declined"


def test_nobody_signs_after_a_decline(
    seller: Party, buyer: Party, carrier: Party, seller_key: KeyHolder
) -> None:
    reference = ready_contract(seller, buyer, carrier)
    assert sign_in_turn(seller, reference, offeror_signer(seller_key)).status_code == 200
    client_for(carrier).post(f"/api/v1/contracts/{reference}/decline/", {"reason": "不需要了"})
    before = snapshot(reference)

    refused = start(buyer, reference)

    assert (refused.status_code, refused.json()["code"]) == (409, "invalid_state")
    assert snapshot(reference) == before


def test_the_offeror_cannot_decline(seller: Party, buyer: Party) -> None:
    reference = ready_contract(seller, buyer)

    refused = client_for(seller).post(
        f"/api/v1/contracts/{reference}/decline/", {"reason": "x"}, format="json"
    )

    assert (refused.status_code, refused.json()["code"]) == (403, "only_offeree")


def test_nobody_signs_after_the_deadline(seller: Party, buyer: Party) -> None:
    reference = ready_contract(seller, buyer)
    Contract.objects.filter(reference=reference).update(
        sign_deadline=timezone.now() - timedelta(minutes=1)
    )
    before = snapshot(reference)

    refused = start(seller, reference)

    assert (refused.status_code, refused.json()["code"]) == (409, "deadline_passed")
    assert snapshot(reference) == before


def test_a_revoked_certificate_is_refused_before_anything_is_prepared(
    seller: Party, buyer: Party, seller_key: KeyHolder, revoked_key: KeyHolder
) -> None:
    reference = ready_contract(seller, buyer)
    assert sign_in_turn(seller, reference, offeror_signer(seller_key)).status_code == 200
    revoked = bind(buyer, revoked_key.certificate)
    before = snapshot(reference)

    refused = start(buyer, reference, revoked)

    assert (refused.status_code, refused.json()["code"]) == (422, "certificate_revoked")
    assert refused.json()["detail"] == "该数字证书已被吊销，不能再用于签署。"
    assert snapshot(reference) == before


def test_a_certificate_of_a_ca_the_platform_does_not_trust_is_refused_plainly(
    seller: Party, buyer: Party
) -> None:
    # Any failed §8 check but revocation is certificate_rejected, which the registry lacked:
    # the refusal was a 500 instead of a 422 that says why.
    reference = ready_contract(seller, buyer)
    stranger = bind(seller, self_signed(ec.generate_private_key(ec.SECP256R1()), "北京示例科技"))
    before = snapshot(reference)

    refused = start(seller, reference, stranger)

    assert (refused.status_code, refused.json()["code"]) == (422, "certificate_rejected")
    assert refused.json()["fields"]["checks"]["chain"]["result"] == "fail"
    # The signer reads which check failed in words, not the validator's own text.
    assert refused.json()["detail"] == (
        "该数字证书未通过以下检查：证书状态在线查询、证书吊销列表、证书链。"
        "请改用其他数字证书签署，或申请新的数字证书。"
    )
    assert snapshot(reference) == before


def test_another_partys_certificate_is_refused(seller: Party, buyer: Party) -> None:
    reference = ready_contract(seller, buyer)

    refused = start(seller, reference, certificate_of(buyer))

    assert (refused.status_code, refused.json()["code"]) == (422, "certificate_not_usable")


def test_a_party_without_a_valid_authentication_cannot_sign(
    seller: Party, offeree: Party, seller_key: KeyHolder, buyer_key: KeyHolder
) -> None:
    certificate = bind(offeree, buyer_key.certificate)  # bound, but never authenticated
    reference = ready_contract(seller, offeree)
    assert sign_in_turn(seller, reference, offeror_signer(seller_key)).status_code == 200
    before = snapshot(reference)

    refused = start(offeree, reference, certificate)

    assert (refused.status_code, refused.json()["code"]) == (403, "authentication_required")
    assert snapshot(reference) == before
    assert Notification.objects.filter(
        kind="signing_not_authenticated", recipient=offeree.account
    ).exists()


def test_another_partys_contract_and_session_answer_404(
    seller: Party, buyer: Party, outsider: Party, seller_key: KeyHolder
) -> None:
    reference = ready_contract(seller, buyer)
    session_id, tbs = started(seller, reference)
    before = snapshot(reference)

    by_outsider = client_for(outsider).post(
        f"/api/v1/contracts/{reference}/signing-sessions/", {"certificate_id": 1}, format="json"
    )
    by_buyer = complete(buyer, reference, session_id, p1363(seller_key.sign(tbs)))

    assert (by_outsider.status_code, by_outsider.json()["code"]) == (404, "not_found")
    assert (by_buyer.status_code, by_buyer.json()["code"]) == (404, "not_found")
    assert snapshot(reference) == before


def test_a_certificate_whose_status_cannot_be_fetched_answers_503_and_prepares_nothing(
    seller: Party, buyer: Party, unreachable_key: KeyHolder
) -> None:
    reference = ready_contract(seller, buyer)
    certificate = bind(seller, unreachable_key.certificate)
    before = snapshot(reference)

    refused = start(seller, reference, certificate)

    assert (refused.status_code, refused.json()["code"]) == (503, "certificate_status_unavailable")
    assert snapshot(reference) == before


def test_a_party_whose_identity_change_is_pending_cannot_sign(
    seller: Party, buyer: Party, seller_key: KeyHolder
) -> None:
    reference = ready_contract(seller, buyer)
    assert sign_in_turn(seller, reference, offeror_signer(seller_key)).status_code == 200
    buyer.pending_process = Party.PendingProcess.IDENTITY_CHANGE
    buyer.save(update_fields=["pending_process"])

    refused = start(buyer, reference)

    assert (refused.status_code, refused.json()["code"]) == (409, "identity_change_pending")
    assert not SigningSession.objects.filter(
        contract__reference=reference, signatory__party=buyer
    ).exists()


def test_an_offeree_opening_after_the_deadline_keeps_t5_1_to_t5_3_but_cannot_agree(
    seller: Party, buyer: Party, seller_key: KeyHolder
) -> None:
    # The expiry task has not run yet: the contract is still being signed, past its deadline.
    reference = ready_contract(seller, buyer)
    assert sign_in_turn(seller, reference, offeror_signer(seller_key)).status_code == 200
    contract = Contract.objects.get(reference=reference)
    Contract.objects.filter(pk=contract.pk).update(
        sign_deadline=timezone.now() - timedelta(minutes=1)
    )
    contract.refresh_from_db()

    with pytest.raises(BusinessRuleViolation) as refused:
        decisions.agree(contract=contract, actor=buyer.account)

    assert refused.value.code == "deadline_passed"
    steps = list(
        EvidenceEvent.objects.filter(object_id=str(contract.pk), step__startswith="T5.")
        .order_by("sequence")
        .values_list("step", flat=True)
    )
    assert steps == ["T5.1", "T5.2", "T5.3"]

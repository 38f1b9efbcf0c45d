"""The conclusion after the last signature: once only, retried on an outage; and the contract
page for whoever's turn it is, and while the seal runs."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django import Settings

from econtract.contracts.documents import read_document
from econtract.contracts.models import Contract, SignatureRecord
from econtract.parties.models import Party
from econtract.pki.pades import signature_timestamp_time
from econtract.signing_engine.fields import SEAL_FIELD
from econtract.supervision.models import SupervisionEvent
from signing import conclusion, tasks
from tests.pki.pades.conftest import Party as KeyHolder
from tests.signing.sessions.conftest import offeror_signer, ready_contract, sign_in_turn

pytestmark = pytest.mark.django_db


def signed_by_both(
    seller: Party, buyer: Party, seller_key: KeyHolder, buyer_key: KeyHolder
) -> Contract:
    """Both parties signed; the seal task queued on commit has not run (the test's
    transaction never commits)."""
    reference = ready_contract(seller, buyer)
    assert sign_in_turn(seller, reference, offeror_signer(seller_key)).status_code == 200
    assert sign_in_turn(buyer, reference, buyer_key.sign).status_code == 200
    return Contract.objects.get(reference=reference)


def page_for(party: Party, contract: Contract) -> str:
    client = Client()
    client.force_login(party.account)
    response = client.get(f"/contracts/{contract.reference}/")
    assert response.status_code == 200
    return response.content.decode()


def test_concluding_twice_seals_and_publishes_once(
    seller: Party, buyer: Party, seller_key: KeyHolder, buyer_key: KeyHolder
) -> None:
    contract = signed_by_both(seller, buyer, seller_key, buyer_key)

    first = conclusion.conclude_contract(contract_id=contract.pk)
    again = conclusion.conclude_contract(contract_id=contract.pk)

    assert (first, again) == (True, False)
    contract.refresh_from_db()
    assert contract.state == Contract.State.IN_PERFORMANCE
    assert SignatureRecord.objects.filter(group="service").count() == 1
    assert SupervisionEvent.objects.filter(contract=contract).count() == 1


def test_the_seal_records_the_timestamp_time_embedded_in_its_signature(
    seller: Party, buyer: Party, seller_key: KeyHolder, buyer_key: KeyHolder
) -> None:
    contract = signed_by_both(seller, buyer, seller_key, buyer_key)

    assert conclusion.conclude_contract(contract_id=contract.pk)

    seal = SignatureRecord.objects.get(version__contract=contract, group="service")
    contract.refresh_from_db()
    assert contract.current_version is not None
    embedded = signature_timestamp_time(read_document(contract.current_version), SEAL_FIELD)
    assert embedded is not None
    assert seal.timestamp_time == embedded


def test_a_tsa_outage_leaves_the_contract_signing_and_the_task_retries_with_backoff(
    seller: Party,
    buyer: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    contract = signed_by_both(seller, buyer, seller_key, buyer_key)
    settings.TSA_URL = "http://127.0.0.1:9/pki/tsa"  # nothing listens on the discard port

    # Run in-process, a retry runs at once instead of after its countdown, until none are left.
    result = tasks.conclude_contract.apply(args=(contract.pk,))

    retries = [r.getMessage() for r in caplog.records if "retry: Retry in" in r.getMessage()]
    assert len(retries) == tasks.conclude_contract.max_retries
    assert all("TimestampRequestError" in message for message in retries)
    assert result.state == "FAILURE"
    contract.refresh_from_db()
    assert contract.state == Contract.State.SIGNING
    assert not SignatureRecord.objects.filter(group="service").exists()


def test_the_page_says_the_platform_seal_is_being_applied_until_the_contract_concludes(
    seller: Party, buyer: Party, seller_key: KeyHolder, buyer_key: KeyHolder
) -> None:
    contract = signed_by_both(seller, buyer, seller_key, buyer_key)

    page = page_for(seller, contract)

    assert "正在加盖平台签章…" in page
    assert "data-sign=" not in page


def test_only_the_signatory_whose_turn_it_is_sees_sign_and_an_offeree_sees_decline(
    seller: Party, buyer: Party
) -> None:
    contract = Contract.objects.get(reference=ready_contract(seller, buyer))

    sellers_page, buyers_page = page_for(seller, contract), page_for(buyer, contract)

    assert "data-sign=" in sellers_page
    assert "不同意签署的理由" not in sellers_page
    assert "data-sign=" not in buyers_page
    assert "不同意签署的理由" in buyers_page


def test_an_offeree_declines_on_the_page(seller: Party, buyer: Party) -> None:
    contract = Contract.objects.get(reference=ready_contract(seller, buyer))
    client = Client()
    client.force_login(buyer.account)

    client.post(f"/contracts/{contract.reference}/decline/", {"reason": "交货期太长"})

    contract.refresh_from_db()
    assert contract.state == Contract.State.DECLINED
    assert contract.signatories.get(party=buyer).decline_reason == "交货期太长"

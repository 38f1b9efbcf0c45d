"""X2 (law Art. 15): a party whose key was compromised revokes its certificate; the counterparties
of its unfinished contracts are told, and a session prepared with that key cannot complete."""

from __future__ import annotations

import base64

import pytest

from econtract.contracts.models import Contract, SignatureRecord
from econtract.evidence.models import EvidenceEvent
from econtract.notifications.models import Notification
from econtract.parties.models import Party, PartyCertificate
from registration.certificates import revoke_party_certificate
from tests.pki.pades.conftest import Party as KeyHolder
from tests.signing.sessions.conftest import (
    certificate_of,
    complete,
    offeror_signer,
    ready_contract,
    sign_in_turn,
    start,
)

pytestmark = pytest.mark.django_db


def revoke_locally(party: Party) -> PartyCertificate:
    certificate = certificate_of(party)
    # Withdrawn here only (as a bound certificate is): the shared test CA stays untouched.
    PartyCertificate.objects.filter(pk=certificate.pk).update(source=PartyCertificate.Source.BOUND)
    certificate.refresh_from_db()
    return revoke_party_certificate(certificate=certificate, actor=party.account, reason="电脑丢失")


def test_counterparties_of_an_unfinished_contract_are_told_of_a_revoked_key(
    seller: Party, buyer: Party, seller_key: KeyHolder
) -> None:
    reference = ready_contract(seller, buyer)
    assert sign_in_turn(seller, reference, offeror_signer(seller_key)).status_code == 200

    revoke_locally(buyer)

    contract = Contract.objects.get(reference=reference)
    told = Notification.objects.get(kind="counterparty_certificate_revoked")
    assert told.recipient == seller.account
    assert (told.object_type, told.object_id) == ("contracts.contract", str(contract.pk))
    event = EvidenceEvent.objects.get(step="X2", object_id=str(contract.pk))
    assert event.payload["party_id"] == buyer.pk
    assert not Notification.objects.filter(
        kind="counterparty_certificate_revoked", recipient=buyer.account
    ).exists()


def test_a_session_prepared_before_the_revocation_cannot_complete(
    seller: Party, buyer: Party, seller_key: KeyHolder, buyer_key: KeyHolder
) -> None:
    reference = ready_contract(seller, buyer)
    sign_in_turn(seller, reference, offeror_signer(seller_key))
    session = start(buyer, reference).json()
    revoke_locally(buyer)

    refused = complete(
        buyer, reference, session["id"], buyer_key.sign(base64.b64decode(session["to_be_signed"]))
    )

    assert (refused.status_code, refused.json()["code"]) == (422, "certificate_revoked")
    contract = Contract.objects.get(reference=reference)
    assert contract.state == Contract.State.SIGNING
    assert SignatureRecord.objects.filter(version__contract=contract).count() == 1


def test_a_party_without_unfinished_contracts_warns_nobody(buyer: Party) -> None:
    revoke_locally(buyer)
    assert not Notification.objects.filter(kind="counterparty_certificate_revoked").exists()

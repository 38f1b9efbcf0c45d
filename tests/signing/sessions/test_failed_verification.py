"""验签未成功 with real cryptography: the signer's certificate expires between the two steps.

The signature value is right (it verifies over the to-be-signed bytes, so it is embedded), but
the signed revision no longer verifies — the certificate is expired at the signature timestamp —
so nothing is kept, the attempt is recorded and notified; the third ends the contract.

Each certificate is issued on a connection of its own, so its row is committed and the
package's OCSP responder (another thread) answers "good" for it at step 1.
"""

from __future__ import annotations

import threading
import time
from base64 import b64decode
from datetime import datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.db import connection
from django.utils import timezone

from econtract.contracts.models import Contract, SignatureRecord
from econtract.evidence.models import EvidenceEvent
from econtract.localca import services as localca
from econtract.notifications.models import Notification
from econtract.parties.models import Party
from signing.models import SignatoryProgress
from tests.authentication.conftest import bind
from tests.pki.pades.conftest import PadesPki
from tests.pki.pades.conftest import Party as KeyHolder
from tests.signing.sessions.conftest import (
    complete,
    offeror_signer,
    ready_contract,
    sign_in_turn,
    start,
)

pytestmark = pytest.mark.django_db

LIFETIME = timedelta(seconds=2)


def short_lived(pades_pki: PadesPki, key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    """A certificate valid for LIFETIME from now, committed by another connection."""
    issued: list[x509.Certificate] = []

    def issue() -> None:
        try:
            issued.append(
                localca.issue_certificate(
                    public_key=key.public_key(),
                    subject=x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "张三")]),
                    not_after=timezone.now() + LIFETIME,
                )
            )
        finally:
            connection.close()

    thread = threading.Thread(target=issue)
    thread.start()
    thread.join()
    pades_pki.issued.append(issued[0].serial_number)
    return issued[0]


def attempt_after_expiry(
    party: Party, reference: str, key: ec.EllipticCurvePrivateKey, certificate: x509.Certificate
) -> dict[str, object]:
    started = start(party, reference, bind(party, certificate))
    assert started.status_code == 201, started.json()
    body = started.json()
    _sleep_until(certificate.not_valid_after_utc + timedelta(seconds=1))
    signature = offeror_signer(KeyHolder(key, certificate))(b64decode(body["to_be_signed"]))
    response = complete(party, reference, body["id"], signature)
    assert response.status_code == 422, response.json()
    result: dict[str, object] = response.json()
    return result


def _sleep_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - timezone.now()).total_seconds()))


def test_three_failed_verifications_end_the_contract_as_signature_failed(
    seller: Party, buyer: Party, pades_pki: PadesPki
) -> None:
    reference = ready_contract(seller, buyer)
    key = ec.generate_private_key(ec.SECP256R1())

    answers = [
        attempt_after_expiry(seller, reference, key, short_lived(pades_pki, key))
        for _attempt in range(3)
    ]

    assert [a["code"] for a in answers] == ["signature_verification_failed"] * 3
    assert [a["fields"] for a in answers] == [
        {"attempts": 1, "contract_ended": False},
        {"attempts": 2, "contract_ended": False},
        {"attempts": 3, "contract_ended": True},
    ]
    contract = Contract.objects.get(reference=reference)
    assert contract.state == Contract.State.SIGNATURE_FAILED
    assert not SignatureRecord.objects.filter(version__contract=contract).exists()
    failures = EvidenceEvent.objects.filter(step="T4.8", object_id=str(contract.pk))
    assert [(e.payload["verified"], e.payload["attempt"]) for e in failures] == [
        (False, 1),
        (False, 2),
        (False, 3),
    ]
    assert failures.last().payload["state"] == "signature_failed"  # type: ignore[union-attr]
    assert SignatoryProgress.objects.get(signatory__party=seller).failed_verifications == 3
    notices = Notification.objects.filter(kind="offeror_signature_failed")
    assert [n.recipient for n in notices].count(seller.account) == 3
    assert [n.recipient for n in notices].count(buyer.account) == 1  # told when it ended
    assert start(seller, reference).json()["code"] == "invalid_state"


def test_an_offerees_failed_verification_is_told_to_every_party_and_it_may_sign_again(
    seller: Party, buyer: Party, seller_key: KeyHolder, buyer_key: KeyHolder, pades_pki: PadesPki
) -> None:
    reference = ready_contract(seller, buyer)
    assert sign_in_turn(seller, reference, offeror_signer(seller_key)).status_code == 200
    key = ec.generate_private_key(ec.SECP256R1())

    failed = attempt_after_expiry(buyer, reference, key, short_lived(pades_pki, key))

    assert failed["code"] == "signature_verification_failed"
    notices = Notification.objects.filter(kind="offeree_signature_failed")
    assert {n.recipient for n in notices} == {seller.account, buyer.account}
    assert Contract.objects.get(reference=reference).state == Contract.State.SIGNING
    assert sign_in_turn(buyer, reference, buyer_key.sign).status_code == 200

"""验签未成功 in an amendment and a termination, with real cryptography: the counterparty's
certificate expires between the two steps, so its signature is right over the to-be-signed bytes
(and embedded) but the signed revision does not verify. Nothing is kept, the attempt is recorded
and the signer told; the third attempt ends the request."""

from __future__ import annotations

import time
from base64 import b64decode
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils import timezone

from auxiliary.contract_changes.models import Amendment, ChangeParticipant, Termination
from econtract.evidence.models import EvidenceEvent
from econtract.evidence.services import object_label
from econtract.parties.models import Party
from tests.authentication.conftest import bind
from tests.auxiliary.contract_changes.helpers import (
    amendment_body,
    api,
    complete_change,
    concluded,
    notices,
    sign_change,
    start_change,
    termination_body,
)
from tests.pki.pades.conftest import PadesPki
from tests.pki.pades.conftest import Party as KeyHolder
from tests.signing.sessions.conftest import offeror_signer
from tests.signing.sessions.test_failed_verification import short_lived

pytestmark = pytest.mark.django_db


def failed_attempt(party: Party, url: str, pades_pki: PadesPki) -> dict[str, Any]:
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = short_lived(pades_pki, key)
    started = start_change(party, url, bind(party, certificate))
    assert started.status_code == 201, started.json()
    session = started.json()
    wait = (certificate.not_valid_after_utc + timedelta(seconds=1) - timezone.now()).total_seconds()
    time.sleep(max(0.0, wait))
    signature = offeror_signer(KeyHolder(key, certificate))(b64decode(session["to_be_signed"]))
    response = complete_change(party, url, session["id"], signature)
    assert response.status_code == 422, response.json()
    result: dict[str, Any] = response.json()
    assert result["code"] == "signature_verification_failed"
    return result


def test_a_failed_verification_keeps_nothing_and_the_counterparty_signs_again(
    seller: Party,
    buyer: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    pades_pki: PadesPki,
    django_capture_on_commit_callbacks: Any,
) -> None:
    contract = concluded(
        seller, seller_key, [(buyer, buyer_key)], django_capture_on_commit_callbacks
    )
    base = f"/api/v1/contracts/{contract.reference}/amendments/"
    url = f"{base}{api(seller).post(base, amendment_body(), format='json').json()['id']}/"
    api(buyer).post(f"{url}decision/", {"agree": True}, format="json")
    api(buyer).post(f"{url}review/", {"accept": True}, format="json")
    before = api(buyer).get(url).json()["document_sha256"]

    failed = failed_attempt(buyer, url, pades_pki)

    assert failed["fields"] == {"attempts": 1, "request_ended": False}
    amendment = Amendment.objects.get()
    assert amendment.state == Amendment.State.SIGNING
    assert amendment.document_sha256 == before
    assert len(notices("amendment_counterparty_signature_failed", buyer)) == 1
    verify = EvidenceEvent.objects.filter(
        object_type=object_label(amendment), object_id=str(amendment.pk), step="T11.9"
    ).get()
    assert verify.payload["verified"] is False
    assert sign_change(buyer, url, buyer_key).status_code == 200
    assert ChangeParticipant.objects.get(amendment=amendment, role="counterparty").signed_at


def test_three_failed_verifications_end_the_termination(
    seller: Party,
    buyer: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    pades_pki: PadesPki,
    django_capture_on_commit_callbacks: Any,
) -> None:
    contract = concluded(
        seller, seller_key, [(buyer, buyer_key)], django_capture_on_commit_callbacks
    )
    base = f"/api/v1/contracts/{contract.reference}/terminations/"
    url = f"{base}{api(seller).post(base, termination_body(), format='json').json()['id']}/"
    api(buyer).post(f"{url}decision/", {"agree": True}, format="json")

    results = [failed_attempt(buyer, url, pades_pki) for _ in range(3)]

    assert [r["fields"]["request_ended"] for r in results] == [False, False, True]
    termination = Termination.objects.get()
    assert termination.state == Termination.State.SIGNATURE_FAILED
    # The last failure is told to every party; the contract itself goes on.
    assert len(notices("termination_counterparty_signature_failed", buyer)) == 3
    assert len(notices("termination_counterparty_signature_failed", seller)) == 1
    contract.refresh_from_db()
    assert contract.state == "in_performance"
    assert start_change(buyer, url).json()["code"] == "invalid_state"

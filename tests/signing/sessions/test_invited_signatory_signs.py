"""An invited signatory (issue 16): the offeror signs before the invitee has registered; once
registered as the person invited, the invitee signs its field and the contract concludes."""

from __future__ import annotations

import pytest

from econtract.contracts.models import Contract, SigningInvitation
from econtract.notifications.models import Notification
from econtract.parties.models import Party
from signing import invitations
from tests.authentication.conftest import bind
from tests.pki.pades.conftest import Party as KeyHolder
from tests.signing.conftest import authenticate, contract_body, make_party
from tests.signing.sessions.conftest import (
    CaptureCallbacks,
    api_for,
    offeror_signer,
    sign_in_turn,
)

pytestmark = pytest.mark.django_db


def test_the_offeror_signs_first_and_the_invitee_signs_once_registered(
    seller: Party,
    seller_key: KeyHolder,
    buyer_key: KeyHolder,
    django_capture_on_commit_callbacks: CaptureCallbacks,
) -> None:
    body = contract_body(
        signatories=[
            {"party": "seller", "role": "offeror", "order": 1},
            {"name": "王小明", "phone": "13912340000", "role": "offeree", "order": 2},
        ]
    )
    api = api_for(seller)
    reference = api.post("/api/v1/contracts/", body, format="json").json()["id"]
    assert api.post(f"/api/v1/contracts/{reference}/submit/").json()["state"] == "ready"

    by_seller = sign_in_turn(seller, reference, offeror_signer(seller_key))
    assert by_seller.status_code == 200, by_seller.json()
    assert by_seller.json()["signatories"][1]["invited"] == "139****0000"

    newcomer = make_party("wang", name="王小明", phone="13912340000")
    authenticate(newcomer)
    newcomer.signing_certificate = bind(newcomer, buyer_key.certificate)  # type: ignore[attr-defined]
    invitation = SigningInvitation.objects.get()
    assert invitations.accept(invitation, newcomer.account)
    assert Notification.objects.filter(
        recipient=newcomer.account, kind="signing_invitation_accepted"
    ).exists()

    with django_capture_on_commit_callbacks(execute=True):
        by_newcomer = sign_in_turn(newcomer, reference, buyer_key.sign)

    assert by_newcomer.status_code == 200, by_newcomer.json()
    assert Contract.objects.get(reference=reference).state == "in_performance"
    signers = [
        s["signer"]
        for s in api_for(newcomer).get(f"/api/v1/contracts/{reference}/").json()["signatures"]
    ]
    assert signers == ["北京示例科技有限公司", "王小明", "platform"]

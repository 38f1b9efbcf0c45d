"""§11.2 (Table 10) through the API, on every branch of figure 10: no unfinished contract, a
contract being signed, a contract in performance its counterparty confirms finished / not
finished / does not answer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from auxiliary import services
from auxiliary.models import Cancellation
from econtract.localca import services as localca
from econtract.localca.models import IssuedCertificate
from econtract.notifications.models import Notification
from econtract.parties.models import Party, PartyCertificate
from econtract.supervision.models import SupervisionEvent
from tests.authentication.conftest import bind
from tests.auxiliary.conftest import PASSWORD, api, body, contract_between, notices, steps_of

pytestmark = pytest.mark.django_db

OBJECT = "auxiliary.cancellation"


def apply(party: Party, reason: str = "公司已注销") -> Any:
    return api(party).post("/api/v1/cancellations/", {"reason": reason}, format="json")


def confirm(party: Party, cancellation_id: int, finished: bool) -> Any:
    return api(party).post(
        f"/api/v1/cancellations/{cancellation_id}/confirm/", {"finished": finished}, format="json"
    )


def issued_certificate(party: Party) -> PartyCertificate:
    """A certificate of the built-in CA for a fresh key, bound to ``party``."""
    subject = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, party.name)])
    certificate = localca.issue_certificate(
        public_key=ec.generate_private_key(ec.SECP256R1()).public_key(), subject=subject
    )
    return bind(party, certificate)


def ca_record(row: PartyCertificate) -> IssuedCertificate:
    return IssuedCertificate.objects.get(serial_hex=format(int(row.serial_number, 16), "x"))


def test_without_unfinished_contracts_the_party_is_cancelled_and_its_login_closed(
    seller: Party, local_pki: object
) -> None:
    certificate = issued_certificate(seller)
    token = Token.objects.create(user=seller.account)

    response = apply(seller)

    assert response.status_code == 201, response.json()
    result = body(response)
    assert result["state"] == "cancelled"
    assert [h["step"] for h in result["history"]] == ["T10.1", "T10.2", "T10.3", "T10.4"]
    seller.refresh_from_db()
    assert seller.status == "cancelled"
    assert seller.pending_process == ""
    assert not seller.account.is_active
    assert not Token.objects.filter(user=seller.account).exists()
    certificate.refresh_from_db()
    assert certificate.status == "revoked"
    assert certificate.revocation_reason == "cessation_of_operation"
    assert ca_record(certificate).revocation_reason == "cessation_of_operation"
    # Data kept: the party and its certificate rows stay.
    assert Party.objects.filter(pk=seller.pk).exists()
    assert len(notices("cancellation_accepted", seller)) == 1
    assert len(notices("cancellation_succeeded", seller)) == 1
    assert steps_of(OBJECT, result["id"]) == ["T10.1", "T10.2", "T10.3", "T10.4"]
    # The old token is gone, no new one is issued, and the login page refuses the account.
    with_old_token = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert with_old_token.get("/api/v1/cancellations/").status_code == 401
    new_token = APIClient().post(
        "/api/v1/auth/token/", {"username": "seller", "password": PASSWORD}, format="json"
    )
    assert new_token.status_code == 400
    browser = Client()
    login = browser.post("/accounts/login/", {"username": "seller", "password": PASSWORD})
    assert login.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in browser.session


def test_a_contract_in_performance_not_finished_refuses_the_cancellation(
    seller: Party, applicant: Party
) -> None:
    contract = contract_between(seller, applicant, state="in_performance")

    asked = body(apply(seller))

    assert asked["state"] == "awaiting_confirmation"
    [request] = notices("cancellation_confirmation_requested", applicant)
    assert contract.reference in request.body
    seller.refresh_from_db()
    assert seller.pending_process == "cancellation"

    refused = body(confirm(applicant, asked["id"], False))

    assert refused["state"] == "refused"
    assert refused["unfinished_contracts"] == [contract.reference]
    assert contract.reference in refused["refusal_reason"]
    seller.refresh_from_db()
    assert seller.status == "active"
    assert seller.pending_process == ""
    assert seller.account.is_active
    assert len(notices("cancellation_refused", seller)) == 1
    assert len(notices("cancellation_refused", applicant)) == 1
    assert steps_of(OBJECT, asked["id"]) == ["T10.1", "T10.2", "T10.3", "T10.3", "T10.4"]


def test_a_contract_in_performance_confirmed_finished_lets_the_cancellation_through(
    seller: Party, applicant: Party
) -> None:
    contract = contract_between(seller, applicant, state="in_performance")
    asked = body(apply(seller))

    done = body(confirm(applicant, asked["id"], True))

    assert done["state"] == "cancelled"
    assert len(notices("cancellation_succeeded", applicant)) == 1
    assert len(notices("cancellation_succeeded", seller)) == 1
    event = SupervisionEvent.objects.get(event_type="party.cancelled")
    assert event.contract_id == contract.pk
    assert event.party_ids == [seller.pk, applicant.pk]


def test_a_contract_still_being_signed_refuses_at_once(seller: Party, applicant: Party) -> None:
    contract = contract_between(seller, applicant, state="signing")

    result = body(apply(applicant))

    assert result["state"] == "refused"
    assert result["unfinished_contracts"] == [contract.reference]
    assert len(notices("cancellation_refused", seller)) == 1
    assert steps_of(OBJECT, result["id"]) == ["T10.1", "T10.2", "T10.3", "T10.4"]
    applicant.refresh_from_db()
    assert applicant.status == "active"


def test_no_confirmation_by_the_deadline_counts_as_unfinished(
    seller: Party, applicant: Party
) -> None:
    contract_between(seller, applicant, state="in_performance")
    asked = body(apply(seller))

    closed = services.close_unanswered_requests(now=timezone.now() + timedelta(days=8))

    assert closed == 1
    cancellation = Cancellation.objects.get(pk=asked["id"])
    assert cancellation.state == "refused"
    assert cancellation.confirmations.get().expired
    assert confirm(applicant, asked["id"], True).status_code == 409


def test_applying_needs_a_valid_authentication_and_a_reason(seller: Party) -> None:
    no_reason = api(seller).post("/api/v1/cancellations/", {"reason": " "}, format="json")
    seller.authentications.all().delete()
    unauthenticated = apply(seller)

    assert no_reason.status_code in (400, 422)
    assert unauthenticated.status_code == 403
    assert body(unauthenticated)["code"] == "authentication_required"
    assert len(notices("cancellation_not_authenticated", seller)) == 1
    assert not Cancellation.objects.exists()


def test_refusals_change_nothing(seller: Party, applicant: Party, outsider: Party) -> None:
    contract_between(seller, applicant, state="in_performance")
    asked = body(apply(seller))
    url = f"/api/v1/cancellations/{asked['id']}/"

    assert api(outsider).get(url).status_code == 404
    assert confirm(outsider, asked["id"], True).status_code == 404
    assert confirm(seller, asked["id"], True).status_code == 404  # not its own counterparty
    again = apply(seller)
    assert again.status_code == 409
    assert body(again)["code"] == "cancellation_pending"
    change = api(seller).post(
        "/api/v1/identity-changes/", {"changes": {"address": "新地址一号"}}, format="json"
    )
    assert body(change)["code"] == "cancellation_pending"
    events = Notification.objects.count()

    assert body(confirm(applicant, asked["id"], False))["state"] == "refused"
    twice = confirm(applicant, asked["id"], True)

    assert twice.status_code == 409
    assert Cancellation.objects.get(pk=asked["id"]).state == "refused"
    assert Notification.objects.count() == events + 2  # only the refusal's two notices

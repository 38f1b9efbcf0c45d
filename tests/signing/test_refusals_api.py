"""What contract creation refuses, and that a refused request stores nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from econtract.contracts.models import Contract, ContractVersion
from econtract.evidence.models import EvidenceEvent
from econtract.notifications.models import Notification
from econtract.parties.models import Party, User
from tests.signing.conftest import client_for, contract_body, make_party

pytestmark = pytest.mark.django_db


def refused(client: APIClient, body: dict[str, Any], status: int = 422) -> dict[str, Any]:
    response = client.post("/api/v1/contracts/", body, format="json")
    assert response.status_code == status, response.json()
    assert not Contract.objects.exists()
    assert not ContractVersion.objects.exists()
    return dict(response.json())


@pytest.mark.parametrize("category", ["personal_status", "utility_suspension"])
def test_an_art_3_category_is_refused_and_nothing_is_stored(
    offeror_api: APIClient, offeree: Party, category: str
) -> None:
    body = refused(offeror_api, contract_body(category=category))

    assert body["code"] == "category_excluded"
    assert any(cited in body["detail"] for cited in ("Art. 3", "第三条"))
    assert body["fields"] == {"category": [category]}
    assert not EvidenceEvent.objects.exists()


def test_a_party_without_a_valid_authentication_is_refused_and_told(offeree: Party) -> None:
    body = refused(client_for(offeree), contract_body(), status=403)

    assert body["code"] == "authentication_required"
    event = EvidenceEvent.objects.get()
    assert (event.step, event.payload) == ("T4.1", {"authenticated": False})
    notice = Notification.objects.get()
    assert (notice.kind, notice.recipient) == ("signing_not_authenticated", offeree.account)


def test_an_account_without_a_registered_party_is_refused(db: None) -> None:
    account = User.objects.create_user("nobody", password="x-very-long-password")
    client = APIClient()
    client.force_authenticate(account)

    assert refused(client, contract_body(), status=403)["code"] == "not_registered"


def test_an_unknown_counterparty_is_named(offeror_api: APIClient, offeree: Party) -> None:
    signatories = [
        {"party": "seller", "role": "offeror", "order": 1},
        {"party": "13800000002", "role": "offeree", "order": 2},
        {"party": "no-such-user", "role": "offeree", "order": 3},
    ]
    body = refused(offeror_api, contract_body(signatories=signatories))

    assert body["code"] == "unknown_signatory"
    assert body["fields"] == {"signatories.2": ["no-such-user"]}


def test_a_cancelled_party_cannot_be_named(offeror_api: APIClient, offeree: Party) -> None:
    offeree.status = Party.Status.CANCELLED
    offeree.save()

    assert refused(offeror_api, contract_body())["code"] == "unknown_signatory"


def test_counterparties_are_found_by_credit_code_and_by_party_id(
    offeror_api: APIClient, offeror: Party, offeree: Party
) -> None:
    company = make_party(
        "buyer-co",
        name="上海买方有限公司",
        phone="13800000009",
        kind="organization",
        credit_code="91310000MA1FL0000X",
    )
    signatories = [
        {"party_id": offeror.pk, "role": "offeror", "order": 1},
        {"party": "91310000MA1FL0000X", "role": "offeree", "order": 3},
        {"party_id": offeree.pk, "role": "offeree", "order": 2},
    ]
    response = offeror_api.post(
        "/api/v1/contracts/", contract_body(signatories=signatories), format="json"
    )

    assert response.status_code == 201, response.json()
    assert [s["party_id"] for s in response.json()["signatories"]] == [
        offeror.pk,
        offeree.pk,
        company.pk,
    ]


@pytest.mark.parametrize(
    ("signatories", "code"),
    [
        ([{"party": "buyer", "role": "offeree", "order": 2}], "invalid_offeror"),
        ([{"party": "buyer", "role": "offeror", "order": 1}], "invalid_offeror"),
        ([{"party": "seller", "role": "offeror", "order": 2}], "invalid_offeror"),
        ([{"party": "seller", "role": "offeror", "order": 1}], "no_offeree"),
        (
            [
                {"party": "seller", "role": "offeror", "order": 1},
                {"party": "buyer", "role": "offeree", "order": 2},
                {"party": "13800000002", "role": "offeree", "order": 3},
            ],
            "duplicate_signatory",
        ),
        (
            [
                {"party": "seller", "role": "offeror", "order": 1},
                {"party": "buyer", "role": "offeree", "order": 3},
            ],
            "invalid_order",
        ),
    ],
    ids=["no-offeror", "offeror-not-caller", "offeror-not-first", "alone", "twice", "gap"],
)
def test_the_signatory_rules_are_enforced(
    offeror_api: APIClient, offeree: Party, signatories: list[dict[str, Any]], code: str
) -> None:
    assert refused(offeror_api, contract_body(signatories=signatories))["code"] == code


def test_a_deadline_in_the_past_is_refused(offeror_api: APIClient, offeree: Party) -> None:
    past = (timezone.now() - timedelta(minutes=1)).isoformat()

    assert refused(offeror_api, contract_body(sign_deadline=past))["code"] == "invalid_deadline"


def test_neither_text_nor_document_is_refused(offeror_api: APIClient, offeree: Party) -> None:
    assert refused(offeror_api, contract_body(text=""))["code"] == "invalid_source"


def test_a_document_that_is_not_a_pdf_is_refused(offeror_api: APIClient, offeree: Party) -> None:
    data = contract_body()
    del data["text"]
    response = offeror_api.post(
        "/api/v1/contracts/",
        {"data": json.dumps(data), "document": SimpleUploadedFile("x.pdf", b"not a pdf")},
        format="multipart",
    )

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_document"
    assert not Contract.objects.exists()

"""A draft over the API (issue 17): ``PATCH`` changes what it is given, ``DELETE`` deletes a draft;
409 once it is sent for signing, 404 for anyone not its party."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from econtract.contracts.models import Contract
from econtract.evidence.models import EvidenceEvent
from econtract.parties.models import Party
from tests.contracts.conftest import complete_elements
from tests.signing.conftest import client_for, contract_body

pytestmark = pytest.mark.django_db


def created(api: APIClient, **overrides: object) -> str:
    response = api.post("/api/v1/contracts/", contract_body(**overrides), format="json")
    assert response.status_code == 201, response.json()
    reference: str = response.json()["id"]
    return reference


def test_patch_changes_what_it_is_given_and_keeps_the_rest(
    offeror_api: APIClient, offeree: Party, outsider: Party
) -> None:
    elements = complete_elements()
    del elements["price"]
    reference = created(offeror_api, elements=elements)

    response = offeror_api.patch(
        f"/api/v1/contracts/{reference}/",
        {
            "title": "新的标题",
            "elements": {**elements, "price": "人民币伍万元整"},
            "signatories": [
                {"party": "seller", "role": "offeror", "order": 1},
                {"party": "outsider", "role": "offeree", "order": 2},
            ],
            "submit": True,
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["title"] == "新的标题"
    assert body["state"] == "ready"
    contract = Contract.objects.get(reference=reference)
    assert list(contract.signatories.values_list("party_id", flat=True).order_by("order")) == [
        contract.offeror_id,
        outsider.pk,
    ]
    assert contract.category == "sale"
    event = EvidenceEvent.objects.get(step="X19", object_id=str(contract.pk))
    assert event.payload["event"] == "edited"
    assert "signatories" in event.payload["changed"]


def test_patch_with_a_new_pdf_replaces_the_text(
    offeror_api: APIClient, offeree: Party, uploaded_pdf: bytes
) -> None:
    reference = created(offeror_api)

    response = offeror_api.patch(
        f"/api/v1/contracts/{reference}/",
        {
            "document": SimpleUploadedFile("c.pdf", uploaded_pdf, "application/pdf"),
            "data": json.dumps({"title": "上传的合同"}),
        },
        format="multipart",
    )

    assert response.status_code == 200, response.json()
    contract = Contract.objects.get(reference=reference)
    assert contract.source.is_upload
    assert contract.versions.count() == 2


def test_patch_refuses_what_creation_refuses(offeror_api: APIClient, offeree: Party) -> None:
    reference = created(offeror_api)

    response = offeror_api.patch(
        f"/api/v1/contracts/{reference}/",
        {"signatories": [{"party": "ghost", "role": "offeree", "order": 2}]},
        format="json",
    )

    assert response.status_code == 422
    assert response.json()["code"] == "unknown_signatory"
    assert Contract.objects.get(reference=reference).versions.count() == 1


def test_409_once_sent_for_signing_and_404_for_others(
    offeror_api: APIClient, offeree: Party, outsider: Party
) -> None:
    reference = created(offeror_api)
    outsider_api = client_for(outsider)
    assert (
        outsider_api.patch(
            f"/api/v1/contracts/{reference}/", {"title": "x"}, format="json"
        ).status_code
        == 404
    )
    assert outsider_api.delete(f"/api/v1/contracts/{reference}/").status_code == 404
    # A counterparty does not see a draft at all.
    assert client_for(offeree).delete(f"/api/v1/contracts/{reference}/").status_code == 404

    offeror_api.post(f"/api/v1/contracts/{reference}/submit/")

    patched = offeror_api.patch(f"/api/v1/contracts/{reference}/", {"title": "x"}, format="json")
    deleted = offeror_api.delete(f"/api/v1/contracts/{reference}/")
    assert (patched.status_code, patched.json()["code"]) == (409, "invalid_state")
    assert (deleted.status_code, deleted.json()["code"]) == (409, "invalid_state")


def test_delete_takes_a_draft_out_of_every_list(offeror_api: APIClient, offeree: Party) -> None:
    reference = created(offeror_api)

    response = offeror_api.delete(f"/api/v1/contracts/{reference}/")

    assert response.status_code == 204
    assert offeror_api.get("/api/v1/contracts/").json()["count"] == 0
    assert offeror_api.get(f"/api/v1/contracts/{reference}/").status_code == 404
    assert offeror_api.delete(f"/api/v1/contracts/{reference}/").status_code == 404
    assert Contract.objects.get(reference=reference).state == "withdrawn"

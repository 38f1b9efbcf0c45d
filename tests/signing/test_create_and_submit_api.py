"""§9.3 T4.1–T4.5 over the API: create a contract (text or uploaded PDF), then the element check."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from econtract.contracts.models import Contract, ContractVersion
from econtract.contracts.rendering import normalise_upload_document
from econtract.evidence.models import EvidenceEvent
from econtract.notifications.models import Notification
from econtract.parties.models import Party
from signing.models import ContractSource
from tests.contracts.pdftools import page_count, pdftotext
from tests.signing.conftest import contract_body

pytestmark = pytest.mark.django_db


def steps_of(contract_id: str) -> list[str]:
    contract = Contract.objects.get(reference=contract_id)
    return list(
        EvidenceEvent.objects.filter(
            object_type="contracts.contract", object_id=str(contract.pk)
        ).values_list("step", flat=True)
    )


def test_a_text_contract_is_created_submitted_and_ready_with_every_step_recorded(
    offeror_api: APIClient, offeror: Party, offeree: Party
) -> None:
    created = offeror_api.post("/api/v1/contracts/", contract_body(), format="json")

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["state"] == "draft"
    assert body["id"] == body["reference"]
    assert created["Location"] == f"/api/v1/contracts/{body['id']}/"
    assert [(s["name"], s["role"], s["order"]) for s in body["signatories"]] == [
        ("北京示例科技有限公司", "offeror", 1),
        ("张三", "offeree", 2),
    ]
    assert [v["number"] for v in body["versions"]] == [1]

    submitted = offeror_api.post(f"/api/v1/contracts/{body['id']}/submit/")

    assert submitted.status_code == 200, submitted.json()
    detail = submitted.json()
    assert detail["state"] == "ready"
    assert steps_of(body["id"]) == ["T4.1", "T4.2", "T4.3", "T4.4", "T4.5"]
    assert [(h["step"], h["state"]) for h in detail["history"]][-1] == ("T4.5", "ready")
    assert all(h["actor"] == "seller" for h in detail["history"])
    accepted = Notification.objects.get(kind="offeror_signing_accepted")
    assert accepted.recipient == offeror.account

    document = offeror_api.get(f"/api/v1/contracts/{body['id']}/document/")
    assert document["Content-Type"] == "application/pdf"
    assert "笔记本电脑买卖合同" in pdftotext(document.content)


def test_the_encrypted_channel_step_records_the_channel_as_the_request_saw_it(
    offeror_api: APIClient, offeree: Party
) -> None:
    created = offeror_api.post("/api/v1/contracts/", contract_body(), format="json", secure=True)

    contract = Contract.objects.get(reference=created.json()["id"])
    channel = EvidenceEvent.objects.get(step="T4.3", object_id=str(contract.pk))
    assert channel.payload == {"state": "draft", "secure": True, "protocol": "HTTP/1.1"}


def test_an_uploaded_pdf_gets_the_elements_page_and_is_kept_as_its_prefix(
    offeror_api: APIClient, offeree: Party, uploaded_pdf: bytes
) -> None:
    data = contract_body()
    del data["text"]

    created = offeror_api.post(
        "/api/v1/contracts/",
        {"data": json.dumps(data), "document": SimpleUploadedFile("contract.pdf", uploaded_pdf)},
        format="multipart",
    )

    assert created.status_code == 201, created.json()
    reference = created.json()["id"]
    stored = offeror_api.get(f"/api/v1/contracts/{reference}/document/").content
    # The upload as the sandbox normalised it (qpdf writes the same file for the same input).
    normalised = normalise_upload_document(uploaded_pdf).pdf
    assert stored.startswith(normalised)
    assert page_count(stored) == page_count(uploaded_pdf) + 2  # the summary, the signatures
    assert "合同要素" in pdftotext(stored)
    assert ContractSource.objects.get(contract__reference=reference).upload_size == len(normalised)
    assert offeror_api.post(f"/api/v1/contracts/{reference}/submit/").json()["state"] == "ready"
    assert steps_of(reference) == ["T4.1", "T4.2", "T4.3", "T4.4", "T4.5"]


def test_missing_elements_are_all_named_and_the_contract_is_left_elements_incomplete(
    offeror_api: APIClient, offeror: Party, offeree: Party
) -> None:
    elements = contract_body()["elements"]
    del elements["quality"], elements["dispute_resolution"]
    elements["performance"]["place"] = "  "
    created = offeror_api.post(
        "/api/v1/contracts/", contract_body(elements=elements), format="json"
    ).json()

    refused = offeror_api.post(f"/api/v1/contracts/{created['id']}/submit/")

    assert refused.status_code == 422
    assert refused.json()["code"] == "elements_incomplete"
    assert set(refused.json()["fields"]) == {"quality", "performance.place", "dispute_resolution"}
    contract = Contract.objects.get(reference=created["id"])
    assert contract.state == "elements_incomplete"
    event = EvidenceEvent.objects.get(step="T4.5", object_id=str(contract.pk))
    assert event.payload["missing"] == ["quality", "performance.place", "dispute_resolution"]
    notice = Notification.objects.get(kind="contract_elements_incomplete")
    assert notice.recipient == offeror.account
    assert "质量" in notice.body
    assert "解决争议的方法" in notice.body


def test_completed_elements_re_render_the_draft_and_then_pass_the_check(
    offeror_api: APIClient, offeree: Party
) -> None:
    elements = contract_body()["elements"]
    del elements["price"]
    reference = offeror_api.post(
        "/api/v1/contracts/", contract_body(elements=elements), format="json"
    ).json()["id"]
    assert offeror_api.post(f"/api/v1/contracts/{reference}/submit/").status_code == 422

    elements["price"] = "人民币伍万元整"
    updated = offeror_api.patch(
        f"/api/v1/contracts/{reference}/", {"elements": elements}, format="json"
    )

    assert updated.status_code == 200, updated.json()
    versions = updated.json()["versions"]
    assert [v["number"] for v in versions] == [1, 2]
    assert versions[1]["previous_sha256"] == versions[0]["sha256"]
    assert "人民币伍万元整" in pdftotext(
        offeror_api.get(f"/api/v1/contracts/{reference}/document/").content
    )
    assert offeror_api.post(f"/api/v1/contracts/{reference}/submit/").json()["state"] == "ready"


def test_elements_cannot_change_once_the_contract_is_ready(
    offeror_api: APIClient, offeree: Party
) -> None:
    reference = offeror_api.post("/api/v1/contracts/", contract_body(), format="json").json()["id"]
    offeror_api.post(f"/api/v1/contracts/{reference}/submit/")

    response = offeror_api.patch(
        f"/api/v1/contracts/{reference}/", {"elements": contract_body()["elements"]}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_state"
    assert ContractVersion.objects.filter(contract__reference=reference).count() == 1
